/**
 * An IMAP account's state in words: shared by the Account screen's IMAP part and the admin page's IMAP section,
 * which should not load the whole form to say it.
 */

/** An account's state in words (pure). */
export function accountState(account, formatTime = (v) => new Date(v).toLocaleString()) {
  if (account.needs_reconnect) return "The server refused the password: enter it again.";
  if (account.sync_paused) return "Sync paused";
  const last = account.last_synced_at ? `Last synced ${formatTime(account.last_synced_at)}` : "Not synced yet";
  const count = `${account.messages_synced} message${account.messages_synced === 1 ? "" : "s"} logged`;
  return `${account.syncing ? "Syncing… " : ""}${last}; ${count}`;
}
