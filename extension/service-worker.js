/**
 * Threadbook's service worker: wire the background services to the browser's events.
 *
 * Listeners are registered at the top level, synchronously, so Chrome finds
 * them when it restarts the worker for an event. State lives in
 * chrome.storage.session, never in globals here.
 */

import { createAuthService } from "./background/auth-service.js";
import { createMailboxConnect } from "./background/mailbox-connect.js";
import { createMessageRouter } from "./background/message-router.js";
import { createSidePanelPolicy } from "./background/side-panel.js";
import { createTabThreads } from "./background/tab-threads.js";
import { identity, localStore, runtime, sessionStore, sidePanel, tabs } from "./shared/chrome-api.js";

const panelPolicy = createSidePanelPolicy({ sidePanel, tabs });
const tabThreads = createTabThreads(sessionStore);
const auth = createAuthService({ sessionStore, localStore, identity });
const mailboxConnect = createMailboxConnect({ identity });

runtime.onMessage(createMessageRouter({ tabThreads, auth, panelPolicy, mailboxConnect, extensionId: runtime.extensionId() }));
tabs.onUpdated(panelPolicy.onTabUpdated);
tabs.onActivated((info) => tabThreads.activated(info));
tabs.onRemoved((tabId, info) => tabThreads.removed(tabId, info));
runtime.onInstalled(() => panelPolicy.install());
runtime.onStartup(() => panelPolicy.install());
