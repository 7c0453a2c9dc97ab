/**
 * Sign in, renew and sign out; keep the session and the Gmail access token in storage.session.
 *
 * Runs in the service worker so a sign-in survives the panel closing. The
 * panel never sees Google's tokens' exchange: it follows SESSION and
 * GOOGLE_ACCESS in chrome.storage.session.
 */

import { createBackendClient } from "../api/backend-client.js";
import { buildAuthorizationUrl, grantedExtraScopes, parseAuthorizationResponse, randomToken, AuthorizationError } from "../auth/google-oauth.js";
import { loadSettings } from "../shared/settings.js";
import { GOOGLE_ACCESS, SESSION } from "../shared/storage-keys.js";

/**
 * Make the sign-in service.
 *
 * `chromeApi` is `{sessionStore, localStore, identity}` from chrome-api.js;
 * `fetchImpl` and `now` are for tests.
 */
export function createAuthService({ sessionStore, localStore, identity }, { fetchImpl, now = () => Date.now() } = {}) {
  async function backend() {
    const settings = await loadSettings(localStore);
    return { settings, client: createBackendClient({ baseUrl: settings.backendUrl, fetchImpl }) };
  }

  /** Run Google's flow; return the tokens and the nonce the ID token must carry. */
  async function authorize({ client, settings, interactive, loginHint, extraScopes = [] }) {
    let clientId = settings.clientId;
    if (!clientId) {
      const config = await client.config();
      clientId = config.google_client_id;
    }
    if (!clientId) {
      // The backend's GET /api/v1/config says google_configured: false; its answers say the same (google_not_configured).
      throw new AuthorizationError(
        "google_not_configured",
        "Google isn't set up on this backend: see docs/google-setup.md (its administrator sets GOOGLE_CLIENT_ID). Development sign-in works without it.",
      );
    }
    const nonce = randomToken();
    const state = randomToken();
    const url = buildAuthorizationUrl({
      clientId,
      redirectUri: identity.redirectUrl(),
      nonce,
      state,
      interactive,
      loginHint,
      extraScopes,
    });
    let responseUrl;
    try {
      responseUrl = await identity.launchWebAuthFlow({ url, interactive });
    } catch (error) {
      const message = String(error?.message || error);
      throw new AuthorizationError(
        interactive ? "cancelled" : "interaction_required",
        interactive ? `Sign-in did not finish: ${message}` : "Google needs you to sign in again.",
      );
    }
    if (!responseUrl) throw new AuthorizationError("cancelled", "Sign-in was closed before it finished.");
    return { ...parseAuthorizationResponse(responseUrl, { state, now: now() }), nonce };
  }

  /** The extra scopes the stored access was granted: a renewal asks for them again so it keeps them. */
  async function grantedExtras() {
    return grantedExtraScopes((await sessionStore.get(GOOGLE_ACCESS))[GOOGLE_ACCESS]?.scope);
  }

  async function storeGoogleAccess(tokens) {
    await sessionStore.set({
      [GOOGLE_ACCESS]: { token: tokens.accessToken, expires_at: tokens.expiresAt, scope: tokens.scope },
    });
  }

  /** Sign in with Google (or renew silently) and start a backend session. */
  async function signIn({ interactive = true } = {}) {
    const { client, settings } = await backend();
    const current = (await sessionStore.get(SESSION))[SESSION];
    const loginHint = current?.user?.email || "";
    // A silent renewal keeps the extra scopes; an interactive sign-in (maybe another account) starts afresh.
    const extraScopes = interactive ? [] : await grantedExtras();
    const tokens = await authorize({ client, settings, interactive, loginHint, extraScopes });
    const answer = await client.createSession(tokens.idToken, tokens.nonce);
    const session = { ...answer, dev: false, backend: client.baseUrl };
    await storeGoogleAccess(tokens);
    await sessionStore.set({ [SESSION]: session });
    return session;
  }

  /**
   * Get a fresh Gmail access token for the signed-in user, with the extra
   * scopes already granted plus `scopes` (checked by the message router).
   */
  async function renewGoogleAccess({ interactive = false, scopes = [] } = {}) {
    const { client, settings } = await backend();
    const current = (await sessionStore.get(SESSION))[SESSION];
    const extraScopes = [...new Set([...(await grantedExtras()), ...scopes])];
    const tokens = await authorize({ client, settings, interactive, loginHint: current?.user?.email || "", extraScopes });
    await storeGoogleAccess(tokens);
    // A development session stays as it is; a Google one is refreshed too.
    if (current && !current.dev) {
      const answer = await client.createSession(tokens.idToken, tokens.nonce);
      await sessionStore.set({ [SESSION]: { ...answer, dev: false, backend: client.baseUrl } });
    }
  }

  /** Sign in through the backend's development route, when the backend offers it. */
  async function devSignIn({ email } = {}) {
    const { client } = await backend();
    const answer = await client.devSignIn(email);
    const session = { ...answer, dev: true, backend: client.baseUrl };
    await sessionStore.remove(GOOGLE_ACCESS);
    await sessionStore.set({ [SESSION]: session });
    return session;
  }

  async function signOut() {
    await sessionStore.remove([SESSION, GOOGLE_ACCESS]);
  }

  return { signIn, renewGoogleAccess, devSignIn, signOut };
}
