"""Measure the panel in Chromium: time from a conversation opening in Gmail to its participants rendered.

Runs the browser-test stack (tests/browser/harness.py: the real backend on
SQLite, the Google fakes, the Gmail page fixture) with headless Chromium and
the built dist/, signs in, then switches between conversations many times.
Each time is taken inside the pages: the Gmail fixture stamps when it opens a
conversation, the panel stamps when it has rendered the cards for it (both
Date.now(), one clock), so WebDriver's own overhead is not counted.

    npm run build && .venv/bin/python -m bench.panel [--switches 100]

Prints p50/p95/max over the switches, the lookup request's own time as the
panel saw it, and the size of dist/. Target: p95 under 150 ms.
"""

import argparse
import logging
import re
import statistics
import tempfile
import time
from pathlib import Path

from tests.browser.harness import DIST, ExtensionBrowser, Stack, launch_chrome, run_async, service_worker_running

ROOT = Path(__file__).resolve().parents[1]

PEOPLE = [
    "Ada Lovelace <ada@acme.example>",
    "Charles Babbage <charles@acme.example>",
    "Grace Hopper <grace@globex.example>",
    "Alan Turing <alan@initech.example>",
    "Katherine Johnson <katherine@nasa.example>",
    "Demo Admin <demo@threadbook.test>",
]


def mailbox(threads):
    """Conversations of three messages with four to eight participants: contacts, leads, colleagues, strangers."""
    spec = []
    for n in range(threads):
        stranger = f"Stranger {n} <person{n}@company{n}.example>"
        others = [PEOPLE[(n + k) % len(PEOPLE)] for k in range(1 + n % 4)]
        messages = [
            (stranger, ["rep@threadbook.test"], others[:1]),
            ("Rita Rep <rep@threadbook.test>", [stranger], others),
            (others[0], ["rep@threadbook.test", stranger], others[1:]),
        ]
        spec.append((f"Conversation {n}", messages))
    return spec


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def dist_bytes():
    return sum(path.stat().st_size for path in DIST.rglob("*") if path.is_file())


def panel_load_bytes():
    """What the side panel loads: its page, styles, script and the chunks that script imports (transitively)."""
    panel = DIST / "extension" / "panel"
    files = {panel / "panel.html", panel / "panel.css", DIST / "extension" / "shared" / "theme.css"}
    pending = [panel / "panel.js"]
    while pending:
        path = pending.pop()
        if path in files:
            continue
        files.add(path)
        pending += [(path.parent / ref).resolve() for ref in re.findall(r'\bfrom\s*"(\.{1,2}/[^"]+)"', path.read_text())]
    return sum(path.stat().st_size for path in files)


def measure(switches, threads):
    with tempfile.TemporaryDirectory() as workdir:
        stack = Stack(Path(workdir) / "stack", mailbox=mailbox(threads)).start()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would drown the figures
        driver = launch_chrome(stack, Path(workdir) / "chrome")
        try:
            browser = ExtensionBrowser(driver, stack)
            browser.wait(lambda: service_worker_running(driver), "the service worker")
            browser.open().sign_in()
            ids = stack.thread_ids
            # Warm up: every conversation once (first views are built, connections opened).
            for thread_id in ids:
                browser.open_thread(thread_id)
                browser.wait_thread(thread_id)
            latencies = []
            for n in range(switches):
                thread_id = ids[n % len(ids)]
                browser.open_thread(thread_id)
                opened_at = int(driver.execute_script("return document.documentElement.dataset.openedAt"))
                rendered_at = run_async(
                    browser.in_panel(),
                    """const [threadId] = args;
                    const list = document.getElementById('participants');
                    return new Promise((resolve) => {
                      const check = () => {
                        if (document.body.dataset.showing === 'thread' && list.dataset.threadId === threadId) {
                          observer.disconnect();
                          resolve(Number(list.dataset.renderedAt));
                        }
                      };
                      const observer = new MutationObserver(check);
                      observer.observe(document.body, {attributes: true, subtree: true, attributeFilter: ['data-rendered-at', 'data-showing']});
                      check();
                    });""",
                    thread_id,
                )
                latencies.append(rendered_at - opened_at)
            lookups = driver.execute_script(
                "return performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/v1/lookup')).map((e) => e.duration)"
            )
            return latencies, lookups[-switches:]
        finally:
            driver.quit()
            stack.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switches", type=int, default=100, help="conversation switches to time (default 100)")
    parser.add_argument("--threads", type=int, default=10, help="conversations to switch between (default 10)")
    args = parser.parse_args()
    started = time.monotonic()
    latencies, lookups = measure(args.switches, args.threads)
    print(f"Panel: conversation opened -> participants rendered, {len(latencies)} switches between {args.threads} conversations")
    print(
        f"  p50 {percentile(latencies, 0.5):.0f} ms   p95 {percentile(latencies, 0.95):.0f} ms   "
        f"max {max(latencies):.0f} ms   mean {statistics.mean(latencies):.1f} ms   (target: p95 < 150 ms)"
    )
    if lookups:
        print(f"  of which POST /api/v1/lookup as the panel saw it: p50 {percentile(lookups, 0.5):.1f} ms   p95 {percentile(lookups, 0.95):.1f} ms")
    print(f"Built extension (dist/): {dist_bytes()} bytes; the side panel loads {panel_load_bytes()} bytes of it")
    print(f"({time.monotonic() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
