/**
 * Read and check the extension's settings: the backend URL and an optional OAuth client id.
 *
 * The backend tells the extension everything else (`GET /api/v1/config`); the
 * client id here only overrides the backend's, for testing another Google project.
 */

import { SETTINGS } from "./storage-keys.js";

export const DEFAULT_BACKEND_URL = "http://127.0.0.1:5000";

/** Return `{backendUrl, clientId}` from storage, with defaults filled in. */
export async function loadSettings(localStore) {
  const stored = (await localStore.get(SETTINGS))[SETTINGS] || {};
  return {
    backendUrl: stored.backendUrl || DEFAULT_BACKEND_URL,
    clientId: stored.clientId || "",
  };
}

export function saveSettings(localStore, settings) {
  return localStore.set({ [SETTINGS]: settings });
}

/**
 * Check a backend URL's shape; return `{url, origin}` normalised, or `{error}`.
 *
 * Accepts http(s) with a host and optional port and path prefix; refuses
 * credentials, queries and fragments. Plain http only for loopback hosts, since
 * the session token travels in every request.
 */
export function checkBackendUrl(text) {
  let url;
  try {
    url = new URL(String(text || "").trim());
  } catch {
    return { error: "Enter a full URL such as http://127.0.0.1:5000 or https://crm.example.com." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { error: "The backend URL must start with https:// (or http:// for this computer)." };
  }
  if (url.username || url.password) return { error: "Leave the user name and password out of the URL." };
  if (url.search || url.hash) return { error: "Leave the query (?…) and fragment (#…) out of the URL." };
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol === "http:" && !loopback) {
    return { error: "Use https:// for a backend on another computer: the session token must not travel in clear." };
  }
  const path = url.pathname.replace(/\/+$/, "");
  return { url: url.origin + path, origin: url.origin };
}

/** Check an OAuth client id's shape (empty means "use the backend's"). */
export function checkClientId(text) {
  const value = String(text || "").trim();
  if (!value) return { clientId: "" };
  if (!/^[A-Za-z0-9._-]+$/.test(value) || value.length > 200) {
    return { error: "A Google OAuth client id looks like 1234-abc.apps.googleusercontent.com." };
  }
  return { clientId: value };
}
