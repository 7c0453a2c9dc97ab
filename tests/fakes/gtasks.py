"""A fake Google Tasks REST API (v1) for tests, in Google's JSON shapes and errors.

It answers the paths google-api-python-client builds from the root
(``<root>tasks/v1/users/@me/lists``, ``<root>tasks/v1/lists/{tasklist}/tasks``):

- ``tasklists.list`` (``maxResults`` up to 1000, ``pageToken``), ``.get``,
  ``.insert`` (a title is required), ``.delete``;
- ``tasks.list`` with ``showCompleted`` (default true), ``showHidden``
  (default false: a task completed in Google's own apps is hidden, as
  Google's are), ``showDeleted`` (default false), ``updatedMin``,
  ``dueMin``/``dueMax``, ``maxResults`` (1..100, default 20) and ``pageToken``;
- ``tasks.insert``, ``tasks.patch`` and ``tasks.delete``: ``status`` is
  ``needsAction`` or ``completed`` (anything else 400), ``completed`` is set
  when a task is completed and dropped when reopened, ``due`` keeps only its
  date (``…T00:00:00.000Z``, as Google does), each write bumps ``updated``
  and ``etag``; a deleted task stays listed (``deleted: true``) under
  ``showDeleted`` and answers 404 to a patch.

Every call checks the token's grant: reading needs ``tasks`` or
``tasks.readonly``, writing ``tasks`` (403 insufficientPermissions otherwise);
another account's list is 404. ``state.fail(rate_limited())`` (or a 403
``rateLimitExceeded``, ``user_rate_limited``) answers the next matching call
with Google's rate-limit error. A test plays the user through
``complete``, ``reopen``, ``delete`` and ``delete_list``.
"""

import base64
import contextlib
import datetime
import hashlib
import itertools
import threading

from flask import Flask, g, jsonify, request

from .google_common import (
    GoogleError,
    Grant,
    InjectedFailures,
    answer_errors_as_google,
    authorised_grant,
    insufficient_scope,
    not_found,
    scope,
    token_account,
)

TASKS = scope("tasks")
READ = {TASKS, scope("tasks.readonly")}
WRITE = {TASKS}
STATUSES = ("needsAction", "completed")


def _now():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def stamp(moment):
    return moment.isoformat(timespec="milliseconds") + "Z"


def parse_time(value, name):
    try:
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise GoogleError(400, f"Invalid value for: {name}", "invalid") from None
    if parsed.tzinfo is None:
        raise GoogleError(400, f"Invalid value for: {name}", "invalid")
    return parsed.astimezone(datetime.UTC).replace(tzinfo=None)


def user_rate_limited():
    """Google's 403 form of a rate limit (usageLimits rateLimitExceeded)."""
    return GoogleError(403, "Rate Limit Exceeded", "rateLimitExceeded", domain="usageLimits")


def _token(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _untoken(value):
    try:
        return int(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        raise GoogleError(400, "Invalid page token.", "invalid") from None


class TasksState(InjectedFailures):
    """Accounts' task lists and tasks, tokens, injected failures and a call log, shared with the test."""

    def __init__(self):
        self.lock = threading.RLock()
        self.lists = {}  # list id -> {"id", "title", "owner", "updated", "tasks": {id: task}}
        self.grants = {}
        self.failures = []
        self.calls = []  # (method, path, query string)
        self.account_calls = []  # (account or None, method, path)
        self._ids = itertools.count(1)

    def reset(self):
        with self.lock:
            self.__init__()

    # -- what a test does in Google's place --------------------------------
    def grant(self, token_value, address, scopes=("tasks",)):
        self.grants[token_value] = Grant(address.lower(), frozenset(scope(s) for s in scopes))

    def expire(self, token_value):
        self.grants[token_value].expired = True

    def calls_for(self, account):
        return [(m, path) for who, m, path in self.account_calls if who == account.lower()]

    def lists_of(self, address):
        return [tl for tl in self.lists.values() if tl["owner"] == address.lower()]

    def add_list(self, address, title):
        with self.lock:
            list_id = self._new_id("L")
            self.lists[list_id] = {"id": list_id, "title": title, "owner": address.lower(), "updated": _now(), "tasks": {}}
            return self.lists[list_id]

    def tasks_in(self, address, title="Threadbook", deleted=False):
        """The tasks of ``address``'s list named ``title`` (not deleted ones unless asked), as Google answers them."""
        found = [tl for tl in self.lists_of(address) if tl["title"] == title]
        return [public(t) for tl in found for t in tl["tasks"].values() if deleted or not t.get("deleted")]

    def find(self, address, title):
        """The task of ``address`` with this title (in any of their lists)."""
        for tl in self.lists_of(address):
            for task in tl["tasks"].values():
                if task["title"] == title and not task.get("deleted"):
                    return task
        raise KeyError(title)

    def complete(self, address, title):
        """The user ticks the task in Google Tasks: completed, and hidden (as Google's own apps do)."""
        with self.lock:
            task = self.find(address, title)
            task.update(status="completed", completed=stamp(_now()), hidden=True)
            self._touch(task)

    def edit(self, address, current_title, **fields):
        """The user edits the task in Google Tasks: ``title``, ``notes``, ``due`` (RFC 3339, or None to remove it)."""
        with self.lock:
            task = self.find(address, current_title)
            _apply(task, fields)
            self._touch(task)

    def reopen(self, address, title):
        with self.lock:
            task = self.find(address, title)
            task["status"] = "needsAction"
            task.pop("completed", None)
            task.pop("hidden", None)
            self._touch(task)

    def delete(self, address, title):
        with self.lock:
            task = self.find(address, title)
            task["deleted"] = True
            self._touch(task)

    def delete_list(self, address, title="Threadbook"):
        with self.lock:
            for tl in self.lists_of(address):
                if tl["title"] == title:
                    del self.lists[tl["id"]]

    # -- internals -----------------------------------------------------------
    def _new_id(self, prefix):
        digest = hashlib.sha256(f"{prefix}{next(self._ids)}".encode()).digest()
        return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")

    def _touch(self, task):
        task["_updated"] = _now()
        task["updated"] = stamp(task["_updated"])
        task["etag"] = '"' + hashlib.md5(f"{task['id']}{task['updated']}{task.get('status')}".encode()).hexdigest() + '"'  # noqa: S324 (an etag, not security)


def public(task):
    return {k: v for k, v in task.items() if not k.startswith("_")}


def _list_json(tl):
    return {
        "kind": "tasks#taskList",
        "id": tl["id"],
        "etag": f'"{tl["id"]}"',
        "title": tl["title"],
        "updated": stamp(tl["updated"]),
        "selfLink": f"https://www.googleapis.com/tasks/v1/users/@me/lists/{tl['id']}",
    }


def _flag(name, default):
    value = request.args.get(name)
    if value is None:
        return default
    if value not in ("true", "false"):
        raise GoogleError(400, f"Invalid value for: {name}", "invalid")
    return value == "true"


def _size(default, largest):
    try:
        value = int(request.args.get("maxResults", default))
    except ValueError:
        raise GoogleError(400, "Invalid value for: maxResults", "invalid") from None
    if value < 1:
        raise GoogleError(400, "Invalid value for: maxResults", "invalid")
    return min(value, largest)


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise GoogleError(400, "Invalid JSON payload received.", "parseError")
    return body


def _apply(task, body):
    """Write a task resource's fields as Google does."""
    for key in ("title", "notes"):
        if key in body:
            if body[key] is not None and not isinstance(body[key], str):
                raise GoogleError(400, f"Invalid value at 'task.{key}'", "invalid")
            task[key] = body[key] or ""
    if "due" in body:
        if body["due"] is None:
            task.pop("due", None)
        else:
            task["due"] = stamp(datetime.datetime.combine(parse_time(body["due"], "due").date(), datetime.time()))
    if "status" in body:
        if body["status"] not in STATUSES:
            raise GoogleError(400, "Invalid value for: status", "invalid")
        task["status"] = body["status"]
    if task.get("status") == "completed":
        if body.get("completed"):
            task["completed"] = stamp(parse_time(body["completed"], "completed"))
        elif not task.get("completed"):
            task["completed"] = stamp(_now())
    else:
        task.pop("completed", None)
        task.pop("hidden", None)


def create_app(state):
    app = Flask("fake_google_tasks")
    answer_errors_as_google(app)

    def route(rule, methods=("GET",), needs=READ):
        def decorate(view):
            def wrapper(**kwargs):
                state.calls.append((request.method, request.path, request.query_string.decode()))
                state.account_calls.append((token_account(state), request.method, request.path))
                grant = authorised_grant(state)
                if not grant.scopes & needs:
                    raise insufficient_scope("tasks.googleapis.com", "google.apps.tasks.v1.TasksService." + view.__name__)
                g.grant = grant
                with state.lock:
                    if "tasklist" in kwargs:
                        tl = state.lists.get(kwargs["tasklist"])
                        if tl is None or tl["owner"] != grant.mailbox:
                            raise not_found()
                        kwargs["tasklist"] = tl
                    return view(**kwargs)

            wrapper.__name__ = view.__name__
            app.add_url_rule("/tasks/v1" + rule, view.__name__, wrapper, methods=list(methods))
            return view

        return decorate

    @route("/users/@me/lists")
    def ListTaskLists():
        mine = sorted(state.lists_of(g.grant.mailbox), key=lambda tl: tl["updated"])
        size = _size(1000, 1000)
        offset = _untoken(request.args["pageToken"]) if request.args.get("pageToken") else 0
        body = {"kind": "tasks#taskLists", "etag": '"lists"', "items": [_list_json(tl) for tl in mine[offset : offset + size]]}
        if offset + size < len(mine):
            body["nextPageToken"] = _token(str(offset + size))
        return jsonify(body)

    @route("/users/@me/lists", methods=("POST",), needs=WRITE)
    def InsertTaskList():
        title = _body().get("title")
        if not isinstance(title, str) or not title.strip():
            raise GoogleError(400, "Invalid task list title.", "invalid")
        return jsonify(_list_json(state.add_list(g.grant.mailbox, title)))

    @route("/users/@me/lists/<tasklist>")
    def GetTaskList(tasklist):
        return jsonify(_list_json(tasklist))

    @route("/users/@me/lists/<tasklist>", methods=("DELETE",), needs=WRITE)
    def DeleteTaskList(tasklist):
        del state.lists[tasklist["id"]]
        return "", 204

    @route("/lists/<tasklist>/tasks")
    def ListTasks(tasklist):
        show_completed, show_hidden, show_deleted = _flag("showCompleted", True), _flag("showHidden", False), _flag("showDeleted", False)
        updated_min = parse_time(request.args["updatedMin"], "updatedMin") if request.args.get("updatedMin") else None
        due_min = parse_time(request.args["dueMin"], "dueMin") if request.args.get("dueMin") else None
        due_max = parse_time(request.args["dueMax"], "dueMax") if request.args.get("dueMax") else None
        selected = []
        for task in sorted(tasklist["tasks"].values(), key=lambda t: t["_position"]):
            if task.get("deleted") and not show_deleted:
                continue
            if task.get("status") == "completed" and not show_completed:
                continue
            if task.get("hidden") and not show_hidden:
                continue
            if updated_min is not None and task["_updated"] < updated_min:
                continue
            due = parse_time(task["due"], "due") if task.get("due") else None
            if (due_min and (due is None or due < due_min)) or (due_max and (due is None or due >= due_max)):
                continue
            selected.append(public(task))
        size = _size(20, 100)
        offset = _untoken(request.args["pageToken"]) if request.args.get("pageToken") else 0
        body = {"kind": "tasks#tasks", "etag": f'"{len(selected)}"', "items": selected[offset : offset + size]}
        if offset + size < len(selected):
            body["nextPageToken"] = _token(str(offset + size))
        return jsonify(body)

    @route("/lists/<tasklist>/tasks", methods=("POST",), needs=WRITE)
    def InsertTask(tasklist):
        body = _body()
        task_id = state._new_id("T")
        task = {"kind": "tasks#task", "id": task_id, "title": "", "status": "needsAction", "_position": len(tasklist["tasks"])}
        task["selfLink"] = f"https://www.googleapis.com/tasks/v1/lists/{tasklist['id']}/tasks/{task_id}"
        task["position"] = f"{task['_position']:020d}"
        _apply(task, body)
        state._touch(task)
        tasklist["tasks"][task_id] = task
        return jsonify(public(task))

    def _task(tasklist, task_id):
        task = tasklist["tasks"].get(task_id)
        if task is None or task.get("deleted"):
            raise not_found()
        return task

    @route("/lists/<tasklist>/tasks/<task_id>")
    def GetTask(tasklist, task_id):
        task = tasklist["tasks"].get(task_id)
        if task is None:
            raise not_found()
        return jsonify(public(task))

    @route("/lists/<tasklist>/tasks/<task_id>", methods=("PATCH",), needs=WRITE)
    def PatchTask(tasklist, task_id):
        task = _task(tasklist, task_id)
        _apply(task, _body())
        state._touch(task)
        return jsonify(public(task))

    @route("/lists/<tasklist>/tasks/<task_id>", methods=("DELETE",), needs=WRITE)
    def DeleteTask(tasklist, task_id):
        task = _task(tasklist, task_id)
        task["deleted"] = True
        state._touch(task)
        return "", 204

    return app


@contextlib.contextmanager
def running_fake_tasks():
    """Serve a fake Google Tasks on a local port; yields the state with ``root`` set (GOOGLE_TASKS_API_ROOT)."""
    from .server import ServerThread

    state = TasksState()
    with ServerThread(create_app(state)) as server:
        state.root = server.url + "/"
        yield state
