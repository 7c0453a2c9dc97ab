/**
 * Guess a new lead's fields from what Gmail showed of the sender (pure).
 */

// Addresses here say nothing about the sender's employer. The backend keeps
// the full list; these are the ones common enough to matter for a first guess.
// prettier-ignore
const FREE_MAIL = new Set([
  "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
  "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net",
  "web.de", "mail.com", "yandex.ru", "yandex.com", "mail.ru", "qq.com", "163.com", "126.com", "zoho.com",
  "fastmail.com", "hey.com", "tutanota.com", "orange.fr", "free.fr", "laposte.net", "t-online.de", "libero.it",
  "naver.com", "daum.net", "rediffmail.com",
]);

// Second-level labels under which the name is one further to the left (acme.co.uk).
const SECOND_LEVEL = new Set(["co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"]);

/** Return a company name guessed from the address's domain, or "" for free mail. */
export function companyFromAddress(email) {
  const domain =
    String(email || "")
      .split("@")[1]
      ?.toLowerCase()
      .replace(/\.$/, "") || "";
  if (!domain || FREE_MAIL.has(domain) || /^yahoo\./.test(domain) || /^hotmail\./.test(domain)) return "";
  const labels = domain.split(".");
  let index = labels.length - 2;
  if (index > 0 && SECOND_LEVEL.has(labels[index]) && labels[labels.length - 1].length === 2) index -= 1;
  const label = labels[Math.max(index, 0)] || "";
  return label
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join(" ");
}

/**
 * Return `{name, email, company_name, title}` to prefill the "Create lead" form.
 *
 * A company the backend matched by domain wins over the guess.
 */
export function leadPrefill(participant) {
  return {
    name: participant.name || "",
    email: participant.email,
    company_name: participant.company?.name || companyFromAddress(participant.email),
    title: "",
  };
}
