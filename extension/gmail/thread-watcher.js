/**
 * Notice when the open conversation changes, cheaply.
 *
 * Listens to the address's hash (Gmail routes by it) and observes the
 * conversation container only, never the whole page; reads are debounced and
 * a change is reported only when what was read differs from last time.
 */

import { THREAD_CONTAINER } from "./selectors.js";
import { findFirst } from "./thread-reader.js";

// Attributes whose change can show, hide or identify a conversation; others
// (hover classes, focus) change constantly and do not matter.
const WATCHED_ATTRIBUTES = ["style", "hidden", "data-legacy-thread-id", "data-legacy-message-id", "data-message-id"];

/**
 * Start watching; returns `stop()`.
 *
 * `read()` returns what to report (any JSON-able value); `report(value)` is
 * called with it whenever it changes. `debounceMs` waits for Gmail to finish
 * a burst of changes; `maxWaitMs` caps how long a steady stream can delay a read.
 */
export function watchConversation({ doc, win, read, report, debounceMs = 30, maxWaitMs = 150, retryMs = 1000 }) {
  let observer = null;
  let observed = null;
  let timer = 0;
  let firstPending = 0;
  let lastReported;
  let stopped = false;
  let retryTimer = 0;

  function check() {
    timer = 0;
    firstPending = 0;
    if (stopped) return;
    attach();
    const value = read();
    const signature = JSON.stringify(value);
    if (signature !== lastReported) {
      lastReported = signature;
      report(value);
    }
  }

  function schedule() {
    const now = Date.now();
    if (!firstPending) firstPending = now;
    if (timer) win.clearTimeout(timer);
    const wait = Math.max(0, Math.min(debounceMs, firstPending + maxWaitMs - now));
    timer = win.setTimeout(check, wait);
  }

  /** Observe the container, finding it again if Gmail replaced it; poll until it exists. */
  function attach() {
    const container = findFirst(doc, THREAD_CONTAINER);
    if (container === observed && (container || retryTimer)) return;
    if (observer) observer.disconnect();
    observed = container;
    if (container) {
      observer = new win.MutationObserver(schedule);
      observer.observe(container, { childList: true, subtree: true, attributes: true, attributeFilter: WATCHED_ATTRIBUTES });
      if (retryTimer) win.clearInterval(retryTimer);
      retryTimer = 0;
    } else if (!retryTimer) {
      // Gmail is still loading: look again now and then (a page-wide observer would slow Gmail down).
      retryTimer = win.setInterval(schedule, retryMs);
    }
  }

  const onHashChange = () => schedule();
  const onVisible = () => {
    if (doc.visibilityState === "visible") {
      lastReported = undefined; // tell again, so this tab becomes the current one
      schedule();
    }
  };
  win.addEventListener("hashchange", onHashChange);
  doc.addEventListener("visibilitychange", onVisible);
  attach();
  schedule();

  return function stop() {
    stopped = true;
    if (observer) observer.disconnect();
    if (timer) win.clearTimeout(timer);
    if (retryTimer) win.clearInterval(retryTimer);
    win.removeEventListener("hashchange", onHashChange);
    doc.removeEventListener("visibilitychange", onVisible);
  };
}
