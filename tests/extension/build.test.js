// The built extension in dist/ (run `npm run build` first): loadable, least privilege, no remote code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Script } from "node:vm";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";

const manifest = JSON.parse(readFileSync("dist/manifest.json", "utf8"));
const files = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
const built = files("dist").map((path) => path.slice("dist/".length));

/** The id Chrome gives an unpacked extension with this manifest key. */
function extensionId(key) {
  const hash = createHash("sha256").update(Buffer.from(key, "base64")).digest("hex").slice(0, 32);
  return [...hash].map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 16))).join("");
}

test("the manifest keeps its key, so the extension keeps the id the backend allows", () => {
  assert.equal(manifest.manifest_version, 3);
  assert.equal(extensionId(manifest.key), "jkepanmacpnmjgfgkefaagampdbnmmal");
});

test("least privilege: five permissions, Gmail and the default backend, the default content security policy", () => {
  assert.deepEqual(manifest.permissions, ["sidePanel", "storage", "identity", "alarms", "notifications"]);
  assert.deepEqual(manifest.host_permissions, ["https://mail.google.com/*", "http://127.0.0.1:5000/*"]);
  assert.ok(!("content_security_policy" in manifest));
  assert.ok(!("web_accessible_resources" in manifest), "nothing of the extension is exposed to web pages");
  assert.deepEqual(
    manifest.content_scripts.map((c) => c.matches),
    [["https://mail.google.com/*"]],
  );
});

test("every file the manifest names is in dist/, and dist/ holds no name Chrome refuses", () => {
  const named = [
    manifest.background.service_worker,
    manifest.options_ui.page,
    ...manifest.content_scripts.flatMap((c) => c.js),
    ...Object.values(manifest.icons),
    ...Object.values(manifest.action.default_icon),
    "extension/panel/panel.html",
  ];
  for (const path of named) assert.ok(existsSync(`dist/${path}`), `${path} missing`);
  assert.deepEqual(
    built.filter((path) => path.split("/").some((part) => part.startsWith("_"))),
    [],
  );
});

test("only what the extension needs: no sources the bundle replaced, no tests, no tooling", () => {
  assert.ok(!built.includes("extension/gmail/selectors.js"));
  assert.ok(!built.includes("extension/gmail/thread-reader.js"));
  assert.ok(
    built.every((path) => path === "manifest.json" || path.startsWith("extension/")),
    built.join(", "),
  );
  assert.ok(!built.some((path) => /\.(test\.js|md|map)$/.test(path)));
});

test("the content script is one classic script that never calls the backend nor writes HTML", () => {
  const code = readFileSync(`dist/${manifest.content_scripts[0].js[0]}`, "utf8");
  assert.doesNotThrow(() => new Script(code), "a classic script (no import/export)");
  assert.ok(!/\bfetch\(|XMLHttpRequest/.test(code));
  assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML/.test(code));
});

test("no remote code: pages load only the extension's own scripts", () => {
  for (const path of built.filter((p) => p.endsWith(".html"))) {
    const html = readFileSync(`dist/${path}`, "utf8");
    for (const [, src] of html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) assert.ok(!/^(https?:)?\/\//.test(src), `${path} loads ${src}`);
    assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>\s*\S/.test(html), `${path} has an inline script`);
  }
  for (const path of built.filter((p) => p.endsWith(".js"))) {
    const code = readFileSync(`dist/${path}`, "utf8");
    assert.ok(!/\beval\(|new Function\(|importScripts\(/.test(code), path);
    assert.ok(!/import\(\s*["']https?:/.test(code), path);
  }
});

test("the scripts and styles are bundled and minified: no comments, every import resolves inside dist/", () => {
  for (const path of built.filter((p) => /\.(js|css)$/.test(p))) {
    const text = readFileSync(`dist/${path}`, "utf8");
    assert.ok(!/^\s*(\/\/|\/\*\*)/m.test(text), `${path} still holds comment lines`);
    assert.ok(text.split("\n").length <= 3, `${path} is not minified`);
    for (const [, ref] of text.matchAll(/\bfrom\s*"(\.{1,2}\/[^"]+)"/g)) {
      assert.ok(existsSync(join("dist", path, "..", ref)), `${path} imports ${ref}, which is not in dist/`);
    }
  }
  // Bundled: the panel's own modules are inside panel.js, not copied beside it.
  assert.ok(!built.includes("extension/panel/panel-view.js"));
  assert.ok(!built.includes("extension/panel/views/participant-card.js"));
});

/** What a page loads: the page, the styles and scripts it names, and the chunks those scripts import (transitively). */
function pageLoad(page) {
  const files = new Set();
  const pending = [page];
  while (pending.length) {
    const path = pending.pop();
    if (files.has(path)) continue;
    files.add(path);
    const text = readFileSync(`dist/${path}`, "utf8");
    const refs = path.endsWith(".html")
      ? [...text.matchAll(/\b(?:src|href)="([^"#?:]+)"/g)].map((m) => m[1])
      : [...text.matchAll(/\bfrom\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
    for (const ref of refs) pending.push(join(path, "..", ref));
  }
  return [...files].reduce((sum, path) => sum + statSync(join("dist", path)).size, 0);
}

// Each page within what its user pays: the side panel opens beside every Gmail window; the admin page only when an
// administrator opens it; the whole of dist/ is what installing downloads.
test("budgets: the side panel loads under 100 KiB, the admin page under 100 KiB, all of dist/ under 200 KiB", () => {
  const panel = pageLoad("extension/panel/panel.html");
  assert.ok(panel < 100 * 1024, `the side panel loads ${panel} bytes`);
  const admin = pageLoad("extension/admin/admin.html");
  assert.ok(admin < 100 * 1024, `the admin page loads ${admin} bytes`);
  const bytes = built.reduce((sum, path) => sum + statSync(join("dist", path)).size, 0);
  assert.ok(bytes < 200 * 1024, `dist/ is ${bytes} bytes`);
});

test("the development build keeps code readable and writes a source map for each script", () => {
  const out = mkdtempSync(join(tmpdir(), "threadbook-dev-build-"));
  try {
    execFileSync(process.execPath, ["scripts/build.mjs"], { env: { ...process.env, THREADBOOK_BUILD_DEV: "1", THREADBOOK_BUILD_OUT: out }, stdio: "pipe" });
    const panel = readFileSync(join(out, "extension/panel/panel.js"), "utf8");
    assert.ok(panel.split("\n").length > 100, "not minified");
    assert.match(panel, /\/\/# sourceMappingURL=panel\.js\.map/);
    const map = JSON.parse(readFileSync(join(out, "extension/panel/panel.js.map"), "utf8"));
    assert.ok(map.sources.some((source) => source.endsWith("extension/panel/panel-view.js")));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
