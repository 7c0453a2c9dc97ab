/**
 * The contact card's actions: check conflicts, book a meeting, send an email.
 *
 * The controller mixes these into its `actions`. Each resolves what the card's
 * form shows: `{ok: true}` (the form closes) or `{ok: false, message, ...}`
 * (the form stays open with everything typed in it).
 *
 * Google access: the extension's own token is sent as `X-Google-Access-Token`
 * only when its scopes cover the job (calendar, or sending mail); otherwise
 * the backend uses the user's connected mailbox, and without one it books
 * the meeting checked against Threadbook meetings only (pushed at the next
 * calendar sync) or answers that mail cannot be sent. Then the form offers to
 * ask Google for the missing scopes (`allowGoogle`, incremental authorisation:
 * the sign-in asks only for what every user needs) and tries again.
 */

import { EXTRA_SCOPES } from "../auth/google-oauth.js";
import { meetingWhen } from "./views/meeting-time.js";

const GOOGLE = "https://www.googleapis.com/auth/";
const CALENDAR_FULL = ["calendar"];
const CALENDAR_FREEBUSY = ["calendar.readonly", "calendar.freebusy", "calendar.events.freebusy"];
const MAIL_SEND = ["gmail.send", "gmail.compose", "gmail.modify"];

function scopesOf(access) {
  return new Set(
    String(access?.scope || "")
      .split(/\s+/)
      .filter(Boolean)
      .map((scope) => (scope.startsWith(GOOGLE) ? scope.slice(GOOGLE.length) : scope)),
  );
}

/** True when a Google access's scopes let the backend book in and read the user's calendar. */
export function coversCalendar(access) {
  const scopes = scopesOf(access);
  if (CALENDAR_FULL.some((s) => scopes.has(s))) return true;
  return scopes.has("calendar.events") && CALENDAR_FREEBUSY.some((s) => scopes.has(s));
}

/** True when a Google access's scopes let the backend send mail as the user. */
export function coversSending(access) {
  const scopes = scopesOf(access);
  return scopes.has("https://mail.google.com/") || MAIL_SEND.some((s) => scopes.has(s));
}

export const DEFAULT_ATTACHMENT_LIMIT = 25 * 1024 * 1024;

const REAUTH_HINT = "Reconnect Google (the Account screen, or sign in again) and try again.";
const MAILBOX_HINT = "Connect your mailbox in Threadbook (the Account screen) so it can send as you.";

// What each grant asks Google for, how to tell it was given, and what a refusal says.
const GRANTS = {
  send: {
    scopes: EXTRA_SCOPES.send,
    covers: coversSending,
    refused: { message: "Sending was not allowed, so nothing was sent; your message is still here.", hint: MAILBOX_HINT },
  },
  calendar: {
    scopes: EXTRA_SCOPES.calendar,
    covers: coversCalendar,
    refused: { message: "Google Calendar was not added; conflicts are checked against your Threadbook meetings only." },
  },
};

/**
 * Make the card actions.
 *
 * - `client()`: the current backend client;
 * - `googleAccess()`: the stored Google access `{token, expires_at, scope}` or null;
 * - `freshGoogleAccess({force})`: that access renewed when about to expire (null if none);
 * - `grantGoogleAccess(scopes)`: ask Google (interactively) for extra scopes; the new access or null;
 * - `canGrantGoogle()`: true when signed in with Google (not a development session);
 * - `view`: `status(text, {error})`;
 * - `handleError(error, {lookupFailed: false})`: the controller's handling (sign-out on 401);
 * - `refreshShown()`: look the shown conversation up again (the cards refresh).
 */
export function createCardActions({ client, googleAccess, freshGoogleAccess, grantGoogleAccess, canGrantGoogle, view, handleError, refreshShown }) {
  let attachmentLimit = null; // a promise of the backend's limit, asked for once
  /** The token to send when the stored access covers the job, else null (the backend uses the mailbox). */
  async function tokenFor(covers, { force = false } = {}) {
    if (!covers(googleAccess())) return null;
    const access = await freshGoogleAccess({ force });
    return access && covers(access) ? access.token : null;
  }

  /** Call `run(token)`; on a refused token, renew it once and call again. */
  async function withGoogle(covers, run) {
    const token = await tokenFor(covers);
    try {
      return await run(token);
    } catch (error) {
      if (error?.kind !== "google_reauth" || !token) throw error;
      const renewed = await tokenFor(covers, { force: true });
      if (!renewed) throw error;
      return run(renewed);
    }
  }

  /** What the form shows for a failed call (and the controller's handling of a lost session). */
  async function failure(error) {
    if (error?.kind === "unauthorized") await handleError(error, { lookupFailed: false });
    const message = error?.message || String(error);
    if (error?.kind === "google_reauth") return { ok: false, message, hint: REAUTH_HINT, reconnect: true };
    if (error?.code === "google_token_required") {
      // No token could send and there is no mailbox: offer to ask Google for sending.
      if (!coversSending(googleAccess()) && canGrantGoogle()) {
        return { ok: false, message, hint: "Allow Threadbook to send from your Gmail, or connect your mailbox on the Account screen.", grant: "send" };
      }
      return { ok: false, message, hint: MAILBOX_HINT };
    }
    return { ok: false, message };
  }

  return {
    /**
     * Busy times overlapping `{start, end}`: `{ok, conflicts, googleChecked, reason}`
     * or `{ok: false, message}`.
     */
    async checkConflicts({ start, end }) {
      try {
        const answer = await withGoogle(coversCalendar, (token) => client().meetingConflicts({ start, end }, token));
        const googleChecked = Boolean(answer.google_checked);
        // Checked without Google Calendar because the token lacks it: the form offers to ask for it.
        const grant = !googleChecked && !coversCalendar(googleAccess()) && canGrantGoogle() ? "calendar" : "";
        return { ok: true, conflicts: answer.conflicts || [], googleChecked, reason: answer.reason || "", grant };
      } catch (error) {
        return failure(error);
      }
    },

    /**
     * Book `meeting` (`{title, start, end, location, description, contact_id | lead_id, allow_conflict}`).
     * A conflict answers `{ok: false, conflict: true, conflicts, message}`: the form offers "Book anyway".
     */
    async scheduleMeeting(meeting) {
      let answer;
      try {
        answer = await withGoogle(coversCalendar, (token) => client().createMeeting(meeting, token));
      } catch (error) {
        if (error?.kind === "conflict" && error.code === "meeting_conflict") {
          return { ok: false, conflict: true, conflicts: error.body?.conflicts || [], message: error.message };
        }
        return failure(error);
      }
      const booked = answer.meeting || {};
      const title = booked.title || meeting.title;
      const when = meetingWhen(booked.start || meeting.start, booked.end || meeting.end);
      const later = answer.calendar && !answer.calendar.pushed && answer.calendar.reason ? ` ${answer.calendar.reason}` : "";
      view.status(`Meeting booked: ${title}, ${when}.${later}`);
      await refreshShown();
      return { ok: true, meeting: booked };
    },

    /**
     * Ask Google for the scopes of `kind` ("send" or "calendar"), keeping earlier grants:
     * `{ok: true}` once the stored access covers the job, else `{ok: false, message, hint?}`.
     */
    async allowGoogle(kind) {
      const grant = GRANTS[kind];
      const access = await grantGoogleAccess([...grant.scopes]);
      // Google lets the user untick a scope on its consent screen: check what was given.
      return access && grant.covers(access) ? { ok: true } : { ok: false, ...grant.refused };
    },

    /** The most a message's attachments may add up to, from the backend's public settings (25 MB if it does not say). */
    async attachmentLimit() {
      if (!attachmentLimit) {
        attachmentLimit = client()
          .config()
          .then((config) => (Number.isInteger(config?.send_max_attachment_bytes) ? config.send_max_attachment_bytes : DEFAULT_ATTACHMENT_LIMIT))
          .catch(() => DEFAULT_ATTACHMENT_LIMIT);
      }
      return attachmentLimit;
    },

    /** Send `message` (`{to, subject, body, contact_id?}`) and log it. */
    async sendEmail(message) {
      let answer;
      try {
        answer = await withGoogle(coversSending, (token) => client().sendEmail(message, token));
      } catch (error) {
        return failure(error);
      }
      const warnings = (answer.warnings || []).filter(Boolean);
      view.status(`Sent and logged: ${message.subject || "(no subject)"}.${warnings.length ? ` ${warnings.join(" ")}` : ""}`);
      await refreshShown();
      return { ok: true };
    },
  };
}
