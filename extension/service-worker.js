/**
 * Threadbook's service worker: wire the background services to the browser's events.
 *
 * Listeners are registered at the top level, synchronously, so Chrome finds
 * them when it restarts the worker for an event. State lives in
 * chrome.storage.session, never in globals here.
 */

import { createAlerts } from "./background/alerts.js";
import { createAuthService } from "./background/auth-service.js";
import { createMailboxConnect } from "./background/mailbox-connect.js";
import { createMessageRouter } from "./background/message-router.js";
import { createSidePanelPolicy } from "./background/side-panel.js";
import { createTabThreads } from "./background/tab-threads.js";
import { action, alarms, identity, localStore, notifications, runtime, sessionStore, sidePanel, tabs } from "./shared/chrome-api.js";
import { SESSION } from "./shared/storage-keys.js";

const panelPolicy = createSidePanelPolicy({ sidePanel, tabs });
const tabThreads = createTabThreads(sessionStore);
const auth = createAuthService({ sessionStore, localStore, identity });
const mailboxConnect = createMailboxConnect({ identity });
const alerts = createAlerts({ sessionStore, localStore, action, notifications, tabs, alarms });

runtime.onMessage(createMessageRouter({ tabThreads, auth, panelPolicy, mailboxConnect, extensionId: runtime.extensionId() }));
tabs.onUpdated(panelPolicy.onTabUpdated);
tabs.onActivated((info) => tabThreads.activated(info));
tabs.onRemoved((tabId, info) => tabThreads.removed(tabId, info));
runtime.onInstalled(() => panelPolicy.install());
runtime.onStartup(() => panelPolicy.install());
// The toolbar badge and new-mail notifications (background/alerts.js).
alarms.onAlarm((alarm) => alerts.onAlarm(alarm));
notifications.onClicked((id) => alerts.clicked(id));
runtime.onInstalled(() => alerts.install());
runtime.onStartup(() => alerts.install());
sessionStore.onChanged((changes) => SESSION in changes && alerts.poll());
