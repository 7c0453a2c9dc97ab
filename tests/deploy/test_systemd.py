"""deploy/systemd/*.service and deploy/threadbook.env.example: units systemd accepts, commands the app has.

Each unit's ExecStart is run with ``--help`` appended (gunicorn: ``--check-config``),
from this checkout in place of /opt/threadbook, so a renamed command or option
fails here rather than on a server. ``systemd-analyze verify`` checks the
directives where it is installed.
"""

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from .servers import ROOT, SECRET

UNITS = ROOT / "deploy" / "systemd"
ENV_EXAMPLE = ROOT / "deploy" / "threadbook.env.example"
INSTALLED_AT = "/opt/threadbook"
ENV_FILE = "/etc/threadbook/threadbook.env"
UNIT_FILES = sorted(UNITS.glob("*.service"))


def directives(path):
    """Every ``Name=value`` of a unit file as a list of (section, name, value), in order."""
    section, found = None, []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        name, _, value = line.partition("=")
        found.append((section, name.strip(), value.strip()))
    return found


def values(path, name):
    return [value for _, key, value in directives(path) if key == name]


def exec_start(path):
    (command,) = values(path, "ExecStart")
    return shlex.split(command)


def test_the_units_are_the_ones_the_deployment_guide_names():
    assert [unit.name for unit in UNIT_FILES] == [
        "threadbook-dropbox.service",
        "threadbook-scheduler.service",
        "threadbook-web.service",
        "threadbook-worker@.service",
    ]


@pytest.mark.parametrize("unit", UNIT_FILES, ids=lambda unit: unit.name)
def test_each_unit_runs_unprivileged_hardened_and_restarts_on_failure(unit):
    settings = {name: value for _, name, value in directives(unit)}
    assert settings["User"] == "threadbook"
    assert settings["EnvironmentFile"] == ENV_FILE
    assert settings["Restart"] == "on-failure"
    assert settings["NoNewPrivileges"] == "yes"
    assert settings["ProtectSystem"] == "strict"
    assert settings["ReadWritePaths"] == "/var/lib/threadbook"
    assert exec_start(unit)[0].startswith(INSTALLED_AT + "/.venv/bin/")


def test_exactly_one_unit_runs_the_periodic_schedule():
    workers = {unit.name: exec_start(unit) for unit in UNIT_FILES if exec_start(unit)[1:2] == ["worker"]}
    scheduling = sorted(name for name, command in workers.items() if "--no-periodic" not in command)
    assert scheduling == ["threadbook-scheduler.service"]
    assert "--no-periodic" in workers["threadbook-worker@.service"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """An environment like the env file's, on a throw-away SQLite database (``--help`` and ``--check-config`` need an app)."""
    tmp = tmp_path_factory.mktemp("units")
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT / "backend"),
        "THREADBOOK_INSTANCE_PATH": str(tmp),
        "THREADBOOK_DATABASE_URL": f"sqlite:///{tmp / 'threadbook.sqlite3'}",
        "THREADBOOK_SECRET_KEY": SECRET,
        "THREADBOOK_DEV_SIGNIN": "0",
        "THREADBOOK_BIND": "127.0.0.1:0",
    }


def here(argument, credentials):
    """An ExecStart argument as it would be on this checkout: /opt/threadbook -> ROOT, %d -> a credentials folder."""
    return argument.replace(INSTALLED_AT, str(ROOT)).replace("%d", str(credentials))


@pytest.mark.parametrize("unit", UNIT_FILES, ids=lambda unit: unit.name)
def test_each_exec_start_is_a_command_the_app_has_with_options_it_accepts(unit, env, tmp_path):
    command = [here(argument, tmp_path) for argument in exec_start(unit)]
    program = Path(command[0]).name
    if program == "gunicorn":
        check = [*command, "--check-config"]  # loads gunicorn.conf.py and the app, serves nothing
    else:
        assert program == "threadbook", f"{unit.name} runs {program}"
        check = [*command, "--help"]  # click refuses an unknown option before it prints the help
    result = subprocess.run(check, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{shlex.join(check)}:\n{result.stdout}\n{result.stderr}"
    if program == "threadbook":
        assert f"Usage: threadbook {command[1]}" in result.stdout


def test_an_option_the_command_does_not_have_fails_the_check(env, tmp_path):
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "threadbook"), "worker", "--no-such-option", "--help"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "No such option" in result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed (Debian: the systemd package)")
def test_systemd_analyze_verify_accepts_the_units_without_a_warning(tmp_path):
    (tmp_path / "threadbook.env").write_text(ENV_EXAMPLE.read_text())
    checked = []
    for unit in UNIT_FILES:  # the same files, pointing at this checkout so the programs exist
        text = unit.read_text().replace(INSTALLED_AT, str(ROOT)).replace(ENV_FILE, str(tmp_path / "threadbook.env"))
        (tmp_path / unit.name).write_text(text)
        name = unit.name.replace("@.", "@1.")  # a template is verified through an instance of it
        (tmp_path / name).write_text(text)
        checked.append(str(tmp_path / name))
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *checked], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    ours = [line for line in (result.stdout + result.stderr).splitlines() if "threadbook" in line]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr


def test_the_env_example_names_every_setting_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") : readme.index("## Architecture")]
    documented = {name for row in table.splitlines() if row.startswith("| `") for name in re.findall(r"`((?:THREADBOOK|GOOGLE)_[A-Z_]+)`", row.split("|")[1])}
    example = set(re.findall(r"^#?((?:THREADBOOK|GOOGLE)_[A-Z_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert documented - example == set()
    assert example - documented == set()


def test_the_env_example_left_unedited_refuses_to_start(tmp_path, monkeypatch):
    """Its placeholder secrets are too short to use, so a copy nobody edited cannot serve with them."""
    from threadbook import config

    for name, value in re.findall(r"^((?:THREADBOOK|GOOGLE)_[A-Z_]+)=(.*)$", ENV_EXAMPLE.read_text(), re.MULTILINE):
        monkeypatch.setenv(name, value)
    with pytest.raises(config.ConfigError, match="THREADBOOK_SECRET_KEY"):
        config.from_environment(str(tmp_path))
    monkeypatch.setenv("THREADBOOK_SECRET_KEY", SECRET)  # even with a real session secret, the placeholder encryption key is refused
    with pytest.raises(config.ConfigError, match="(?i)encryption"):
        config.check(config.from_environment(str(tmp_path)), str(tmp_path))
