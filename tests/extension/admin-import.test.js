// Import contacts on the admin page: a dry run first, progress polled, the summary, the rejects as a download, refusals with what to do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BackendError } from "../../extension/api/backend-client.js";
import { choose } from "../../extension/panel/views/form-kit.js";
import { polling, rejectsName, size, summaryLines } from "../../extension/admin/import-section.js";
import { answers, EVIL, openPage, settle, submit } from "./admin-helpers.js";

polling.ms = 0;

const SUMMARY = {
  dry_run: true,
  rows: 4,
  imported: 2,
  duplicates: { total: 1, reasons: { same_as_earlier_line: 1 } },
  invalid: { total: 1, reasons: { bad_address: 1 } },
  encoding: "UTF-8",
  delimiter: "semicolon",
  columns: { "E-mail": "email", "Full name": "name" },
  ignored_columns: ["linkedin"],
  seconds: 0.1,
};

/** An import as the backend answers it, `status` and `rows_done` of 4 rows. */
function job(id, { status = "done", done = 4, dryRun = true, fileName = "contacts.csv", rejects = true } = {}) {
  return {
    id,
    status,
    file_name: fileName,
    dry_run: dryRun,
    created_by_id: 1,
    created_at: "2026-03-02T10:00:00Z",
    progress: { rows_done: done, rows_total: 4 },
    summary: status === "done" ? { ...SUMMARY, dry_run: dryRun, imported: 2 } : null,
    error: status === "failed" ? "The import stopped (RuntimeError); try again." : null,
    rejects_url: status === "done" && rejects ? `/api/v1/org/imports/${id}/rejects.csv` : null,
  };
}

/** The admin page with an import section whose polling is immediate; `pick(file)` chooses a file in its input. */
async function openImport(table = answers()) {
  const page = await openPage(table);
  const section = page.$("#import");
  const form = section.querySelector("form");
  const input = form.querySelector('[name="file"]');
  const pick = (file) => {
    Object.defineProperty(input, "files", { value: [file], configurable: true });
    input.dispatchEvent(new page.document.defaultView.Event("change"));
  };
  const note = () => section.querySelector("[data-note]");
  const bar = () => section.querySelector("[role=progressbar]");
  return { ...page, section, form, input, pick, note, bar };
}

const csv = (text = "E-mail;Full name;linkedin\nada@acme.example;Ada;x\n", name = "contacts.csv") => new File([text], name, { type: "text/csv" });

test("sizes and names for a person", () => {
  assert.deepEqual([size(20 * 1048576), size(1.5 * 1048576), size(4096), size(10)], ["20 MB", "1.5 MB", "4 KB", "1 KB"]);
  assert.equal(rejectsName("contacts.csv"), "contacts.rejects.csv");
  assert.equal(rejectsName("Q3 leads (final).CSV"), "Q3_leads_final_.rejects.csv");
  assert.equal(rejectsName(".csv"), "import.rejects.csv");
  assert.deepEqual(summaryLines(job(1)), [
    [
      "Would import 2 of 4 row(s): a dry run, nothing was written.",
      "Duplicates: 1 (same address as an earlier line: 1)",
      "Invalid: 1 (not a valid email address: 1)",
      "Read as UTF-8, semicolon-separated.",
    ],
    ["Columns read: E-mail → email, Full name → name", "Ignored columns (unknown or mapped to ignore): linkedin"],
  ]);
});

test("it loads the limit, the owners and the recent imports; empty, it says so", async () => {
  const table = answers();
  table.imports = { imports: [job(5, { dryRun: false }), job(4, { status: "failed" })] };
  const { section, document } = await openImport(table);
  assert.equal(section.querySelector("[data-limit]").textContent, "(up to 20 MB)");
  const rows = Array.from(section.querySelectorAll("ul li"));
  assert.deepEqual(
    rows.map((row) => row.dataset.id),
    ["5", "4"],
  );
  assert.equal(rows[0].querySelector(".cut").title, "contacts.csv");
  assert.match(rows[0].textContent, /Imported 2 of 4/);
  assert.match(rows[1].textContent, /Failed/);
  assert.equal(rows[0].querySelector("button").getAttribute("aria-label"), "Show the import of contacts.csv");
  const owners = Array.from(section.querySelectorAll('[name="owner_email"] option'), (o) => [o.value, o.textContent]);
  assert.deepEqual(owners, [
    ["", "You (boss@acme.example)"],
    ["rep@acme.example", "rep@acme.example"],
    ["new@acme.example", "Nia New (new@acme.example)"],
  ]);
  assert.equal(section.querySelector("form button").textContent, "Check file");
  assert.equal(section.querySelector('[name="dry_run"]').checked, true);
  assert.equal(section.querySelector("[data-job]").hidden, true);
  assert.equal(document.querySelector("#import [data-note]").hidden, true);

  const empty = await openImport();
  assert.equal(empty.section.querySelector("ul").textContent, "No imports yet.");
});

test("a dry run: the upload with its options, the progress polled until done, the summary, then the button imports for real", async () => {
  const table = answers();
  const statuses = [job(7, { status: "running", done: 1 }), job(7, { status: "running", done: 3 }), job(7)];
  table.startImport = () => job(7, { status: "queued", done: 0 });
  table.importStatus = () => statuses.shift();
  let listed = [];
  table.imports = () => ({ imports: listed });
  const { section, form, pick, note, bar, calls } = await openImport(table);
  const seen = [];
  const observe = new section.ownerDocument.defaultView.MutationObserver(() => seen.push(bar().getAttribute("aria-valuenow")));
  observe.observe(bar(), { attributes: true, attributeFilter: ["aria-valuenow"] });
  const file = csv();
  pick(file);
  choose(form.querySelector('[name="owner_email"]'), "rep@acme.example");
  form.querySelector('[name="map"]').value = "linkedin=phone\n\n Who = name \n";
  listed = [job(7)];
  submit(form);
  for (let i = 0; i < 20; i += 1) await settle();

  const started = calls.find(([name]) => name === "startImport");
  assert.equal(started[1], file);
  assert.deepEqual(started[2], { dryRun: true, ownerEmail: "rep@acme.example", map: ["linkedin=phone", "Who = name"] });
  assert.equal(calls.filter(([name]) => name === "importStatus").length, 3);
  assert.deepEqual(seen.slice(-4), ["0", "25", "75", "100"]);
  assert.equal(bar().getAttribute("aria-valuetext"), "4 of 4 rows");
  assert.equal(section.querySelector("[data-job]").dataset.state, "done");
  assert.equal(section.querySelector("[data-title]").title, "Dry run of contacts.csv");
  const summary = section.querySelector("[data-summary]");
  assert.match(summary.textContent, /Would import 2 of 4 row\(s\)/);
  assert.match(summary.textContent, /Duplicates: 1 \(same address as an earlier line: 1\)/);
  assert.match(summary.textContent, /Read as UTF-8, semicolon-separated/);
  assert.equal(summary.querySelector(".line:last-of-type").title, "Ignored columns (unknown or mapped to ignore): linkedin");
  assert.equal(summary.querySelector("button").textContent, "Download rejected rows");
  assert.equal(note().textContent, "Dry run done: nothing was imported. Import now imports the file for real.");
  assert.equal(form.querySelector('[name="dry_run"]').checked, false);
  assert.equal(form.querySelector("button").textContent, "Import");
  assert.equal(section.querySelector("ul li").dataset.id, "7"); // the list again, with this import

  // Import for real: the same file, dry run off.
  table.startImport = () => job(8, { dryRun: false });
  submit(form);
  for (let i = 0; i < 10; i += 1) await settle();
  assert.equal(calls.findLast(([name]) => name === "startImport")[2].dryRun, false);
  assert.equal(note().textContent, "Import done: 2 new contact(s).");
  assert.match(summary.textContent, /Imported 2 of 4 row\(s\)\./);

  // Another file: a dry run first again.
  pick(csv("email\nx@y.example\n", "other.csv"));
  assert.equal(form.querySelector('[name="dry_run"]').checked, true);
  assert.equal(form.querySelector("button").textContent, "Check file");
});

test("the rejected rows download as a text file through a Blob URL, with the byte-order mark spreadsheets need", async () => {
  const table = answers();
  table.imports = { imports: [job(3)] };
  table.importRejects = () => "\ufeffline,reason,E-mail\n5,not a valid email address: 'bad',bad\n";
  const { section, calls } = await openImport(table);
  const made = [];
  const { createObjectURL, revokeObjectURL } = URL;
  URL.createObjectURL = (blob) => made.push(blob) && `blob:test/${made.length}`;
  URL.revokeObjectURL = () => {};
  const clicked = [];
  const anchor = section.ownerDocument.defaultView.HTMLAnchorElement.prototype;
  const click = anchor.click;
  anchor.click = function () {
    clicked.push([this.getAttribute("href") || this.href, this.download]);
  };
  try {
    section.querySelector('ul li button[aria-label="Show the import of contacts.csv"]').click();
    await settle();
    const download = section.querySelector('[data-summary] button[aria-label="Download the rejected rows of contacts.csv"]');
    download.click();
    for (let i = 0; i < 5; i += 1) await settle();
  } finally {
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    anchor.click = click;
  }
  assert.deepEqual(calls.at(-1), ["importRejects", 3]);
  assert.deepEqual(clicked, [["blob:test/1", "contacts.rejects.csv"]]);
  assert.equal(made[0].type, "text/csv");
  const bytes = new Uint8Array(await made[0].arrayBuffer());
  assert.deepEqual(Array.from(bytes.slice(0, 3)), [0xef, 0xbb, 0xbf]); // one BOM, not two
  assert.equal(new TextDecoder().decode(bytes), "line,reason,E-mail\n5,not a valid email address: 'bad',bad\n");
});

test("a running import shown from the list is followed until it ends", async () => {
  const table = answers();
  table.imports = { imports: [job(9, { status: "running", done: 2 })] };
  table.importStatus = () => job(9);
  const { section, bar } = await openImport(table);
  section.querySelector("ul li button").click();
  for (let i = 0; i < 10; i += 1) await settle();
  assert.equal(bar().getAttribute("aria-valuenow"), "100");
  assert.equal(section.querySelector("[data-status]").textContent, "Done");
});

test("a file over the limit is refused before any upload, saying what to do", async () => {
  const { pick, form, note, calls, input } = await openImport();
  let focused = false;
  input.focus = () => (focused = true);
  const big = new File([new Uint8Array(21 * 1048576)], "huge.csv");
  pick(big);
  submit(form);
  await settle();
  assert.equal(note().getAttribute("role"), "alert");
  assert.equal(
    note().textContent,
    "huge.csv is 21 MB; an import takes up to 20 MB. Split it into several files, or import it on the server with threadbook import-contacts.",
  );
  assert.equal(focused, true);
  assert.ok(!calls.some(([name]) => name === "startImport"));
});

test("the backend's refusals show in the section with what to do: 413 too large, 400 a bad file", async () => {
  const table = answers();
  const message = "The file is larger than the 4 KB an import takes (THREADBOOK_IMPORT_MAX_BYTES). Split it into several files, or import it on the server.";
  table.startImport = new BackendError("client", message, { status: 413, body: { error: "payload_too_large", message, limit_bytes: 4096 } });
  const { section, pick, form, note, input } = await openImport(table);
  const focused = [];
  input.focus = () => focused.push("file");
  form.querySelector('[name="owner_email"]').focus = () => focused.push("owner_email");
  pick(csv());
  submit(form);
  for (let i = 0; i < 5; i += 1) await settle();
  assert.equal(note().textContent, message);
  assert.equal(note().getAttribute("role"), "alert");
  assert.equal(section.querySelector("[data-limit]").textContent, "(up to 4 KB)"); // the backend's limit now

  const bad = "No email column: the header (comma-separated) has 'name', 'phone'. Name the column 'email' or give --map HEADER=email.";
  table.startImport = new BackendError("client", bad, { status: 400, body: { error: "bad_request", message: bad, field: "file" } });
  submit(form);
  for (let i = 0; i < 5; i += 1) await settle();
  assert.match(note().textContent, /^No email column: .*Choose a CSV file \(a spreadsheet's Save as CSV\) with an email column/);
  assert.deepEqual(focused, ["file"]);

  const nobody = "Owner x@y.example is not a member of this organisation.";
  table.startImport = new BackendError("client", nobody, { status: 400, body: { message: nobody, field: "owner_email" } });
  submit(form);
  for (let i = 0; i < 5; i += 1) await settle();
  assert.equal(note().textContent, nobody);
  assert.deepEqual(focused, ["file", "owner_email"]);
});

test("no file chosen: it says so; a failed import says why and what to do", async () => {
  const table = answers();
  table.startImport = () => job(2, { status: "failed" });
  const { form, note, pick } = await openImport(table);
  submit(form);
  await settle();
  assert.equal(note().textContent, "Choose a CSV file first.");
  pick(csv());
  submit(form);
  for (let i = 0; i < 5; i += 1) await settle();
  assert.equal(
    note().textContent,
    "The import stopped (RuntimeError); try again. Upload the file again: rows already imported come back as already a contact.",
  );
  assert.equal(note().getAttribute("role"), "alert");
});

test("file names and columns are text, never markup", async () => {
  const table = answers();
  const evil = job(6, { fileName: `${EVIL}.csv` });
  evil.summary.ignored_columns = [EVIL];
  table.imports = { imports: [evil] };
  const { section, document } = await openImport(table);
  section.querySelector("ul li button").click();
  await settle();
  assert.equal(document.querySelector("img"), null);
  assert.equal(section.querySelector("[data-title]").textContent, `Dry run of ${EVIL}.csv`);
  assert.match(section.querySelector("[data-summary]").textContent, /onerror/);
});

test("a member's page asks for no import and shows no import section", async () => {
  const table = answers();
  table.me = { user: { id: 2, email: "rep@acme.example", role: "member", default_visibility: null }, org: { id: 9, name: "Acme" } };
  const { $, calls } = await openImport(table);
  assert.equal($("#admin").hidden, true);
  assert.ok($("#admin").contains($("#import")));
  assert.deepEqual(
    calls.map(([name]) => name),
    ["me"],
  );
});

test("the backend failing while an import is followed: the error is an alert, the buttons come back", async () => {
  const table = answers();
  table.startImport = () => job(4, { status: "running", done: 1 });
  table.importStatus = new BackendError("unreachable", "Cannot reach the Threadbook backend at http://127.0.0.1:5000.");
  const { section, form, pick, note, bar } = await openImport(table);
  pick(csv());
  submit(form);
  for (let i = 0; i < 10; i += 1) await settle();
  assert.equal(note().textContent, "Cannot reach the Threadbook backend at http://127.0.0.1:5000.");
  assert.equal(note().getAttribute("role"), "alert");
  assert.equal(bar().getAttribute("aria-valuenow"), "25");
  assert.equal(form.querySelector("button").disabled, false);
  assert.equal(form.querySelector('[name="dry_run"]').checked, true, "still a dry run to do");
  assert.equal(section.querySelector("[data-job]").dataset.state, "running");
});
