"""A CRM task as a Google task's fields, and what of a Google task comes back (completion only)."""

from threadbook.google.tasks import due_value, parse_time, rfc3339

LIST_TITLE = "Threadbook"


def google_body(task):
    """The fields Threadbook owns in the Google copy: title, notes (with the time of day, which Google cannot keep), due, status."""
    notes = task.notes or ""
    if task.due_time:
        notes = (notes + "\n\n" if notes else "") + f"Due at {task.due_time} (Threadbook)"
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
