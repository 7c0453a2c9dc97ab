/**
 * Reach the browser's extension APIs through one small module.
 *
 * Nothing else in the extension names `chrome`: logic modules take these
 * objects as arguments, so node tests hand them fakes instead. Each property
 * is read when called, so importing this module anywhere (a content script,
 * a test) touches nothing.
 */

function storageArea(name) {
  return {
    get: (keys) => chrome.storage[name].get(keys),
    set: (items) => chrome.storage[name].set(items),
    remove: (keys) => chrome.storage[name].remove(keys),
    /** Call `listener(changes)` with `{key: {oldValue, newValue}}` for each change. */
    onChanged: (listener) => chrome.storage[name].onChanged.addListener(listener),
  };
}

/** chrome.storage.session: memory only, and hidden from content scripts by default. */
export const sessionStore = storageArea("session");

/** chrome.storage.local: kept across browser restarts (settings only). */
export const localStore = storageArea("local");

export const runtime = {
  extensionId: () => chrome.runtime.id,
  isAlive: () => Boolean(globalThis.chrome?.runtime?.id),
  sendMessage: (message) => chrome.runtime.sendMessage(message),
  /** Dispatch each message to `handler(message, sender)`, which returns a promise of the answer. */
  onMessage(handler) {
    chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
      Promise.resolve(handler(message, sender)).then(sendResponse, (error) =>
        sendResponse({ ok: false, error: { code: "internal", message: String(error?.message || error) } }),
      );
      return true; // the answer comes asynchronously
    });
  },
  onInstalled: (listener) => chrome.runtime.onInstalled.addListener(listener),
  onStartup: (listener) => chrome.runtime.onStartup.addListener(listener),
  openOptionsPage: () => chrome.runtime.openOptionsPage(),
};

/** The admin page, opened in a tab from the panel's Account screen (and an entry of the build). */
export const ADMIN_PATH = "extension/admin/admin.html";

export const tabs = {
  /** Open a URL in a new tab. */
  create: (details) => chrome.tabs.create(details),
  /** Open one of the extension's own pages in a new tab (no "tabs" permission needed). */
  openPage: (path) => chrome.tabs.create({ url: chrome.runtime.getURL(path) }),
  onUpdated: (listener) => chrome.tabs.onUpdated.addListener(listener),
  onActivated: (listener) => chrome.tabs.onActivated.addListener(listener),
  onRemoved: (listener) => chrome.tabs.onRemoved.addListener(listener),
  /** Tabs whose URL matches; only URLs the extension has host access to can match. */
  query: (queryInfo) => chrome.tabs.query(queryInfo),
};

export const windows = {
  currentId: async () => (await chrome.windows.getCurrent()).id,
};

export const sidePanel = {
  setOptions: (options) => chrome.sidePanel.setOptions(options),
  setPanelBehavior: (behavior) => chrome.sidePanel.setPanelBehavior(behavior),
};

export const identity = {
  /** The `https://<extension-id>.chromiumapp.org/` address Google redirects to. */
  redirectUrl: () => chrome.identity.getRedirectURL(),
  launchWebAuthFlow: (details) => chrome.identity.launchWebAuthFlow(details),
};

export const permissions = {
  /** Ask for host access; must run inside a user gesture. Resolves true when granted. */
  requestOrigins: (origins) => chrome.permissions.request({ origins }),
  containsOrigins: (origins) => chrome.permissions.contains({ origins }),
  removeOrigins: (origins) => chrome.permissions.remove({ origins }),
};

/** The toolbar button's badge and title. */
export const action = {
  setBadgeText: (details) => chrome.action.setBadgeText(details),
  setBadgeBackgroundColor: (details) => chrome.action.setBadgeBackgroundColor(details),
  setTitle: (details) => chrome.action.setTitle(details),
};

/** Chrome notifications ("notifications" permission). */
export const notifications = {
  create: (id, options) => chrome.notifications.create(id, options),
  clear: (id) => chrome.notifications.clear(id),
  onClicked: (listener) => chrome.notifications.onClicked.addListener(listener),
};

/** Alarms wake the service worker to poll ("alarms" permission). */
export const alarms = {
  create: (name, info) => chrome.alarms.create(name, info),
  onAlarm: (listener) => chrome.alarms.onAlarm.addListener(listener),
};
