"""Call the Google Tasks API (v1) for one user: their task lists, and the tasks of one list.

A thin wrapper over google-api-python-client:
``build("tasks", "v1", static_discovery=True, client_options={"api_endpoint": root})``.
Tasks' discovery document has an empty ``servicePath`` and puts the version
in each method's path (``tasks/v1/lists/{tasklist}/tasks``), so the endpoint
handed over is the root itself (``GOOGLE_TASKS_API_ROOT``, else ``GOOGLE_API_ROOT``).

Google Tasks keeps only the *date* of ``due`` (the time part is discarded:
``2026-03-02T00:00:00.000Z``). A task completed in Google's own apps becomes
``hidden``: reading completions back needs ``showHidden`` as well as
``showCompleted``. A deleted task is listed (``deleted: true``) only with
``showDeleted``.
"""

import datetime

from googleapiclient.discovery import build

from threadbook.google.client import DEFAULT_TIMEOUT, GoogleClient

TASKS_SCOPE = "https://www.googleapis.com/auth/tasks"
LIST_PAGE_SIZE = 100  # tasks.list: at most 100 a page (Google's default is 20)
LIST_PAGES = 50


def rfc3339(value):
    """Format a naive UTC datetime as Google's RFC 3339 timestamp with milliseconds."""
    return value.replace(microsecond=(value.microsecond // 1000) * 1000).isoformat(timespec="milliseconds") + "Z"


def due_value(day):
    """A date as Google Tasks' ``due`` (midnight UTC; Google keeps only the date)."""
    return f"{day.isoformat()}T00:00:00.000Z"


def parse_time(value):
    """Parse an RFC 3339 timestamp into a naive UTC datetime (None for None)."""
    if not value:
        return None
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed.astimezone(datetime.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


class GoogleTasks(GoogleClient):
    """One user's Google Tasks; ``api_seconds`` adds up the time spent waiting on Google."""

    SERVICE = "Google Tasks"

    def __init__(self, credentials, api_root, timeout=DEFAULT_TIMEOUT):
        super().__init__(credentials, timeout)
        self._service = build(
            "tasks", "v1", http=self._http, static_discovery=True, cache_discovery=False, client_options={"api_endpoint": api_root.rstrip("/") + "/"}
        )

    def task_lists(self):
        """tasklists.list, every page: the user's task lists."""
        lists, page_token = [], None
        for _ in range(LIST_PAGES):
            kwargs = {"maxResults": 1000}
            if page_token:
                kwargs["pageToken"] = page_token
            page = self._execute(self._service.tasklists().list(**kwargs))
            lists.extend(page.get("items") or [])
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        return lists

    def get_list(self, list_id):
        """tasklists.get (NotFound when the user deleted it)."""
        return self._execute(self._service.tasklists().get(tasklist=list_id))

    def insert_list(self, title):
        return self._execute(self._service.tasklists().insert(body={"title": title}))

    def tasks(self, list_id, updated_min=None):
        """tasks.list, every page: completed, hidden and deleted tasks too; only those changed since ``updated_min`` when given."""
        found, page_token = [], None
        for _ in range(LIST_PAGES):
            kwargs = {"tasklist": list_id, "showCompleted": True, "showHidden": True, "showDeleted": True, "maxResults": LIST_PAGE_SIZE}
            if updated_min is not None:
                kwargs["updatedMin"] = rfc3339(updated_min)
            if page_token:
                kwargs["pageToken"] = page_token
            page = self._execute(self._service.tasks().list(**kwargs))
            found.extend(page.get("items") or [])
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        return found

    def insert_task(self, list_id, body):
        return self._execute(self._service.tasks().insert(tasklist=list_id, body=body))

    def patch_task(self, list_id, task_id, body):
        """tasks.patch (NotFound when the task was deleted in Google)."""
        return self._execute(self._service.tasks().patch(tasklist=list_id, task=task_id, body=body))

    def delete_task(self, list_id, task_id):
        return self._execute(self._service.tasks().delete(tasklist=list_id, task=task_id))
