// A card's timeline and "why this match": the real panel page, controller and backend client over a fake backend.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EVIL, lookupAnswer, openPanel, until } from "./card-actions-helpers.js";
import { matchText } from "../../extension/panel/views/match-line.js";

const TIMELINE = "GET /api/v1/contacts/7/timeline";
const LONG = `${"Quarterly renewal terms and the pilot ".repeat(6)}${EVIL}`;

const mail = (id, overrides = {}) => ({
  kind: "email",
  at: "2025-06-02T10:00:00Z",
  email: {
    id,
    subject: LONG,
    from: { name: "Ada Lovelace", email: "ada@acme.example" },
    date: "2025-06-02T10:00:00Z",
    visibility: "team_metadata",
    logged_by: { id: 3, name: "Rita Rep", email: "rep@threadbook.test" },
    can_unlog: true,
    ...overrides,
  },
});
const note = { kind: "note", at: "2025-06-01T09:00:00Z", note: { id: 4, body: EVIL, author: { name: "Colin" }, created_at: "2025-06-01T09:00:00Z" } };
const meeting = { kind: "meeting", at: "2025-05-30T09:00:00Z", meeting: { id: 8, title: "Kick-off", start: "2025-05-30T09:00:00Z", location: "Room 2" } };
const page = (items, hasMore = false) => ({ body: { items, page: 1, per_page: 10, has_more: hasMore } });

const matched = (match, overrides = {}) => {
  const answer = lookupAnswer();
  Object.assign(answer.participants[0], { match, ...overrides });
  return answer;
};
const unknownAda = (overrides = {}) => ({
  ...lookupAnswer(),
  participants: [{ ...lookupAnswer().participants[0], kind: "unknown", record: null, ...overrides }],
});

async function open(routes, lookup = lookupAnswer()) {
  const p = await openPanel({ "POST /api/v1/lookup": () => ({ body: lookup }), ...routes }, { lookup });
  const box = () => p.card().querySelector(".timeline");
  const rows = () => Array.from(box().querySelectorAll("li"));
  const more = () => box().querySelector(":scope > button");
  const note_ = () => box().querySelector(":scope > p");
  const toggle = () => {
    box().open = !box().open; // linkedom has no <details> open property: the view reads this one
    box().dispatchEvent(new p.Event("toggle"));
  };
  return { ...p, box, rows, more, note: note_, toggle };
}

test("the timeline opens on the first page, newest first, text only, long subjects cut with the whole in title", async () => {
  const p = await open({ [TIMELINE]: () => page([mail(21), note, meeting]) });
  const summary = p.box().querySelector("summary");
  assert.equal(summary.textContent, "Timeline");
  assert.equal(summary.getAttribute("aria-label"), "Timeline of Ada Lovelace");
  assert.equal(p.calls(TIMELINE).length, 0, "nothing is fetched until it is opened");
  p.toggle();
  await until(() => p.rows().length === 3);
  assert.match(p.calls(TIMELINE)[0].url, /\?page=1&per_page=10$/);
  const [email, noteRow, meetingRow] = p.rows();
  const subject = email.querySelector(".truncate");
  assert.equal(subject.textContent, LONG);
  assert.equal(subject.title, LONG);
  assert.match(email.querySelector(".detail").textContent, /^Ada Lovelace · .+ · logged by Rita Rep · Team: who, when, subject$/);
  assert.match(noteRow.textContent, /— Colin: <img/);
  assert.equal(noteRow.firstChild.title, noteRow.textContent);
  assert.match(meetingRow.textContent, /^Meeting: Kick-off · /);
  assert.equal(p.document.body.dataset.pwned, undefined);
  assert.equal(p.document.querySelector("img"), null);
  assert.equal(p.more().hidden, true, "no more pages");

  p.toggle(); // closed: nothing fetched
  assert.equal(p.calls(TIMELINE).length, 1);
});

test("Show more appends the next page; empty and failed timelines say so, Try again loads again", async () => {
  let fail = true;
  const p = await open({
    [TIMELINE]: (request) => {
      const number = new URL(request.url).searchParams.get("page");
      if (number === "2" && fail) return { status: 500, body: { error: "internal_error", message: "Something went wrong on the server." } };
      return number === "1" ? page([mail(21)], true) : page([mail(20, { can_unlog: false })]);
    },
  });
  p.toggle();
  await until(() => p.rows().length === 1 && !p.more().hidden);
  assert.equal(p.more().textContent, "Show more");
  p.click(p.more());
  await until(() => p.note().className === "error");
  assert.equal(p.note().textContent, "Could not load the timeline: Something went wrong on the server.");
  assert.equal(p.rows().length, 1, "what was shown stays");
  assert.equal(p.more().textContent, "Try again");
  fail = false;
  p.click(p.more());
  await until(() => p.rows().length === 2);
  assert.match(p.calls(TIMELINE).at(-1).url, /page=2/);
  assert.equal(p.rows()[1].querySelector("button"), null, "not the user's to unlog");
  assert.equal(p.more().hidden, true);

  const empty = await open({ [TIMELINE]: () => page([]) });
  empty.toggle();
  await until(() => empty.note().textContent === "Nothing logged yet.");
});

test("Unlog from the timeline after a confirm step; the open timeline reloads with the conversation", async () => {
  let items = [mail(21), note];
  const p = await open({
    [TIMELINE]: () => page(items),
    "DELETE /api/v1/emails/21": () => {
      items = [note];
      return { status: 204 };
    },
  });
  p.toggle();
  await until(() => p.rows().length === 2);
  const unlog = p.rows()[0].querySelector("button");
  p.click(unlog);
  assert.equal(p.calls("DELETE /api/v1/emails/21").length, 0, "asked first");
  p.click(unlog);
  await until(() => p.rows().length === 1);
  assert.equal(p.calls("DELETE /api/v1/emails/21").length, 1);
  assert.match(p.status(), /^Unlogged “Quarterly/);
});

test("leads have a timeline too; unknown people none", async () => {
  const p = await open({ "GET /api/v1/leads/7/timeline": () => page([note]) }, lookupAnswer("Lee", "lead"));
  p.toggle();
  await until(() => p.rows().length === 1);
  const unknown = await open({}, unknownAda());
  assert.equal(unknown.box(), null);
});

test("why this match: a short line opening on the explanation", async () => {
  assert.equal(matchText({ rule: "alias", matched: "j.smith@acme.com" }), "Matched by alias j.smith@acme.com");
  assert.equal(matchText({ rule: "address", matched: "ada@acme.example" }), "Matched by address ada@acme.example");
  assert.equal(matchText({ rule: "plus_tag", matched: "ada@acme.example" }), "Matched by address without its +tag ada@acme.example");
  assert.equal(matchText({ rule: "domain", matched: "acme.example" }), "Matched by company domain acme.example");
  const p = await open({}, matched({ rule: "alias", matched: "ada.l@acme.example", explanation: `Ada's other address. ${EVIL}` }));
  const line = p.card().querySelector(".match");
  assert.equal(line.querySelector("summary").textContent, "Matched by alias ada.l@acme.example");
  assert.equal(line.querySelector("details p").textContent, `Ada's other address. ${EVIL}`);
  assert.equal(p.document.body.dataset.pwned, undefined);
  const none = await open({});
  assert.equal(none.card().querySelector('[data-field="match"]'), null);
  const colleague = await open({}, matched({ rule: "address", matched: "ada@acme.example", explanation: "A colleague." }, { kind: "colleague" }));
  assert.equal(colleague.card().querySelector('[data-field="match"]'), null, "the team's own people need no explaining");
});

test("Not this person: a team-wide correction after a confirm step, the card refreshed, and Undo on the card", async () => {
  let corrected = false;
  const lookup = () => (corrected ? unknownAda({ match: null }) : matched({ rule: "address", matched: "ada@acme.example", explanation: "Her address." }));
  const p = await open(
    {
      "POST /api/v1/lookup": () => ({ body: lookup() }),
      "POST /api/v1/match-corrections": () => {
        corrected = true;
        return { status: 201, body: { id: 9, address: "ada@acme.example", kind: "contact", record: { id: 7, name: "Ada Lovelace" } } };
      },
      "DELETE /api/v1/match-corrections/9": () => {
        corrected = false;
        return { status: 204 };
      },
    },
    lookup(),
  );
  const button = p.card().querySelector(".match > button");
  assert.equal(button.textContent, "Not this person");
  assert.equal(button.getAttribute("aria-label"), "Not this person — ada@acme.example as Ada Lovelace");
  p.click(button);
  assert.equal(button.textContent, "Stop matching for the team?");
  assert.equal(p.calls("POST /api/v1/match-corrections").length, 0);
  p.click(button);
  await until(() => p.card().dataset.kind === "unknown");
  assert.deepEqual(p.calls("POST /api/v1/match-corrections")[0].body, { address: "ada@acme.example", contact_id: 7 });
  assert.equal(p.status(), "ada@acme.example is no longer matched to Ada Lovelace for your team.");
  await until(() => p.card().querySelector(".match button"));
  const line = p.card().querySelector(".match");
  assert.equal(line.querySelector("details"), null, "no match to explain any more");
  assert.equal(line.querySelector("span").textContent, "No longer matched to Ada Lovelace. ");
  assert.equal(p.box(), null, "no record, no timeline");

  // Undo, right there: the correction is deleted and Ada is matched again.
  const undo = line.querySelector("button");
  assert.equal(undo.getAttribute("aria-label"), "Undo: match ada@acme.example to Ada Lovelace again");
  p.click(undo);
  await until(() => p.card().dataset.kind === "contact" && !p.card().querySelector(".match span"));
  assert.equal(p.calls("DELETE /api/v1/match-corrections/9").length, 1);
  assert.equal(p.status(), "ada@acme.example is matched to Ada Lovelace again.");
  assert.equal(p.card().querySelector(".match summary").textContent, "Matched by address ada@acme.example");
});

test("Undo of a correction the backend refuses says why and stays offered", async () => {
  let corrected = false;
  const lookup = () => (corrected ? unknownAda({ match: null }) : matched({ rule: "address", matched: "ada@acme.example", explanation: "Her address." }));
  const p = await open(
    {
      "POST /api/v1/lookup": () => ({ body: lookup() }),
      "POST /api/v1/match-corrections": () => ((corrected = true), { status: 201, body: { id: 9 } }),
      "DELETE /api/v1/match-corrections/9": () => ({ status: 404, body: { error: "not_found", message: "No such correction." } }),
    },
    lookup(),
  );
  const button = p.card().querySelector(".match > button");
  p.click(button);
  p.click(button);
  await until(() => p.card().querySelector(".match span"));
  p.click(p.card().querySelector(".match button"));
  await until(() => p.status() === "No such correction.");
  assert.equal(p.card().querySelector(".match span").textContent, "No longer matched to Ada Lovelace. ");
});

test("a match by domain offers Not this company; a refused correction says why", async () => {
  const lookup = unknownAda({ company: { id: 3, name: "Acme" }, match: { rule: "domain", matched: "acme.example", explanation: "Same domain." } });
  const p = await open({ "POST /api/v1/match-corrections": () => ({ status: 403, body: { error: "forbidden", message: "Not allowed." } }) }, lookup);
  const button = p.card().querySelector(".match > button");
  assert.equal(button.textContent, "Not this company");
  p.click(button);
  p.click(button);
  await until(() => p.status() === "Not allowed.");
  assert.deepEqual(p.calls("POST /api/v1/match-corrections")[0].body, { address: "ada@acme.example", company_id: 3 });
  assert.equal(button.textContent, "Not this company");
});
