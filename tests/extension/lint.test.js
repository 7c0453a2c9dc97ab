// The lint rules that keep email text out of HTML parsers and chrome.* behind one module.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ESLint } from "eslint";

const eslint = new ESLint();

async function problems(code, filePath) {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((message) => message.ruleId);
}

for (const code of [
  "export function f(el, s) { el.innerHTML = s; }",
  "export function f(el, s) { el.outerHTML = s; }",
  "export function f(el, s) { el.insertAdjacentHTML('beforeend', s); }",
  "export function f(s) { document.write(s); }",
]) {
  test(`writing HTML is refused: ${code}`, async () => {
    assert.ok((await problems(code, "extension/panel/x.js")).includes("no-restricted-syntax"));
  });
}

test("text is fine", async () => {
  assert.deepEqual(await problems("export function f(el, s) { el.textContent = s; }", "extension/panel/x.js"), []);
});

test("chrome.* only through shared/chrome-api.js", async () => {
  assert.ok((await problems("export const f = () => chrome.runtime.id;", "extension/panel/x.js")).includes("no-restricted-globals"));
});

test("Gmail code never calls the backend", async () => {
  assert.ok((await problems("export const f = () => fetch('/x');", "extension/gmail/x.js")).includes("no-restricted-globals"));
  assert.ok(
    (await problems('import { createBackendClient } from "../api/backend-client.js";\nexport { createBackendClient };', "extension/gmail/x.js")).includes(
      "no-restricted-imports",
    ),
  );
});

test("backend calls never touch a page", async () => {
  assert.ok((await problems("export const f = () => document.title;", "extension/api/x.js")).includes("no-restricted-globals"));
});
