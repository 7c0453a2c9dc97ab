"""A CRM task as a Google task's fields, and what of a Google task comes back: completion, title, notes, due date."""

import datetime

from threadbook.crm.tasks import MAX_NOTES, MAX_TITLE
from threadbook.google.tasks import due_value, parse_time, rfc3339

LIST_TITLE = "Threadbook"


def _time_line(due_time):
    return f"Due at {due_time} (Threadbook)"


def google_body(task):
    """The fields Threadbook owns in the Google copy: title, notes (with the time of day, which Google cannot keep), due, status."""
    notes = task.notes or ""
    if task.due_time:
        notes = (notes + "\n\n" if notes else "") + _time_line(task.due_time)
    body = {"title": task.title, "notes": notes, "due": due_value(task.due_date) if task.due_date else None}
    if task.done:
        body["status"] = "completed"
        if task.done_at:
            body["completed"] = rfc3339(task.done_at)
    else:
        body["status"] = "needsAction"
        body["completed"] = None  # Google keeps the old completion time unless told to clear it
    return body


def completion(google_task):
    """(done, when) as Google says; when is None for an open task."""
    done = google_task.get("status") == "completed"
    return done, parse_time(google_task.get("completed")) if done else None


def edited_fields(google_task, task):
    """The CRM values of ``task`` that its Google copy now holds differently: {title?, notes?, due_date?, due_time?}.

    Reads back what a person can edit in Google Tasks. The "Due at HH:MM" line
    Threadbook adds to the notes is taken off again; an emptied title keeps the
    CRM's (a task has one); a date moved keeps the time of day, a date removed
    removes it. Longer than the CRM allows is cut to fit.
    """
    changed = {}
    title = (google_task.get("title") or "").strip()[:MAX_TITLE]
    if title and title != task.title:
        changed["title"] = title
    notes = google_task.get("notes") or ""
    if task.due_time:
        for suffix in ("\n\n" + _time_line(task.due_time), _time_line(task.due_time)):
            if notes.endswith(suffix):
                notes = notes[: -len(suffix)]
                break
    notes = notes[:MAX_NOTES]
    if notes != (task.notes or ""):
        changed["notes"] = notes
    due = google_task.get("due")
    due_date = datetime.date.fromisoformat(due[:10]) if due else None
    if due_date != task.due_date:
        changed["due_date"] = due_date
        if due_date is None and task.due_time:
            changed["due_time"] = None
    return changed


def copy_differs(task, google_task):
    """Whether Google's copy holds other than what the CRM task would push (an emptied title kept, a value cut to fit)."""
    body = google_body(task)
    due = google_task.get("due")
    return (
        body["title"] != (google_task.get("title") or "") or body["notes"] != (google_task.get("notes") or "") or (body["due"] or "")[:10] != (due or "")[:10]
    )
