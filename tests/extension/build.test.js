import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";

test("the built manifest points at files that exist in dist/", () => {
  const manifest = JSON.parse(readFileSync("dist/manifest.json", "utf8"));
  assert.equal(manifest.manifest_version, 3);
  assert.ok(existsSync(`dist/${manifest.background.service_worker}`));
});
