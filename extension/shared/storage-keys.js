/**
 * Names of what the extension keeps in chrome.storage, in one place.
 *
 * chrome.storage.session (memory only, hidden from content scripts):
 * - SESSION: `{token, expires_at, user, org, dev, backend}`, the backend session.
 * - GOOGLE_ACCESS: `{token, expires_at, scope}`, the Gmail access token used to log threads.
 * - threadKey(tabId): `{tabId, thread: ThreadSnapshot|null, problem, at}`, what a Gmail tab shows.
 * - windowKey(windowId): the id of the Gmail tab last active in that window.
 * - LAST_GMAIL_TAB: the id of the Gmail tab that last reported or was activated.
 * - NOTIFIED: the id of the newest notification the service worker has shown (background/alerts.js).
 *
 * chrome.storage.local (kept across restarts):
 * - SETTINGS: `{backendUrl, clientId}` from the options page.
 */

export const SESSION = "session";
export const GOOGLE_ACCESS = "googleAccess";
export const LAST_GMAIL_TAB = "lastGmailTab";
export const SETTINGS = "settings";
export const NOTIFIED = "notified";

export const threadKey = (tabId) => `thread:${tabId}`;
export const windowKey = (windowId) => `window:${windowId}`;
