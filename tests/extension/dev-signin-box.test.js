// The panel's development sign-in box says, before anyone signs in, who joins the demo organisation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

test("the development sign-in box says only @threadbook.test joins the demo organisation (backend/threadbook/seed.py DEMO_DOMAIN)", () => {
  const html = readFileSync(new URL("../../extension/panel/panel.html", import.meta.url), "utf8");
  const box = html.split('id="dev-sign-in-box"')[1].split("</form>")[0];
  assert.match(box, /Only <strong>@threadbook\.test<\/strong> addresses join the demo organisation; any other address gets a new, empty one\./);
  const seed = readFileSync(new URL("../../backend/threadbook/seed.py", import.meta.url), "utf8");
  assert.match(seed, /^DEMO_DOMAIN = "threadbook\.test"$/m);
});
