/**
 * Follow what the panel shows from chrome.storage.session: the session, the
 * Gmail access token, and the conversation of the current Gmail tab.
 *
 * The current Gmail tab is the one last active in the panel's own window (the
 * side panel sits beside it), else the one that last reported anywhere (the
 * panel page opened in a tab or window of its own).
 */

import { GOOGLE_ACCESS, LAST_GMAIL_TAB, SESSION, threadKey, windowKey } from "../shared/storage-keys.js";

/**
 * Call `onChange({session, googleAccess, tab})` now and after every relevant change.
 *
 * `tab` is `{tabId, thread, problem}` for the current Gmail tab, or null.
 */
export async function followPanelState({ sessionStore, windowId, onChange }) {
  const ownWindow = windowKey(windowId);
  let state = { session: null, googleAccess: null, tab: null };
  let tabId = null;
  let reads = 0;

  async function readAll() {
    const read = ++reads;
    const stored = await sessionStore.get([SESSION, GOOGLE_ACCESS, LAST_GMAIL_TAB, ownWindow]);
    tabId = stored[ownWindow] ?? stored[LAST_GMAIL_TAB] ?? null;
    const tab = tabId === null ? null : (await sessionStore.get(threadKey(tabId)))[threadKey(tabId)] || null;
    if (read !== reads) return; // a later read is under way
    state = { session: stored[SESSION] || null, googleAccess: stored[GOOGLE_ACCESS] || null, tab };
    onChange(state);
  }

  sessionStore.onChanged((changes) => {
    if (ownWindow in changes || LAST_GMAIL_TAB in changes) {
      readAll();
      return;
    }
    const next = { ...state };
    let changed = false;
    if (SESSION in changes) {
      next.session = changes[SESSION].newValue || null;
      changed = true;
    }
    if (GOOGLE_ACCESS in changes) {
      next.googleAccess = changes[GOOGLE_ACCESS].newValue || null;
      changed = true;
    }
    if (tabId !== null && threadKey(tabId) in changes) {
      next.tab = changes[threadKey(tabId)].newValue || null;
      changed = true;
    }
    if (changed) {
      state = next;
      onChange(state);
    }
  });
  await readAll();
}
