/**
 * Turn backend values into short text for the panel (pure).
 */

export const KIND_LABELS = Object.freeze({
  contact: "Contact",
  lead: "Lead",
  colleague: "Colleague",
  self: "You",
  unknown: "Not in Threadbook",
});

export function kindLabel(kind) {
  return KIND_LABELS[kind] || KIND_LABELS.unknown;
}

export function formatDate(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }).format(date);
}

export function formatAmount(amount, currency) {
  const number = Number(amount);
  if (amount === null || amount === undefined || amount === "" || !Number.isFinite(number)) return "";
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "USD", maximumFractionDigits: 0 }).format(number);
  } catch {
    return `${number} ${currency || ""}`.trim();
  }
}

/** One line for a deal: "Acme rollout — negotiation · $48,000". */
export function dealLine(deal) {
  const parts = [deal.stage, formatAmount(deal.amount, deal.currency)].filter(Boolean).map((part) => String(part).replace(/_/g, " "));
  return parts.length ? `${deal.name} — ${parts.join(" · ")}` : String(deal.name || "");
}

/** One line for a note: "2 Jun 2025 — Ada: Prefers email." */
export function noteLine(note) {
  const author = note.author?.name ? `${note.author.name}: ` : "";
  return [formatDate(note.created_at), `${author}${note.body}`].filter(Boolean).join(" — ");
}

/** The name to show for a participant: the CRM's, else what Gmail showed, else the address. */
export function displayName(participant) {
  return participant.record?.name || participant.name || participant.email;
}

/** Who sees a logged mail, in plain words: the sharing levels in the order offered. */
export const VISIBILITY_OPTIONS = Object.freeze([
  ["private", "Only me"],
  ["team_metadata", "Team: who, when, subject"],
  ["team_full", "Team: everything"],
]);

const VISIBILITY_LABELS = Object.fromEntries(VISIBILITY_OPTIONS);

/** True for a sharing level the backend knows. */
export function isVisibility(level) {
  return Object.hasOwn(VISIBILITY_LABELS, level);
}

/** "Only me", "Team: who, when, subject", "Team: everything"; "" for anything else. */
export function visibilityLabel(level) {
  return isVisibility(level) ? VISIBILITY_LABELS[level] : "";
}

/** A date with its time: "2 Jun 2025, 10:00". */
export function formatDateTime(value) {
  const date = new Date(value);
  if (!value || Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(date);
}
