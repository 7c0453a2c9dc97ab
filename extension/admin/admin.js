/**
 * The admin page's entry: the backend client (with the admin routes) for the panel's backend and session, then the page.
 */

import { withAdminRoutes } from "../api/admin-routes.js";
import { createBackendClient } from "../api/backend-client.js";
import { localStore, sessionStore } from "../shared/chrome-api.js";
import { loadSettings } from "../shared/settings.js";
import { SESSION } from "../shared/storage-keys.js";
import { startAdminPage } from "./admin-page.js";

const { backendUrl } = await loadSettings(localStore);
const client = createBackendClient({
  baseUrl: backendUrl,
  // The side panel signs in and renews the session: read it at each call. A session of another backend is none.
  async getToken() {
    const session = (await sessionStore.get(SESSION))[SESSION];
    return session && (!session.backend || session.backend === client.baseUrl) ? session.token : null;
  },
});
startAdminPage(document, withAdminRoutes(client), { reload: () => location.reload() });
import("./sync-schedules-section.js").then((section) => section.mountSyncSchedules(document, client));
