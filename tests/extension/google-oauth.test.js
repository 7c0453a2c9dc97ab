// Google's authorisation request and answer, and token expiry.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AuthorizationError,
  EXTRA_SCOPES,
  SCOPES,
  buildAuthorizationUrl,
  grantedExtraScopes,
  isAllowedExtraScope,
  expiresSoon,
  parseAuthorizationResponse,
  randomToken,
} from "../../extension/auth/google-oauth.js";

const REDIRECT = "https://jkepanmacpnmjgfgkefaagampdbnmmal.chromiumapp.org/";

test("the request asks for an ID token and an access token with a nonce and the least scopes", () => {
  const url = new URL(buildAuthorizationUrl({ clientId: "abc.apps.googleusercontent.com", redirectUri: REDIRECT, nonce: "n1", state: "s1" }));
  assert.equal(url.origin + url.pathname, "https://accounts.google.com/o/oauth2/v2/auth");
  const p = url.searchParams;
  assert.equal(p.get("response_type"), "id_token token");
  assert.equal(p.get("client_id"), "abc.apps.googleusercontent.com");
  assert.equal(p.get("redirect_uri"), REDIRECT);
  assert.equal(p.get("nonce"), "n1");
  assert.equal(p.get("state"), "s1");
  assert.equal(p.get("prompt"), "select_account");
  assert.deepEqual(p.get("scope").split(" "), [...SCOPES]);
  assert.ok(!p.get("scope").includes("gmail.modify") && !p.get("scope").includes("mail.google.com"));
});

test("silent renewal asks Google to show nothing and names the account", () => {
  const url = new URL(
    buildAuthorizationUrl({ clientId: "c", redirectUri: REDIRECT, nonce: "n", state: "s", interactive: false, loginHint: "rep@threadbook.test" }),
  );
  assert.equal(url.searchParams.get("prompt"), "none");
  assert.equal(url.searchParams.get("login_hint"), "rep@threadbook.test");
});

test("extra scopes are asked for beside the base ones, keeping earlier grants", () => {
  const send = "https://www.googleapis.com/auth/gmail.send";
  const url = new URL(
    buildAuthorizationUrl({ clientId: "c", redirectUri: REDIRECT, nonce: "n", state: "s", extraScopes: [send, ...EXTRA_SCOPES.calendar, send, SCOPES[0]] }),
  );
  assert.deepEqual(url.searchParams.get("scope").split(" "), [
    ...SCOPES,
    send,
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.freebusy",
  ]);
  assert.equal(url.searchParams.get("include_granted_scopes"), "true");
});

test("only the extra scopes of sending, the calendar, its list and labels are allowed, and are read back from a granted scope string", () => {
  assert.deepEqual(EXTRA_SCOPES.send, ["https://www.googleapis.com/auth/gmail.send"]);
  assert.deepEqual(EXTRA_SCOPES.labels, ["https://www.googleapis.com/auth/gmail.modify"]);
  assert.deepEqual(EXTRA_SCOPES.calendarList, ["https://www.googleapis.com/auth/calendar.calendarlist.readonly"]);
  for (const scope of [...EXTRA_SCOPES.send, ...EXTRA_SCOPES.calendar, ...EXTRA_SCOPES.labels, ...EXTRA_SCOPES.calendarList]) {
    assert.ok(isAllowedExtraScope(scope));
  }
  for (const scope of [
    "https://mail.google.com/",
    "https://www.googleapis.com/auth/gmail.labels",
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/calendar.calendarlist",
    "https://www.googleapis.com/auth/calendar.readonly",
    "gmail.send",
    "",
    undefined,
  ]) {
    assert.equal(isAllowedExtraScope(scope), false, String(scope));
  }
  const granted =
    "openid https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.send https://www.googleapis.com/auth/drive " +
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly";
  assert.deepEqual(grantedExtraScopes(granted), [
    "https://www.googleapis.com/auth/gmail.send",
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
  ]);
  assert.deepEqual(grantedExtraScopes(undefined), []);
});

test("the answer's tokens are read from the fragment, with the access token's expiry", () => {
  const answer = `${REDIRECT}#state=s1&id_token=eyJ.id.tok&access_token=ya29.abc&token_type=Bearer&expires_in=3599&scope=email%20openid`;
  const tokens = parseAuthorizationResponse(answer, { state: "s1", now: 1_000_000 });
  assert.deepEqual(tokens, { idToken: "eyJ.id.tok", accessToken: "ya29.abc", expiresAt: 1_000_000 + 3_599_000, scope: "email openid" });
});

for (const [label, answer, code] of [
  ["Google's refusal", `${REDIRECT}#error=access_denied&state=s1`, "access_denied"],
  ["a refusal in the query", `${REDIRECT}?error=interaction_required`, "interaction_required"],
  ["another request's state", `${REDIRECT}#state=other&id_token=a&access_token=b`, "state_mismatch"],
  ["no state at all", `${REDIRECT}#id_token=a&access_token=b`, "state_mismatch"],
  ["a missing access token", `${REDIRECT}#state=s1&id_token=a`, "missing_token"],
]) {
  test(`the answer is refused: ${label}`, () => {
    assert.throws(
      () => parseAuthorizationResponse(answer, { state: "s1" }),
      (error) => error instanceof AuthorizationError && error.code === code,
    );
  });
}

test("random tokens are URL-safe and differ", () => {
  const a = randomToken();
  assert.match(a, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(a, randomToken());
});

test("expiry: ms, epoch seconds and ISO dates; unknown counts as expired", () => {
  const now = Date.parse("2025-06-01T12:00:00Z");
  assert.equal(expiresSoon(now + 10 * 60_000, now), false);
  assert.equal(expiresSoon(now + 60_000, now), true);
  assert.equal(expiresSoon((now + 10 * 60_000) / 1000, now), false);
  assert.equal(expiresSoon("2025-06-01T12:30:00Z", now), false);
  assert.equal(expiresSoon("2025-06-01T12:03:00+00:00", now), true);
  assert.equal(expiresSoon(undefined, now), true);
});
