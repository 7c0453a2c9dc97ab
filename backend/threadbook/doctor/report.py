"""One check's outcome, and the report ``threadbook doctor`` prints."""

import dataclasses

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
_MARKS = {OK: "ok  ", WARN: "warn", FAIL: "FAIL", SKIP: "skip"}


@dataclasses.dataclass(frozen=True)
class Check:
    """What was checked (``name``), how it went, what was found, and what to do about it (``fix``: the setting and an example)."""

    name: str
    status: str
    detail: str
    fix: str = ""


def ok(name, detail):
    return Check(name, OK, detail)


def warn(name, detail, fix=""):
    return Check(name, WARN, detail, fix)


def fail(name, detail, fix=""):
    return Check(name, FAIL, detail, fix)


def skip(name, detail):
    return Check(name, SKIP, detail)


def lines(checks):
    """The report as text lines: one per check, its fix indented below it, then a summary."""
    out = []
    for check in checks:
        out.append(f"[{_MARKS[check.status]}] {check.name}: {check.detail}")
        if check.fix:
            out.extend(f"         fix: {line}" if i == 0 else f"              {line}" for i, line in enumerate(check.fix.splitlines()))
    failed = sum(c.status == FAIL for c in checks)
    warned = sum(c.status == WARN for c in checks)
    if failed:
        out.append(f"{failed} check(s) failed, {warned} warning(s): fix the FAIL lines above, then run `threadbook doctor` again.")
    else:
        out.append(f"No check failed ({warned} warning(s)).")
    return out


def failed(checks):
    return any(c.status == FAIL for c in checks)
