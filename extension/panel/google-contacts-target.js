/**
 * The Google Contacts part's "which company / which colleague" picker, for the `company` and `owner` filters.
 *
 * A company is found with the companies search (`GET /api/v1/companies?q=`) and chosen from its matches; a
 * colleague is chosen from the organisation's members (`GET /api/v1/org/members`, as the record editor's owner
 * picker). `GET /api/v1/me/google-contacts` answers only the chosen id, so the name shown is looked up: from
 * the members, or the company itself (`GET /api/v1/companies/<id>`). Names go in with textContent only.
 * Imported by google-contacts-part.js, so it loads lazily with it.
 */

import { choose, chosen, el } from "./views/form-kit.js";

/** How a colleague reads: "Ada Lovelace (ada@acme.example)", or the address alone. */
export const memberLabel = (user) => (user.name ? `${user.name} (${user.email})` : user.email);

const errorText = (error) => String(error?.message || error || "something went wrong");

/** Build the picker; `onPick(kind, id)` runs when a company or a colleague is chosen, `onProblem(text)` says a failed load. */
export function createTargetPicker(doc, { getClient, onPick, onProblem }) {
  const names = new Map(); // "company:4" → "Acme", "owner:2" → "Ada Lovelace (ada@…)"
  let members = null; // loaded once, when the owner filter is first shown (again after a failure)
  let membersLoading = false;
  let searchedOnce = false;
  let shownKind = "";
  let shownValue = null;

  const current = el(doc, "p", { id: "gcontacts-target-name", className: "muted detail", hidden: true });
  const query = el(doc, "input", { type: "search", id: "gcontacts-company-q", attrs: { "aria-label": "Search companies", placeholder: "Company name" } });
  const find = el(doc, "button", { type: "submit", id: "gcontacts-company-find", text: "Find" });
  const companies = el(doc, "select", { id: "gcontacts-company", attrs: { "aria-label": "Company" } });
  const companyBox = el(doc, "form", { id: "gcontacts-company-picker", hidden: true, attrs: { role: "search", "aria-label": "Choose a company" } });
  companyBox.append(query, find, companies);
  const owners = el(doc, "select", { id: "gcontacts-owner", hidden: true, attrs: { "aria-label": "Colleague" } });
  const element = el(doc, "div", { id: "gcontacts-target" });
  element.append(companyBox, owners, current);

  function fill(selectElement, placeholder, options) {
    const first = el(doc, "option", { text: placeholder });
    first.value = "";
    selectElement.replaceChildren(first, ...options.map(([value, label]) => Object.assign(el(doc, "option", { text: label }), { value })));
    choose(selectElement, shownValue ? String(shownValue) : "");
  }

  async function search() {
    searchedOnce = true;
    const q = query.value.trim();
    try {
      const page = await getClient().request("GET", `/api/v1/companies?per_page=50${q ? `&q=${encodeURIComponent(q)}` : ""}`);
      const items = page?.items || [];
      for (const company of items) names.set(`company:${company.id}`, company.name);
      fill(
        companies,
        items.length ? "Choose a company…" : "No company matches",
        items.map((c) => [String(c.id), c.name]),
      );
      showName();
    } catch (error) {
      onProblem(`The companies could not be searched: ${errorText(error)}`);
    }
  }

  async function loadMembers() {
    membersLoading = true;
    try {
      members = (await getClient().members())?.members || [];
    } catch (error) {
      onProblem(`The team could not be loaded: ${errorText(error)}`);
      return;
    } finally {
      membersLoading = false;
    }
    for (const member of members) names.set(`owner:${member.id}`, memberLabel(member));
    fill(
      owners,
      "Choose a colleague…",
      members.map((m) => [String(m.id), memberLabel(m)]),
    );
    showName();
  }

  /** The chosen company's name when the search did not list it (the answer holds only its id). */
  async function lookUpCompany(id) {
    try {
      const company = await getClient().request("GET", `/api/v1/companies/${encodeURIComponent(id)}`);
      names.set(`company:${id}`, company.name);
      showName();
    } catch {
      // The line then names the company by its id: nothing the user has to do.
    }
  }

  function showName() {
    const known = names.get(`${shownKind}:${shownValue}`);
    const who = shownKind === "company" ? "company" : "colleague";
    current.hidden = !shownValue;
    current.textContent = shownValue ? `Copying the contacts of ${known || `${who} #${shownValue}`}.` : "";
  }

  companyBox.addEventListener("submit", (event) => {
    event.preventDefault();
    return search();
  });
  for (const [selectElement, kind] of [
    [companies, "company"],
    [owners, "owner"],
  ]) {
    selectElement.addEventListener("change", () => {
      const id = Number(chosen(selectElement));
      if (id) return onPick(kind, id);
    });
  }

  return {
    element,
    /** Show the picker for `kind` ("company", "owner", anything else hides it) with `value` as the chosen id. */
    show(kind, value, busy) {
      const changed = kind !== shownKind || value !== shownValue;
      shownKind = kind;
      shownValue = kind === "company" || kind === "owner" ? value || null : null;
      companyBox.hidden = kind !== "company";
      owners.hidden = kind !== "owner";
      for (const control of [query, find, companies, owners]) control.disabled = busy;
      choose(companies, shownValue ? String(shownValue) : "");
      choose(owners, shownValue ? String(shownValue) : "");
      showName();
      if (kind === "company" && !searchedOnce) search();
      if (kind === "owner" && members === null && !membersLoading) loadMembers();
      if (changed && kind === "company" && shownValue && !names.has(`company:${shownValue}`)) lookUpCompany(shownValue);
    },
  };
}
