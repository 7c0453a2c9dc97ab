// Write a loadable extension into dist/: the manifest and only the files it needs.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));
writeFileSync(join(dist, "manifest.json"), JSON.stringify(manifest, null, 2));
// Chrome refuses "Load unpacked" on a folder holding names that start with "_".
cpSync(join(root, "extension"), join(dist, "extension"), {
  recursive: true,
  filter: (src) => !src.split("/").pop().startsWith("_") && !src.endsWith(".test.js"),
});
console.log(`Built the extension into ${dist}`);
