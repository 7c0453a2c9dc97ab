/**
 * The notification feed: new mail from the user's contacts and leads, opened from the header.
 *
 * The header's button shows the unread count; the feed lists notifications
 * newest first (More pages on with the cursor), each opening its thread in
 * Gmail, with Mark read and Mark all read. A broken sync shows its message on top.
 */

const GMAIL_THREAD = "https://mail.google.com/mail/u/0/#all/";

export function createNotificationFeed(doc, { getClient }) {
  const button = doc.getElementById("open-feed");
  const feed = doc.createElement("section");
  feed.id = "notification-feed";
  feed.className = "notice";
  feed.hidden = true;
  feed.setAttribute("aria-label", "Notifications");
  button.after(feed);
  let cursor = null;

  const el = (tag, text, attrs = {}) => Object.assign(doc.createElement(tag), { textContent: text, ...attrs });

  function count(unread) {
    button.textContent = unread ? `Alerts (${unread})` : "Alerts";
  }

  async function refresh() {
    try {
      const alerts = await getClient()?.alerts();
      if (!alerts) return (button.hidden = true);
      button.hidden = false;
      count(alerts.unread_notifications);
      button.dataset.broken = String(Boolean(alerts.sync?.broken));
      return alerts;
    } catch {
      button.hidden = true;
      return null;
    }
  }

  function item(n) {
    const row = el("li", "", { className: n.read ? "muted" : "" });
    row.dataset.notification = n.id;
    const link = el("a", n.subject || "(no subject)", { href: GMAIL_THREAD + encodeURIComponent(n.gmail_thread_id || ""), target: "_blank", rel: "noopener" });
    row.append(link, el("span", ` from ${n.record.name || n.from_email} (${n.record.kind}) `, { title: n.from_email }));
    if (!n.read) {
      const read = el("button", "Mark read", { type: "button", className: "link" });
      read.addEventListener("click", () => mark({ ids: [n.id] }));
      row.append(read);
    }
    return row;
  }

  async function load(more = false) {
    const client = getClient();
    const list = feed.querySelector("ul");
    try {
      const page = await client.notifications(more ? cursor : null);
      cursor = page.next_cursor;
      if (!more) list.replaceChildren();
      list.append(...page.items.map(item));
      if (!list.children.length) list.append(el("li", "No notifications yet: new mail from your contacts and leads shows here.", { className: "muted" }));
      feed.querySelector("[data-feed=more]").hidden = !cursor;
      count(page.unread);
    } catch (error) {
      list.replaceChildren(el("li", `Could not load notifications: ${error.message}`, { className: "error" }));
    }
  }

  async function mark(body) {
    try {
      await getClient().markNotificationsRead(body);
    } finally {
      await load();
    }
  }

  async function open() {
    const alerts = await refresh();
    const head = el("p", alerts?.sync?.broken ? alerts.sync.message : "", { className: "error", role: "alert" });
    head.hidden = !alerts?.sync?.broken;
    const all = el("button", "Mark all read", { type: "button", className: "link" });
    all.addEventListener("click", () => mark({ all: true }));
    const more = el("button", "More", { type: "button", className: "link" });
    more.dataset.feed = "more";
    more.addEventListener("click", () => load(true));
    feed.replaceChildren(el("h2", "Notifications"), head, el("ul"), more, all);
    feed.hidden = false;
    await load();
  }

  button.addEventListener("click", () => {
    const opening = feed.hidden;
    button.setAttribute("aria-expanded", String(opening));
    if (opening) open();
    else feed.hidden = true;
  });

  return { refresh, open };
}
