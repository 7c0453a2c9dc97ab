// Shared helpers for the extension's node tests: fixture pages and fake chrome.* areas.
import { readFileSync } from "node:fs";
import { parseHTML } from "linkedom";

/** Parse a fixture page from tests/extension/fixtures/ into a linkedom document. */
export function fixture(name) {
  const html = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
  return parseHTML(html).document;
}

/** A stand-in for a chrome.storage area: get/set/remove/onChanged, changes reported like Chrome's. */
export function fakeStore(initial = {}) {
  const data = structuredClone(initial);
  const listeners = [];
  const notify = (changes) => {
    if (Object.keys(changes).length) for (const listener of listeners) listener(changes);
  };
  return {
    data,
    async get(keys) {
      const list = keys === undefined || keys === null ? Object.keys(data) : [].concat(keys);
      return Object.fromEntries(list.filter((key) => key in data).map((key) => [key, structuredClone(data[key])]));
    },
    async set(items) {
      const changes = {};
      for (const [key, value] of Object.entries(items)) {
        if (JSON.stringify(data[key]) === JSON.stringify(value)) continue;
        changes[key] = { oldValue: data[key], newValue: structuredClone(value) };
        data[key] = structuredClone(value);
      }
      notify(changes);
    },
    async remove(keys) {
      const changes = {};
      for (const key of [].concat(keys)) {
        if (!(key in data)) continue;
        changes[key] = { oldValue: data[key] };
        delete data[key];
      }
      notify(changes);
    },
    onChanged(listener) {
      listeners.push(listener);
    },
  };
}

/** A fetch that answers from `routes` (`"METHOD /path" -> (request) => {status, body}`) and records calls. */
export function fakeFetch(routes) {
  const calls = [];
  async function fetchImpl(url, init = {}) {
    const { pathname } = new URL(url);
    const key = `${init.method || "GET"} ${pathname}`;
    const request = { url, pathname, method: init.method || "GET", headers: init.headers || {}, body: init.body ? JSON.parse(init.body) : undefined };
    calls.push(request);
    const route = routes[key];
    if (!route) return new Response(JSON.stringify({ error: "not_found", message: `no route ${key}` }), { status: 404 });
    const answer = await route(request);
    if (answer instanceof Error) throw answer;
    const empty = answer.status === 204 || answer.body === undefined; // 204 may carry no body at all
    return new Response(empty ? null : JSON.stringify(answer.body), { status: answer.status || 200 });
  }
  fetchImpl.calls = calls;
  return fetchImpl;
}

/** Wait until all pending promise callbacks have run. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
