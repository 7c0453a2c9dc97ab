/**
 * Run Google's consent for connecting the user's mailbox (mail sync), in the service worker.
 *
 * The backend starts the connection (`POST /api/v1/mailbox/connect/start`)
 * and hands the panel an authorisation URL for the code flow; the panel asks
 * the worker to open it with `chrome.identity.launchWebAuthFlow`, and gets
 * back the redirect URL carrying `code` and `state` (or `error`). The panel
 * then finishes the connection with the backend. The worker only carries the
 * flow: no token passes through it.
 */

/** A connection flow that gave no redirect URL; `code` is "cancelled", "bad_request" or "bad_redirect". */
export class ConnectFlowError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ConnectFlowError";
    this.code = code;
  }
}

/** True when `value` is an absolute https URL. */
function isHttpsUrl(value) {
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
}

/** True when URL `value` is at `base` (same origin, path under base's): a look-alike host never matches. */
export function isUnder(value, base) {
  try {
    const url = new URL(value);
    const root = new URL(base);
    return url.origin === root.origin && url.pathname.startsWith(root.pathname);
  } catch {
    return false;
  }
}

/**
 * Make the service; `identity` is chrome-api.js's (or a fake).
 *
 * `run({url, redirectUri})` resolves with the redirect URL Google sent the
 * browser to; it refuses a `redirectUri` that is not this extension's own
 * `https://<id>.chromiumapp.org/` address, and an answer elsewhere.
 */
export function createMailboxConnect({ identity }) {
  async function run({ url, redirectUri } = {}) {
    if (typeof url !== "string" || !isHttpsUrl(url)) {
      throw new ConnectFlowError("bad_request", "The server did not give a valid https authorisation address.");
    }
    const own = identity.redirectUrl();
    if (typeof redirectUri !== "string" || !isUnder(redirectUri, own)) {
      throw new ConnectFlowError(
        "bad_redirect",
        `The server asks Google to answer at ${String(redirectUri)}, which is not this extension's address (${own}); ask the server's administrator to allow this extension.`,
      );
    }
    let responseUrl;
    try {
      responseUrl = await identity.launchWebAuthFlow({ url, interactive: true });
    } catch (error) {
      throw new ConnectFlowError("cancelled", `Connecting Gmail did not finish: ${String(error?.message || error)}`);
    }
    if (!responseUrl) throw new ConnectFlowError("cancelled", "Connecting Gmail was closed before it finished.");
    if (typeof responseUrl !== "string" || !isUnder(responseUrl, redirectUri)) {
      throw new ConnectFlowError("bad_redirect", "Google's answer came back to an unexpected address; try again.");
    }
    return responseUrl;
  }
  return { run };
}
