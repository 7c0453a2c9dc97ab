/**
 * The organisation's blocklist: addresses and domains whose mail is never synced, for everyone.
 *
 * GET /api/v1/blocklist lists the caller's own entries too; this page shows
 * and adds the organisation's (`scope: "org"`) only.
 */

import { el } from "../panel/views/form-kit.js";
import { button, cut, fill, li, load, run } from "./section-kit.js";

export function blocklistSection(section, client) {
  const doc = section.ownerDocument;
  const list = section.querySelector("ul");
  const form = section.querySelector("form");
  const input = form.querySelector("input");

  function entryRow(entry) {
    const unblock = async () => {
      await client.unblock(entry.id);
      await refresh();
    };
    return li(
      doc,
      [
        cut(doc, entry.pattern),
        el(doc, "span", { className: "muted", text: entry.kind }),
        button(doc, "Remove", () => run(section, unblock, `${entry.pattern} is no longer blocked.`), `Remove ${entry.pattern} from the blocklist`),
      ],
      { id: entry.id },
    );
  }

  const show = ({ entries }) =>
    fill(
      list,
      entries.filter((entry) => entry.scope === "org"),
      entryRow,
      "Nothing is blocked.",
    );
  const refresh = async () => show(await client.blocklist());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const pattern = input.value.trim();
    const block = async () => {
      await client.block(pattern, "org");
      await refresh();
    };
    if (await run(section, block, `${pattern} is blocked: its mail is no longer synced.`, form)) input.value = "";
  });

  return { load: () => load(section, client.blocklist, show) };
}
