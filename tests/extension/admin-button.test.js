// The way to the admin page: an "Admin page" button on the panel's Account screen, for administrators only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";
import { createAccountController } from "../../extension/panel/account-controller.js";
import { createAccountView } from "../../extension/panel/views/account-view.js";
import { ADMIN_PATH } from "../../extension/shared/chrome-api.js";
import { settle } from "./helpers.js";

const HTML = readFileSync(new URL("../../extension/panel/panel.html", import.meta.url), "utf8");

async function account(role) {
  const { document } = parseHTML(HTML);
  const view = createAccountView(document);
  const opened = [];
  const me = { user: { id: 1, email: "x@acme.example", role, default_visibility: null }, org: { id: 1, default_visibility: "team_metadata" } };
  const client = { mailbox: async () => ({ status: "not_connected", connected: false }), dropbox: async () => ({ address: null }), me: async () => me };
  const controller = createAccountController({
    view,
    getClient: () => client,
    send: async () => ({ ok: true }),
    copyText: async () => {},
    openAdminPage: () => opened.push(true),
  });
  view.bind(controller);
  await controller.open();
  await settle();
  return { button: document.getElementById("open-admin"), opened };
}

test("an administrator's Account screen offers the admin page, which opens in a tab", async () => {
  const { button, opened } = await account("admin");
  assert.equal(button.hidden, false);
  assert.equal(button.textContent, "Admin page");
  assert.equal(button.getAttribute("type"), "button");
  button.click();
  assert.deepEqual(opened, [true]);
});

test("a member's does not", async () => {
  const { button } = await account("member");
  assert.equal(button.hidden, true);
});

test("the admin page is built into dist/ sharing the panel's modules (one chunk both import), not copies of them", () => {
  const built = readFileSync(`dist/${ADMIN_PATH}`, "utf8");
  assert.match(built, /<script type="module" src="admin\.js"><\/script>/);
  const chunksOf = (path) => new Set([...readFileSync(path, "utf8").matchAll(/from\s*"\.\.\/chunks\/([^"]+)"/g)].map((m) => m[1]));
  const admin = chunksOf("dist/extension/admin/admin.js");
  const panel = chunksOf("dist/extension/panel/panel.js");
  assert.ok(
    [...admin].some((chunk) => panel.has(chunk)),
    `admin imports ${[...admin]}, panel ${[...panel]}`,
  );
});
