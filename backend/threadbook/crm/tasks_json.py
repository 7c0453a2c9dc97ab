"""A CRM task as JSON, and its OpenAPI schema."""

from threadbook.crm.serializers import iso, load_user_summaries


def present_tasks(tasks):
    """Serialise tasks with their owners and creators (one query for the people, whatever the number of tasks)."""
    tasks = list(tasks)
    users = load_user_summaries([t.owner_id for t in tasks] + [t.created_by_id for t in tasks])
    return [task(t, users) for t in tasks]


def present_task(t):
    return present_tasks([t])[0]


def task(t, users):
    return {
        "id": t.id,
        "title": t.title,
        "notes": t.notes,
        "due_date": iso(t.due_date),
        "due_time": t.due_time,
        "contact_id": t.contact_id,
        "lead_id": t.lead_id,
        "deal_id": t.deal_id,
        "owner": users.get(t.owner_id),
        "created_by": users.get(t.created_by_id),
        "done": t.done,
        "done_at": iso(t.done_at),
        "in_google_tasks": bool(t.google_task_id) and not t.google_deleted,
        "deleted_in_google": t.google_deleted,
        "created_at": iso(t.created_at),
        "updated_at": iso(t.updated_at),
    }


_person = {"type": ["object", "null"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}}}
_id = {"type": ["integer", "null"]}
TASK_SCHEMA = {
    "type": "object",
    "required": ["id", "title", "notes", "due_date", "due_time", "contact_id", "lead_id", "deal_id", "owner", "created_by", "done", "done_at"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "notes": {"type": "string"},
        "due_date": {"type": ["string", "null"], "format": "date"},
        "due_time": {"type": ["string", "null"], "description": "HH:MM, when the task is due at a time of day."},
        "contact_id": _id,
        "lead_id": _id,
        "deal_id": _id,
        "owner": _person,
        "created_by": _person,
        "done": {"type": "boolean"},
        "done_at": {"type": ["string", "null"], "format": "date-time"},
        "in_google_tasks": {"type": "boolean", "description": "A copy sits in the owner's Threadbook list in Google Tasks."},
        "deleted_in_google": {"type": "boolean", "description": "The owner deleted the copy in Google Tasks: it is not put back."},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
