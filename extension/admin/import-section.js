/**
 * Import contacts from a CSV file (docs/import.md): the file, its owner, columns to read as fields, a dry run
 * first by default; the upload (POST /api/v1/org/imports), its progress (GET /org/imports/<id>, polled), then
 * its summary and the rejected rows as a download (a Blob URL of the text). Recent imports below (GET /org/imports).
 */

import { choose, chosen, el } from "../panel/views/form-kit.js";
import { formatDateTime } from "../panel/views/format.js";
import { button, cut, fill, li, load, note, run } from "./section-kit.js";

/** How often a running import is asked for its progress (tests make it 0). */
export const polling = { ms: 1000 };
const STATUS = { queued: "Waiting for the worker…", running: "Running…", done: "Done", failed: "Failed" };
// The reasons' codes in the rejects file's words (crm/import_rows.py).
const REASONS = {
  same_as_earlier_line: "same address as an earlier line",
  contact: "already a contact",
  lead: "already a lead",
  colleague: "a colleague's address",
  no_address: "no email address",
  bad_address: "not a valid email address",
  too_long: "a value is too long",
  not_a_member: "owner is not a member",
};
const SPLIT = "Split it into several files, or import it on the server with threadbook import-contacts.";

/** A size for a person: "20 MB", "1.5 MB", "4 KB". */
export const size = (bytes) => (bytes >= 1048576 ? `${+(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);

/** The rejects file's name, as the backend names it: "contacts.rejects.csv". */
export const rejectsName = (fileName) =>
  `${
    fileName
      .replace(/\.[^.]*$/, "")
      .replace(/[^\w.-]+/g, "_")
      .slice(0, 100) || "import"
  }.rejects.csv`;

const counted = (title, { total, reasons }) =>
  total
    ? `${title}: ${total} (${Object.entries(reasons)
        .map(([code, n]) => `${REASONS[code] || code}: ${n}`)
        .join(", ")})`
    : null;

/** A finished import's summary: [lines that wrap, lines cut to one line (the columns)]. */
export function summaryLines({ summary: s }) {
  if (!s) return [[], []];
  const columns = Object.entries(s.columns).map(([header, field]) => `${header} → ${field}`);
  return [
    [
      s.dry_run ? `Would import ${s.imported} of ${s.rows} row(s): a dry run, nothing was written.` : `Imported ${s.imported} of ${s.rows} row(s).`,
      counted("Duplicates", s.duplicates),
      counted("Invalid", s.invalid),
      `Read as ${s.encoding}, ${s.delimiter}-separated.`,
    ].filter(Boolean),
    [
      `Columns read: ${columns.join(", ")}`,
      s.ignored_columns.length ? `Ignored columns (unknown or mapped to ignore): ${s.ignored_columns.join(", ")}` : "",
    ].filter(Boolean),
  ];
}

/** One line for an import in the list: "Dry run: would import 2 of 4" or its state. */
const outcome = ({ summary: s, status }) => (s ? `${s.dry_run ? "Dry run: would import" : "Imported"} ${s.imported} of ${s.rows}` : STATUS[status]);

export function importSection(section, client, { me }) {
  const doc = section.ownerDocument;
  const form = section.querySelector("form");
  const field = (name) => form.querySelector(`[name="${name}"]`);
  const [file, owner, map, dry, submit] = [field("file"), field("owner_email"), field("map"), field("dry_run"), form.querySelector("button")];
  const job = section.querySelector("[data-job]");
  const bar = job.querySelector("[role=progressbar]");
  const summary = section.querySelector("[data-summary]");
  const list = section.querySelector("ul");
  let limit = null;
  let shown = null; // the import on view: following another stops the polling of this one
  let blobUrl = "";

  const showLimit = (bytes) => {
    limit = bytes || null;
    section.querySelector("[data-limit]").textContent = limit ? `(up to ${size(limit)})` : "";
  };
  const label = () => (submit.textContent = dry.checked ? "Check file" : "Import");
  dry.checked = true;
  dry.addEventListener("change", label);
  file.addEventListener("change", () => {
    dry.checked = true; // a new file: a dry run first
    label();
  });

  async function download(item) {
    const text = await client.importRejects(item.id);
    URL.revokeObjectURL(blobUrl);
    // The byte-order mark (fetch's text drops it) lets spreadsheets read the file as UTF-8.
    blobUrl = URL.createObjectURL(new Blob(["\ufeff", text.replace(/^\ufeff/, "")], { type: "text/csv" }));
    el(doc, "a", { href: blobUrl, download: rejectsName(item.file_name) }).click();
  }

  function show(item) {
    const { rows_done: done, rows_total: total } = item.progress;
    const percent = item.status === "done" ? 100 : total ? Math.floor((100 * done) / total) : 0;
    const title = job.querySelector("[data-title]");
    title.textContent = title.title = `${item.dry_run ? "Dry run of" : "Import of"} ${item.file_name}`;
    const status = job.querySelector("[data-status]");
    status.textContent = STATUS[item.status] || item.status;
    status.dataset.tone = { done: "ok", failed: "error" }[item.status] || "";
    bar.setAttribute("aria-valuenow", percent);
    bar.setAttribute("aria-valuetext", `${done} of ${total} rows`);
    bar.firstElementChild.style.width = `${percent}%`;
    job.hidden = false;
    job.dataset.id = item.id;
    job.dataset.state = item.status;
    const [lines, columns] = summaryLines(item);
    const rejects = item.rejects_url
      ? button(doc, "Download rejected rows", (event) => runKeeping(event.target, () => download(item)), `Download the rejected rows of ${item.file_name}`)
      : "";
    summary.replaceChildren(...lines.map((text) => el(doc, "p", { text })), ...columns.map((text) => cut(doc, text, "line")), rejects);
  }

  const refresh = async () => fill(list, (await client.imports()).imports, row, "No imports yet.");

  /** Show `item` and poll it until it ends (or another import is shown), then list the imports again when it changed; resolves it as it ended. */
  async function follow(item, changed = false) {
    shown = item.id;
    show(item);
    while ((item.status === "queued" || item.status === "running") && shown === item.id) {
      await new Promise((resolve) => setTimeout(resolve, polling.ms));
      item = await client.importStatus(item.id);
      if (shown === item.id) show(item);
      changed = true;
    }
    if (changed) await refresh();
    return item;
  }

  /** Run `work` (buttons disabled meanwhile), then give the focus to `target` if the disabled button lost it. */
  const runKeeping = async (target, work) => {
    const result = await run(section, work);
    if (doc.activeElement === doc.body || !doc.activeElement) target.focus();
    return result;
  };

  function row(item) {
    return li(
      doc,
      [
        cut(doc, item.file_name),
        el(doc, "time", { className: "muted", text: formatDateTime(item.created_at), dateTime: item.created_at }),
        el(doc, "span", { text: outcome(item), dataset: { tone: item.status === "failed" ? "error" : "" } }),
        button(doc, "Show", () => runKeeping(job, () => follow(item)), `Show the import of ${item.file_name}`),
      ],
      { id: item.id },
    );
  }

  /** The upload's refusals with what to do. */
  function explain(error) {
    const body = error.body || {};
    if (error.status === 413 && body.limit_bytes) showLimit(body.limit_bytes);
    const hint = body.field === "file" ? " Choose a CSV file (a spreadsheet's Save as CSV) with an email column, or name it under Read columns as." : "";
    return Object.assign(new Error(error.message + hint), { body });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosenFile = file.files?.[0];
    if (!chosenFile || (limit && chosenFile.size > limit)) {
      const text = chosenFile ? `${chosenFile.name} is ${size(chosenFile.size)}; an import takes up to ${size(limit)}. ${SPLIT}` : "Choose a CSV file first.";
      note(section, text, true);
      return file.focus();
    }
    const options = {
      dryRun: dry.checked,
      ownerEmail: chosen(owner),
      map: map.value
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean),
    };
    const upload = () => client.startImport(chosenFile, options).catch((error) => Promise.reject(explain(error)));
    const ended = await run(section, async () => follow(await upload(), true), "", form);
    if (doc.activeElement === doc.body) submit.focus();
    if (ended?.status === "failed") {
      note(section, `${ended.error || "The import stopped."} Upload the file again: rows already imported come back as already a contact.`, true);
    } else if (ended?.status === "done" && ended.dry_run) {
      dry.checked = false; // the file was checked: the button now imports it
      label();
      note(section, "Dry run done: nothing was imported. Import now imports the file for real.");
    } else if (ended?.status === "done") note(section, `Import done: ${ended.summary.imported} new contact(s).`);
  });

  return {
    load: () =>
      load(
        section,
        () => Promise.all([client.config().catch(() => ({})), client.imports()]),
        ([config, { imports }]) => {
          showLimit(config.import_max_bytes);
          fill(list, imports, row, "No imports yet.");
        },
      ),
    /** Offer each member as the owner of the new contacts (the choice made stays; "" is the uploader). */
    setPeople(members) {
      const kept = chosen(owner);
      const option = (value, text) => el(doc, "option", { value, text });
      owner.replaceChildren(
        option("", `You (${me.email})`),
        ...members.filter((m) => m.id !== me.id).map((m) => option(m.email, m.name ? `${m.name} (${m.email})` : m.email)),
      );
      choose(owner, kept);
    },
  };
}
