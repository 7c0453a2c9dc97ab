/**
 * Threadbook's Gmail content script: report the open conversation to the service worker.
 *
 * Bundled into one classic script at build time. It reads the page and never
 * writes to it, and never calls the backend.
 */

import { MESSAGE } from "../shared/messages.js";
import { runtime } from "../shared/chrome-api.js";
import { GmailPageError, readOpenThread } from "./thread-reader.js";
import { watchConversation } from "./thread-watcher.js";

function read() {
  try {
    return { thread: readOpenThread(document), problem: "" };
  } catch (error) {
    if (!(error instanceof GmailPageError)) throw error;
    console.warn("Threadbook:", error.message);
    return { thread: null, problem: error.message };
  }
}

const stop = watchConversation({
  doc: document,
  win: window,
  read,
  report({ thread, problem }) {
    // After the extension is updated or reloaded this page's script is orphaned: stop quietly.
    if (!runtime.isAlive()) {
      stop();
      return;
    }
    runtime.sendMessage({ type: MESSAGE.THREAD_CHANGED, thread, problem }).catch(() => {});
  },
});
