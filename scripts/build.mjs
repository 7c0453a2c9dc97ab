// Write a loadable extension into dist/: the manifest and only the files it reaches.
//
// Each page's module script, the service worker and the Gmail content script
// are bundled by esbuild into one file at their own path (the content script
// as a classic script, as Chrome requires), minified, with names shortened
// across modules. HTML and CSS are copied following their references (CSS
// minified). `npm run build:dev` (THREADBOOK_BUILD_DEV=1) keeps the code
// readable and writes source maps beside it. Icons are drawn here.
import { build, transform } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { PANEL_PATH } from "../extension/background/side-panel.js";
import { drawIcon } from "./icons.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = process.env.THREADBOOK_BUILD_OUT || join(root, "dist");
const dev = process.env.THREADBOOK_BUILD_DEV === "1";

/** Relative references an HTML or CSS file makes to other files: scripts, src/href, url(). */
function referencesOf(path, text) {
  const patterns =
    {
      ".html": [/\b(?:src|href)\s*=\s*["']([^"'#?]+)["']/g],
      ".css": [/url\(\s*["']?([^"')#?]+)["']?\s*\)/g],
    }[posix.extname(path)] || [];
  const found = [];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]);
  return found.filter((ref) => !/^[a-z][a-z0-9+.-]*:/i.test(ref) && !ref.startsWith("//"));
}

/**
 * Bundle scripts (and what they import) into dist/, each at its own path.
 * Modules shared by several entry points go once into a chunk under `extension/chunks/`.
 */
async function bundle(paths, format) {
  await build({
    entryPoints: paths.map((path) => join(root, path)),
    outdir: join(dist, "extension"),
    outbase: join(root, "extension"),
    chunkNames: "chunks/[name]-[hash]",
    splitting: format === "esm",
    bundle: true,
    format,
    platform: "browser",
    target: ["chrome116"],
    charset: "utf8",
    legalComments: "none",
    minify: !dev,
    sourcemap: dev ? "linked" : false,
    logLevel: "warning",
  });
}

/** Copy pages and styles from `entries` following their references; bundle the scripts they load. */
async function copyReachable(entries) {
  const pending = [...entries];
  const seen = new Set();
  const scripts = [];
  while (pending.length) {
    const path = pending.pop();
    if (seen.has(path)) continue;
    seen.add(path);
    if (path.endsWith(".js")) {
      scripts.push(path);
      continue;
    }
    const source = join(root, path);
    let text;
    try {
      text = readFileSync(source, "utf8");
    } catch {
      throw new Error(`${path} is referenced but does not exist`);
    }
    mkdirSync(dirname(join(dist, path)), { recursive: true });
    if (path.endsWith(".css") && !dev) {
      const { code } = await transform(text, { loader: "css", minify: true, target: ["chrome116"], charset: "utf8", legalComments: "none" });
      writeFileSync(join(dist, path), code);
    } else if (path.endsWith(".html") && !dev) {
      // Comments and indentation go; a line break stays wherever there was one, so text reads the same.
      writeFileSync(join(dist, path), text.replace(/<!--[\s\S]*?-->/g, "").replace(/\n\s+/g, "\n"));
    } else {
      copyFileSync(source, join(dist, path));
    }
    for (const ref of referencesOf(path, text)) pending.push(posix.normalize(posix.join(posix.dirname(path), ref)));
  }
  await bundle(scripts, "esm");
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

await copyReachable([manifest.background.service_worker, manifest.options_ui.page, PANEL_PATH]);
await bundle(
  manifest.content_scripts.flatMap((entry) => entry.js),
  "iife",
);

// Chrome refuses "Load unpacked" on a folder holding names that start with "_".
const files = filesUnder(dist).map((path) => relative(dist, path));
const reserved = files.filter((path) => path.split("/").some((part) => part.startsWith("_")));
if (reserved.length) throw new Error(`dist/ holds names Chrome refuses: ${reserved.join(", ")}`);
const bytes = files.reduce((sum, path) => sum + statSync(join(dist, path)).size, 0);
console.log(`Built the extension into ${relative(process.cwd(), dist) || dist}: ${files.length} files, ${bytes} bytes.`);
