/**
 * Check and save the options: URL shape, permission to reach the backend, its /healthz.
 */

import { createBackendClient } from "../api/backend-client.js";
import { DEFAULT_BACKEND_URL, checkBackendUrl, checkClientId, loadSettings, saveSettings } from "../shared/settings.js";

const DEFAULT_ORIGIN = new URL(DEFAULT_BACKEND_URL).origin;

/**
 * Validate and save `{backendUrl, clientId}`; resolves `{ok, message}`.
 *
 * Must start inside the click that saves: asking for host access needs a user
 * gesture, so the request comes before anything is awaited.
 */
export async function saveOptions(input, { localStore, permissions, fetchImpl }) {
  const backend = checkBackendUrl(input.backendUrl || DEFAULT_BACKEND_URL);
  if (backend.error) return { ok: false, field: "backendUrl", message: backend.error };
  const client = checkClientId(input.clientId);
  if (client.error) return { ok: false, field: "clientId", message: client.error };

  const granted = await permissions.requestOrigins([`${backend.origin}/*`]).catch(() => false);
  if (!granted) {
    return { ok: false, field: "backendUrl", message: `Threadbook needs your permission to reach ${backend.origin}; nothing was saved.` };
  }
  try {
    const health = await createBackendClient({ baseUrl: backend.url, fetchImpl }).health();
    if (!health?.ok) throw new Error("its /healthz did not answer ok");
  } catch (error) {
    return {
      ok: false,
      field: "backendUrl",
      message: `No Threadbook backend answered at ${backend.url}/healthz (${error.message}); nothing was saved.`,
    };
  }
  const previous = await loadSettings(localStore);
  await saveSettings(localStore, { backendUrl: backend.url, clientId: client.clientId });
  // Give back access to a backend no longer used (the default one is always kept).
  const oldOrigin = new URL(previous.backendUrl).origin;
  if (oldOrigin !== backend.origin && oldOrigin !== DEFAULT_ORIGIN) {
    await permissions.removeOrigins([`${oldOrigin}/*`]).catch(() => {});
  }
  return { ok: true, message: `Saved. The backend at ${backend.url} is reachable.` };
}
