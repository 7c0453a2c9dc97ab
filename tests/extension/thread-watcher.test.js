// The watcher: observes the conversation container only, debounces, reports changes once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHTML } from "linkedom";
import { watchConversation } from "../../extension/gmail/thread-watcher.js";
import { readOpenThread } from "../../extension/gmail/thread-reader.js";

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function page() {
  const { document, MutationObserver } = parseHTML(
    '<html><body><div class="gb">header</div><div class="nH bkK"><div role="main" id="view"></div></div></body></html>',
  );
  const target = new EventTarget();
  const observed = [];
  class CountingObserver extends MutationObserver {
    observe(node, options) {
      observed.push(node);
      super.observe(node, options);
    }
  }
  const win = {
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    MutationObserver: CountingObserver,
    addEventListener: (...args) => target.addEventListener(...args),
    removeEventListener: (...args) => target.removeEventListener(...args),
    dispatchEvent: (event) => target.dispatchEvent(event),
  };
  document.visibilityState = "visible";
  return { document, win, observed };
}

function openThread(document, id, sender) {
  const view = document.getElementById("view");
  const heading = document.createElement("h2");
  heading.className = "hP";
  heading.setAttribute("data-legacy-thread-id", id);
  heading.textContent = `Subject ${id}`;
  const message = document.createElement("div");
  message.className = "adn";
  message.setAttribute("data-legacy-message-id", id);
  const span = document.createElement("span");
  span.className = "gD";
  span.setAttribute("email", sender);
  message.append(span);
  const conversation = document.createElement("div");
  conversation.append(heading, message);
  view.replaceChildren(conversation);
}

test("only the conversation container is observed, and a burst of changes is read once", async () => {
  const { document, win, observed } = page();
  const reports = [];
  const stop = watchConversation({ doc: document, win, read: () => readOpenThread(document), report: (value) => reports.push(value), debounceMs: 10 });
  await wait(30);
  assert.deepEqual(reports, [null], "the first read reports that no conversation is open");
  assert.deepEqual(
    observed.map((node) => node.className),
    ["nH bkK"],
  );

  openThread(document, "18aa00000000000a", "a@x.example");
  document.getElementById("view").setAttribute("style", "");
  openThread(document, "18aa00000000000a", "a@x.example");
  await wait(40);
  assert.equal(reports.length, 2);
  assert.equal(reports[1].threadId, "18aa00000000000a");

  // Changes that do not change what is read are not reported again.
  document.getElementById("view").append(document.createElement("div"));
  await wait(40);
  assert.equal(reports.length, 2);

  openThread(document, "18bb00000000000b", "b@x.example");
  await wait(40);
  assert.equal(reports.at(-1).threadId, "18bb00000000000b");

  // A change outside the container is not seen at all.
  stop();
  const countBefore = reports.length;
  openThread(document, "18cc00000000000c", "c@x.example");
  await wait(40);
  assert.equal(reports.length, countBefore);
});

test("a hash change triggers a read even without a DOM change", async () => {
  const { document, win } = page();
  let value = "first";
  const reports = [];
  const stop = watchConversation({ doc: document, win, read: () => value, report: (v) => reports.push(v), debounceMs: 5 });
  await wait(20);
  value = "second";
  win.dispatchEvent(new Event("hashchange"));
  await wait(20);
  stop();
  assert.deepEqual(reports, ["first", "second"]);
});

test("while Gmail is still loading, the container is looked for again without observing the page", async () => {
  const { document, win, observed } = page();
  document.querySelector(".bkK").remove();
  const reports = [];
  const stop = watchConversation({
    doc: document,
    win,
    read: () => document.querySelectorAll(".bkK").length,
    report: (v) => reports.push(v),
    debounceMs: 5,
    retryMs: 10,
  });
  await wait(20);
  assert.deepEqual(observed, []);
  const container = document.createElement("div");
  container.className = "nH bkK";
  document.body.append(container);
  await wait(40);
  stop();
  assert.deepEqual(reports, [0, 1]);
  assert.deepEqual(observed, [container]);
});
