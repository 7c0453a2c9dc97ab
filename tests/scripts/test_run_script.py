"""``make run`` (scripts/run.sh): says where it really listens, and Ctrl-C ends it cleanly; ``make help`` names THREADBOOK_BIND.

gunicorn and the worker are stand-ins here (scripts that wait for a signal):
what is tested is the launcher, not the servers.
"""

import os
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAND_IN = """#!/usr/bin/env bash
trap 'exit 0' INT TERM
echo "$(basename "$0") started" >&2
while true; do sleep 0.1; done
"""


@pytest.fixture
def bin_dir(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("gunicorn", "threadbook"):
        path = folder / name
        path.write_text(STAND_IN)
        path.chmod(0o755)
    return folder


def start(command, cwd, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("THREADBOOK_")}
    return subprocess.Popen(
        command,
        cwd=cwd,
        env={**environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_take_ctrl_c_as_a_terminal_does,
    )


def _take_ctrl_c_as_a_terminal_does():
    # A test runner started in the background (nohup, `&` without job control) hands SIGINT down
    # ignored, and bash can neither trap nor reset a signal ignored when it started: Ctrl-C would
    # then stop nothing and these tests would wait out their timeouts.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_until_started(process, timeout=30):
    """Wait until both stand-ins have started (their lines are in the output); return the output so far."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen.append(line)
        if sum("started" in s for s in seen) == 2:
            return "".join(seen)
    raise AssertionError("the launcher did not start both processes:\n" + "".join(seen))


def ctrl_c(process):
    """What a terminal's Ctrl-C does: SIGINT to the whole foreground process group."""
    os.killpg(process.pid, signal.SIGINT)
    rest, _ = process.communicate(timeout=30)
    return rest


def test_it_prints_the_real_port_and_where_the_extension_must_point(bin_dir):
    process = start([str(ROOT / "scripts" / "run.sh"), str(bin_dir)], ROOT, THREADBOOK_BIND="127.0.0.1:8123", THREADBOOK_DEV_SIGNIN="1")
    banner = wait_until_started(process)
    rest = ctrl_c(process)
    assert "listening on 127.0.0.1:8123 (THREADBOOK_BIND); health: http://127.0.0.1:8123/healthz" in banner
    assert "set its Options -> Backend URL to http://127.0.0.1:8123" in banner
    assert "Development sign-in (@threadbook.test joins the demo organisation): on" in banner
    assert process.returncode == 0
    assert "Threadbook stopped." in rest


def test_the_default_port_needs_no_options_change(bin_dir):
    process = start([str(ROOT / "scripts" / "run.sh"), str(bin_dir)], ROOT)
    banner = wait_until_started(process)
    ctrl_c(process)
    assert "listening on 127.0.0.1:5000" in banner
    assert "default backend URL (http://127.0.0.1:5000) is this one" in banner
    assert "Development sign-in (@threadbook.test joins the demo organisation): off" in banner


@pytest.mark.parametrize("stop", ["group SIGINT", "make SIGTERM"])
def test_stopping_under_make_is_not_an_error(bin_dir, tmp_path, stop):
    makefile = tmp_path / "Makefile"
    makefile.write_text(
        textwrap.dedent(f"""\
        run:
        \t@{ROOT / "scripts" / "run.sh"} {bin_dir}
        """)
    )
    process = start(["make", "-f", str(makefile), "run"], ROOT)
    wait_until_started(process)
    if stop == "group SIGINT":
        rest = ctrl_c(process)
    else:
        os.kill(process.pid, signal.SIGTERM)  # make passes it on to the recipe
        rest, _ = process.communicate(timeout=30)
    assert "Error" not in rest and "***" not in rest, rest
    assert "Threadbook stopped." in rest


def test_a_process_that_dies_is_an_error(tmp_path, bin_dir):
    (bin_dir / "gunicorn").write_text("#!/usr/bin/env bash\necho 'gunicorn started' >&2\nsleep 0.5\nexit 3\n")
    process = start([str(ROOT / "scripts" / "run.sh"), str(bin_dir)], ROOT)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 3
    assert "a process exited (status 3); stopping the other." in output


def test_make_help_names_threadbook_bind():
    output = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout
    assert "make run" in output and "THREADBOOK_BIND" in output
    assert "THREADBOOK_BIND=host:port" in output
