/**
 * The side panel's entry: wire storage, the backend client and the view to the controller.
 */

import { createBackendClient } from "../api/backend-client.js";
import { ADMIN_PATH, localStore, runtime, sessionStore, tabs, windows } from "../shared/chrome-api.js";
import { loadSettings } from "../shared/settings.js";
import { GOOGLE_ACCESS, SESSION, SETTINGS } from "../shared/storage-keys.js";
import { createAccountController } from "./account-controller.js";
import { createCalendarsPart } from "./calendars-part.js";
import { createPanelController } from "./panel-controller.js";
import { followPanelState } from "./panel-store.js";
import { createPanelView } from "./panel-view.js";
import { createAccountView } from "./views/account-view.js";
import { createNotificationFeed } from "./views/notification-feed.js";

// The Account screen uses the panel controller's current client (the one for today's backend and session).
let client = null;
async function readGoogle() {
  const stored = await sessionStore.get([GOOGLE_ACCESS, SESSION]);
  // A development session has no Google account to widen.
  return { access: stored[GOOGLE_ACCESS] || null, canGrant: Boolean(stored[SESSION] && !stored[SESSION].dev) };
}
const accountView = createAccountView(document);
const account = createAccountController({
  view: accountView,
  getClient: () => client,
  send: (message) => runtime.sendMessage(message),
  copyText: (text) => navigator.clipboard.writeText(text),
  openAdminPage: () => tabs.openPage(ADMIN_PATH),
  readGoogle,
});
accountView.bind(account);
// The Account screen's calendars and notifications switch load each time it opens.
const calendars = createCalendarsPart(document, { getClient: () => client, send: (message) => runtime.sendMessage(message), readGoogle });
document.getElementById("open-account").addEventListener("click", () => calendars.load());
// The Google Tasks switch loads with the Account screen, not with the panel (google-tasks-part.js).
document
  .getElementById("open-account")
  .addEventListener("click", () =>
    import("./google-tasks-part.js").then((m) => m.showGoogleTasks(document, { getClient: () => client, send: (message) => runtime.sendMessage(message) })),
  );
// Google Contacts copying: its own module, loaded when the Account screen opens (the first load stays small).
document.getElementById("open-account").addEventListener("click", async () => {
  const { showGoogleContacts } = await import("./google-contacts-part.js");
  showGoogleContacts(document, { getClient: () => client, send: (message) => runtime.sendMessage(message) });
});
// While the Account screen is open, the panel controller's screens wait for Back.
const view = account.gate(createPanelView(document));
const controller = createPanelController({
  view,
  makeClient: (baseUrl, getToken) => (client = createBackendClient({ baseUrl, getToken })),
  send: (message) => runtime.sendMessage(message),
  readGoogleAccess: async () => (await sessionStore.get(GOOGLE_ACCESS))[GOOGLE_ACCESS] || null,
});
view.bind(controller, { openOptions: () => runtime.openOptionsPage() });
// New-mail notifications and sync alerts, from the header (views/notification-feed.js).
const feed = createNotificationFeed(document, { getClient: () => client });
sessionStore.onChanged((changes) => SESSION in changes && feed.refresh());
setInterval(() => feed.refresh(), 60_000);

localStore.onChanged(async (changes) => {
  if (SETTINGS in changes) controller.setSettings(await loadSettings(localStore));
});
controller.setSettings(await loadSettings(localStore));
await followPanelState({ sessionStore, windowId: await windows.currentId(), onChange: controller.setState });
feed.refresh();
