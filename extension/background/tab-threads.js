/**
 * Remember which conversation each Gmail tab shows, and which Gmail tab is current.
 *
 * Kept in chrome.storage.session, one key per tab and per window, so the
 * worker can stop at any time and concurrent events never overwrite each
 * other's records. The panel reads the same keys (see panel/panel-store.js).
 */

import { LAST_GMAIL_TAB, threadKey, windowKey } from "../shared/storage-keys.js";

export function createTabThreads(sessionStore, now = () => Date.now()) {
  /** Store what a Gmail tab reported; that tab becomes the current one of its window. */
  async function record(tab, thread, problem = "") {
    if (!tab || tab.id === undefined) return;
    await sessionStore.set({
      [threadKey(tab.id)]: { tabId: tab.id, thread: thread || null, problem: problem || "", at: now() },
      [windowKey(tab.windowId)]: tab.id,
      [LAST_GMAIL_TAB]: tab.id,
    });
  }

  /** A tab came to the front: if it is a Gmail tab we know, make it current. */
  async function activated({ tabId, windowId }) {
    const key = threadKey(tabId);
    const known = (await sessionStore.get(key))[key];
    if (known) await sessionStore.set({ [windowKey(windowId)]: tabId, [LAST_GMAIL_TAB]: tabId });
  }

  async function removed(tabId, { windowId } = {}) {
    const keys = [threadKey(tabId)];
    const state = await sessionStore.get([LAST_GMAIL_TAB, windowKey(windowId)]);
    if (state[LAST_GMAIL_TAB] === tabId) keys.push(LAST_GMAIL_TAB);
    if (windowId !== undefined && state[windowKey(windowId)] === tabId) keys.push(windowKey(windowId));
    await sessionStore.remove(keys);
  }

  return { record, activated, removed };
}
