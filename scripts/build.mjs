// Write a loadable extension into dist/: the manifest and only the files it reaches.
//
// Extension pages and the service worker are ES modules, copied following
// their imports from the entry points, then minified one file at a time (so
// every import still names a file; THREADBOOK_BUILD_MINIFY=0 keeps them
// readable for debugging). The Gmail content script must be one classic
// script, so esbuild bundles it. Icons are drawn here.
import { build, transform } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { PANEL_PATH } from "../extension/background/side-panel.js";
import { ADMIN_PATH } from "../extension/shared/chrome-api.js";
import { drawIcon } from "./icons.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");

/** Relative references a file makes to other files: imports, src/href, url(). */
function referencesOf(path, text) {
  const patterns =
    {
      ".js": [/\bimport\s[^"'`;]*?from\s*["']([^"']+)["']/g, /\bimport\s*["']([^"']+)["']/g, /\bimport\(\s*["']([^"']+)["']\s*\)/g],
      ".html": [/\b(?:src|href)\s*=\s*["']([^"'#?]+)["']/g],
      ".css": [/url\(\s*["']?([^"')#?]+)["']?\s*\)/g],
    }[posix.extname(path)] || [];
  const found = [];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]);
  return found.filter((ref) => !/^[a-z][a-z0-9+.-]*:/i.test(ref) && !ref.startsWith("//"));
}

/** Copy `entry` and everything it references (transitively) from the source tree into dist/. */
function copyReachable(entries) {
  const pending = [...entries];
  const seen = new Set();
  while (pending.length) {
    const path = pending.pop();
    if (seen.has(path)) continue;
    seen.add(path);
    const source = join(root, path);
    let text;
    try {
      text = readFileSync(source, "utf8");
    } catch {
      throw new Error(`${path} is referenced but does not exist`);
    }
    mkdirSync(dirname(join(dist, path)), { recursive: true });
    copyFileSync(source, join(dist, path));
    for (const ref of referencesOf(path, text)) pending.push(posix.normalize(posix.join(posix.dirname(path), ref)));
  }
  return seen;
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));
writeFileSync(join(dist, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);

for (const [size, path] of Object.entries(manifest.icons)) {
  mkdirSync(dirname(join(dist, path)), { recursive: true });
  writeFileSync(join(dist, path), drawIcon(Number(size)));
}

copyReachable([manifest.background.service_worker, manifest.options_ui.page, PANEL_PATH, ADMIN_PATH]);

for (const script of manifest.content_scripts.flatMap((entry) => entry.js)) {
  await build({
    entryPoints: [join(root, script)],
    outfile: join(dist, script),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["chrome116"],
    charset: "utf8",
    legalComments: "none",
    minify: process.env.THREADBOOK_BUILD_MINIFY !== "0",
    logLevel: "warning",
  });
}

/** A page without its indentation: each line break and the spaces after it become one line break (same rendering), except inside <pre> and <textarea>. */
const unindentHtml = (html) =>
  html
    .split(/(<(?:pre|textarea)\b[\s\S]*?<\/(?:pre|textarea)>)/)
    .map((part, index) => (index % 2 ? part : part.replace(/\n\s+/g, "\n")))
    .join("");

// Minify what was copied as it is: comments and whitespace go, local names shorten, exports keep their names.
const minify = process.env.THREADBOOK_BUILD_MINIFY !== "0";
const contentScripts = new Set(manifest.content_scripts.flatMap((entry) => entry.js));
for (const path of filesUnder(dist).map((file) => relative(dist, file))) {
  if (minify && path.endsWith(".html")) writeFileSync(join(dist, path), unindentHtml(readFileSync(join(dist, path), "utf8")));
  const loader = { ".js": "js", ".css": "css" }[posix.extname(path)];
  if (!minify || !loader || contentScripts.has(path)) continue;
  const source = readFileSync(join(dist, path), "utf8");
  const { code } = await transform(source, { loader, minify: true, target: ["chrome116"], charset: "utf8", legalComments: "none", sourcefile: path });
  writeFileSync(join(dist, path), code);
}

// Chrome refuses "Load unpacked" on a folder holding names that start with "_".
const files = filesUnder(dist).map((path) => relative(dist, path));
const reserved = files.filter((path) => path.split("/").some((part) => part.startsWith("_")));
if (reserved.length) throw new Error(`dist/ holds names Chrome refuses: ${reserved.join(", ")}`);
const bytes = files.reduce((sum, path) => sum + statSync(join(dist, path)).size, 0);
console.log(`Built the extension into ${relative(process.cwd(), dist) || dist}: ${files.length} files, ${bytes} bytes.`);
