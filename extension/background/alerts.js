/**
 * The toolbar badge and Chrome notifications, polled with chrome.alarms.
 *
 * Every POLL_MINUTES (and at start, and when the session changes) the worker
 * asks the backend `GET /api/v1/me/alerts`. The badge shows "!" in red when
 * the user's sync is broken or needs reconnecting (its title says what to do),
 * else the unread notification count. New notifications (ids above the last
 * one shown, kept in storage.session) become Chrome notifications; clicking
 * one opens its thread in Gmail.
 */

import { createBackendClient } from "../api/backend-client.js";
import { loadSettings } from "../shared/settings.js";
import { NOTIFIED, SESSION } from "../shared/storage-keys.js";

export const ALARM = "threadbook-alerts";
export const POLL_MINUTES = 1;
const SHOW_AT_MOST = 3;
const PREFIX = "tb:";

/** Gmail's address for a thread, in the signed-in user's first account. */
export const threadUrl = (threadId) => `https://mail.google.com/mail/u/0/#all/${encodeURIComponent(threadId)}`;

/** What the badge says for an alerts answer (null: signed out). */
export function badgeFor(alerts) {
  if (!alerts) return { text: "", color: "#5f6368", title: "Open Threadbook" };
  if (alerts.sync?.broken) return { text: "!", color: "#d93025", title: `Threadbook: ${alerts.sync.message || "mail sync needs you"}` };
  const unread = alerts.unread_notifications || 0;
  return {
    text: unread ? (unread > 99 ? "99+" : String(unread)) : "",
    color: "#1a73e8",
    title: unread ? `Threadbook: ${unread} new mail from your contacts` : "Open Threadbook",
  };
}

/**
 * `chromeApi` is `{sessionStore, localStore, action, notifications, tabs, alarms}` from chrome-api.js;
 * `fetchImpl` is for tests.
 */
export function createAlerts({ sessionStore, localStore, action, notifications, tabs, alarms }, { fetchImpl } = {}) {
  async function client() {
    const session = (await sessionStore.get(SESSION))[SESSION];
    if (!session?.token) return null;
    const settings = await loadSettings(localStore);
    return createBackendClient({ baseUrl: settings.backendUrl, getToken: () => session.token, fetchImpl });
  }

  async function setBadge(alerts) {
    const badge = badgeFor(alerts);
    await action.setBadgeText({ text: badge.text });
    await action.setBadgeBackgroundColor({ color: badge.color });
    await action.setTitle({ title: badge.title });
  }

  async function showNew(backend) {
    const last = (await sessionStore.get(NOTIFIED))[NOTIFIED] || 0;
    const page = await backend.notifications(null, 10);
    const fresh = page.items.filter((n) => !n.read && n.id > last);
    if (!page.items.length) return;
    await sessionStore.set({ [NOTIFIED]: Math.max(last, ...page.items.map((n) => n.id)) });
    for (const item of fresh.slice(0, SHOW_AT_MOST)) {
      await notifications.create(`${PREFIX}${item.id}:${item.gmail_thread_id || ""}`, {
        type: "basic",
        iconUrl: "extension/icons/icon-128.png",
        title: `${item.record.name || item.from_email} wrote`,
        message: item.subject || "(no subject)",
        contextMessage: item.from_email,
      });
    }
  }

  /** Ask the backend and update the badge (and notifications); never throws. */
  async function poll() {
    try {
      const backend = await client();
      if (!backend) return await setBadge(null);
      const alerts = await backend.alerts();
      await setBadge(alerts);
      if (alerts.notifications_enabled && alerts.unread_notifications) await showNew(backend);
      return alerts;
    } catch {
      return null; // offline or signed out: the badge stays as it was, the next alarm tries again
    }
  }

  /** Open the clicked notification's thread in Gmail and mark it read. */
  async function clicked(notificationId) {
    if (!notificationId.startsWith(PREFIX)) return;
    const [id, threadId] = notificationId.slice(PREFIX.length).split(":");
    await notifications.clear(notificationId);
    if (threadId) await tabs.create({ url: threadUrl(threadId) });
    try {
      await (await client())?.markNotificationsRead({ ids: [Number(id)] });
    } catch {
      // marked read from the panel's feed later
    }
    await poll();
  }

  function install() {
    alarms.create(ALARM, { periodInMinutes: POLL_MINUTES });
    return poll();
  }

  function onAlarm(alarm) {
    if (alarm.name === ALARM) return poll();
  }

  return { poll, clicked, install, onAlarm };
}
