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

function matched(match, overrides = {}) {
  const answer = lookupAnswer();
  Object.assign(answer.participants[0], { match, ...overrides });
  return answer;
}

async function open(routes, lookup = lookupAnswer()) {
  const p = await openPanel({ "POST /api/v1/lookup": () => ({ body: lookup }), ...routes }, { lookup });
  const box = () => p.card().querySelector('[data-field="timeline"]');
  const toggle = () => box().querySelector("button");
  const rows = () => Array.from(box().querySelectorAll("li.tl-item"));
  const button = (root, text) => Array.from(root.querySelectorAll("button")).find((b) => b.textContent === text && !b.hidden);
  return { ...p, box, toggle, rows, button };
}

test("the timeline opens on the first page, newest first, text only, long subjects cut with the whole in title", async () => {
  const p = await open({ [TIMELINE]: () => ({ body: { items: [mail(21), note, meeting], page: 1, per_page: 10, has_more: false } }) });
  assert.equal(p.toggle().textContent, "Timeline");
  assert.equal(p.toggle().getAttribute("aria-expanded"), "false");
  assert.equal(p.toggle().getAttribute("aria-label"), "Timeline of Ada Lovelace");
  assert.equal(p.calls(TIMELINE).length, 0, "nothing is fetched until it is opened");
  p.click(p.toggle());
  await until(() => p.rows().length === 3);
  assert.equal(p.toggle().getAttribute("aria-expanded"), "true");
  assert.match(p.calls(TIMELINE)[0].url, /\?page=1&per_page=10$/);
  const [email, noteRow, meetingRow] = p.rows();
  const subject = email.querySelector(".cut");
  assert.equal(subject.textContent, LONG);
  assert.equal(subject.title, LONG);
  assert.match(email.textContent, /Ada Lovelace <ada@acme\.example>/);
  assert.match(email.textContent, /Logged by Rita Rep <rep@threadbook\.test> · Who sees it: Team: who, when, subject/);
  assert.match(noteRow.textContent, /^Note · Colin/);
  assert.equal(noteRow.querySelector(".tl-body").textContent, EVIL);
  assert.match(meetingRow.textContent, /^Meeting: Kick-off.*Room 2$/);
  assert.equal(p.document.body.dataset.pwned, undefined);
  assert.equal(p.document.querySelector("img"), null);
  assert.equal(p.button(p.box(), "Show more"), undefined);

  p.click(p.toggle());
  assert.equal(p.toggle().getAttribute("aria-expanded"), "false");
  assert.equal(p.box().querySelector("[id^=timeline-]").hidden, true);
});

test("Show more appends the next page; empty and failed timelines say so, Try again loads again", async () => {
  let fail = true;
  const p = await open({
    [TIMELINE]: (request) => {
      const page = new URL(request.url).searchParams.get("page");
      if (page === "2" && fail) return { status: 500, body: { error: "internal_error", message: "Something went wrong on the server." } };
      return { body: { items: page === "1" ? [mail(21)] : [mail(20, { can_unlog: false })], page: Number(page), per_page: 10, has_more: page === "1" } };
    },
  });
  p.click(p.toggle());
  await until(() => p.rows().length === 1 && p.button(p.box(), "Show more"));
  p.click(p.button(p.box(), "Show more"));
  await until(() => p.box().querySelector("p.error").textContent !== "");
  assert.equal(p.box().querySelector("p.error").textContent, "Could not load the timeline: Something went wrong on the server.");
  assert.equal(p.rows().length, 1, "what was shown stays");
  fail = false;
  p.click(p.button(p.box(), "Try again"));
  await until(() => p.rows().length === 2);
  assert.match(p.calls(TIMELINE).at(-1).url, /page=2/);
  assert.equal(p.rows()[1].querySelector(".confirm"), null, "not the user's to unlog");
  assert.equal(p.button(p.box(), "Show more"), undefined);

  const empty = await open({ [TIMELINE]: () => ({ body: { items: [], page: 1, per_page: 10, has_more: false } }) });
  empty.click(empty.toggle());
  await until(() => empty.box().querySelector('[role="status"]').textContent === "Nothing logged yet.");
});

test("Unlog from the timeline after a confirm step; the open timeline reloads with the conversation", async () => {
  let items = [mail(21), note];
  const p = await open({
    [TIMELINE]: () => ({ body: { items, page: 1, per_page: 10, has_more: false } }),
    "DELETE /api/v1/emails/21": () => {
      items = [note];
      return { status: 204 };
    },
  });
  p.click(p.toggle());
  await until(() => p.rows().length === 2);
  p.click(p.rows()[0].querySelector(".confirm button"));
  p.click(p.rows()[0].querySelector(".confirm-ask .danger"));
  await until(() => p.rows().length === 1);
  assert.equal(p.calls("DELETE /api/v1/emails/21").length, 1);
  assert.match(p.status(), /^Unlogged “Quarterly/);
});

test("leads have a timeline too; colleagues and unknown people none", async () => {
  const lead = lookupAnswer("Lee", "lead");
  const p = await open({ "GET /api/v1/leads/7/timeline": () => ({ body: { items: [note], page: 1, per_page: 10, has_more: false } }) }, lead);
  p.click(p.toggle());
  await until(() => p.rows().length === 1);
  const unknown = await open({}, { ...lookupAnswer("Ada", "unknown"), participants: [{ ...lookupAnswer().participants[0], kind: "unknown", record: null }] });
  assert.equal(unknown.box(), null);
});

test("why this match: a short line opening on the explanation", async () => {
  assert.equal(matchText({ rule: "alias", matched: "j.smith@acme.com" }), "Matched by alias j.smith@acme.com");
  assert.equal(matchText({ rule: "plus_tag", matched: "ada@acme.example" }), "Matched by address without its +tag ada@acme.example");
  assert.equal(matchText({ rule: "domain", matched: "acme.example" }), "Matched by company domain acme.example");
  const p = await open({}, matched({ rule: "alias", matched: "ada.l@acme.example", explanation: `Ada's other address. ${EVIL}` }));
  const line = p.card().querySelector('[data-field="match"]');
  assert.equal(line.querySelector("summary").textContent, "Matched by alias ada.l@acme.example");
  assert.equal(line.querySelector("details p").textContent, `Ada's other address. ${EVIL}`);
  assert.equal(p.document.body.dataset.pwned, undefined);
  const none = await open({});
  assert.equal(none.card().querySelector('[data-field="match"]'), null);
});

test("Not this person: a team-wide correction after a confirm step, the card refreshed; Undo removes it", async () => {
  let corrected = false;
  const lookup = () =>
    corrected
      ? { ...lookupAnswer("Ada", "unknown"), participants: [{ ...lookupAnswer().participants[0], kind: "unknown", record: null, match: null }] }
      : matched({ rule: "address", matched: "ada@acme.example", explanation: "Her address." });
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
  const line = () => p.card().querySelector('[data-field="match"]');
  const open_ = line().querySelector(".confirm > button");
  assert.equal(open_.textContent, "Not this person");
  assert.equal(open_.getAttribute("aria-label"), "ada@acme.example is not Ada Lovelace");
  p.click(open_);
  assert.match(line().querySelector(".confirm-ask").textContent, /Stop matching ada@acme\.example to Ada Lovelace for everyone in your team\?/);
  p.click(p.button(line(), "Stop matching"));
  await until(() => p.card().dataset.kind === "unknown");
  assert.deepEqual(p.calls("POST /api/v1/match-corrections")[0].body, { address: "ada@acme.example", contact_id: 7 });
  assert.equal(p.status(), "ada@acme.example is no longer matched to Ada Lovelace for your team.");
  assert.equal(line(), null);
  assert.equal(p.box(), null, "no record, no timeline");

  p.click(p.document.getElementById("status-action"));
  await until(() => p.card().dataset.kind === "contact");
  assert.equal(p.calls("DELETE /api/v1/match-corrections/9").length, 1);
  assert.equal(p.status(), "ada@acme.example is matched to Ada Lovelace again.");
});

test("a match by domain offers Not this company; a refused correction stays beside the button", async () => {
  const lookup = {
    ...lookupAnswer(),
    participants: [
      {
        ...lookupAnswer().participants[0],
        kind: "unknown",
        record: null,
        company: { id: 3, name: "Acme" },
        match: { rule: "domain", matched: "acme.example", explanation: "Same domain." },
      },
    ],
  };
  const p = await open({ "POST /api/v1/match-corrections": () => ({ status: 403, body: { error: "forbidden", message: "Not allowed." } }) }, lookup);
  const line = p.card().querySelector('[data-field="match"]');
  p.click(line.querySelector(".confirm > button"));
  assert.equal(line.querySelector(".confirm > button").textContent, "Not this company");
  p.click(p.button(line, "Stop matching"));
  await until(() => line.querySelector('[role="alert"]').textContent === "Not allowed.");
  assert.deepEqual(p.calls("POST /api/v1/match-corrections")[0].body, { address: "ada@acme.example", company_id: 3 });
});
