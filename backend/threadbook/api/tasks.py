"""CRM tasks: list (filters), create, read, change, complete, delete; the tasks of a contact, lead or deal.

The rules are crm/tasks.py's; the OpenAPI description is api/tasks_doc.py.
"""

import re

from flask import Blueprint, g, jsonify, request

from threadbook.api.pages import paginate
from threadbook.api.params import boolean, date, json_body, string
from threadbook.api.refs import owner_ref, record_ref
from threadbook.crm import tasks
from threadbook.crm.records import get_in_org
from threadbook.crm.tasks_json import present_task, present_tasks
from threadbook.errors import ApiError
from threadbook.models import Contact, Deal, Lead

bp = Blueprint("tasks", __name__)

MAX_TITLE, MAX_NOTES = tasks.MAX_TITLE, tasks.MAX_NOTES
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
LINKS = (("contact_id", "contact", Contact), ("lead_id", "lead", Lead), ("deal_id", "deal", Deal))


def _fields(body, creating):
    """The task fields a body sets, checked; record links must be the organisation's."""
    fields = {}
    if creating or "title" in body:
        fields["title"] = string(body, "title", required=True, max_length=MAX_TITLE)
    if "notes" in body:
        fields["notes"] = string(body, "notes", max_length=MAX_NOTES, default="")
    if "due_date" in body:
        fields["due_date"] = date(body, "due_date")
    if "due_time" in body:
        value = string(body, "due_time", max_length=5)
        if value is not None and not _TIME.match(value):
            raise ApiError(400, "'due_time' must be a time of day like 14:30.", field="due_time")
        fields["due_time"] = value
    for name, field, model in LINKS:
        if name in body:
            record = record_ref(body, name, model, field)
            fields[field] = record.id if record is not None else None
    if "owner_id" in body:
        owner = owner_ref(body)
        if owner is None:
            raise ApiError(400, "'owner_id' must name a member of your organisation.", field="owner_id")
        fields["owner"] = owner.id
    if "done" in body:
        fields["done"] = boolean(body, "done")
        if fields["done"] is None:
            raise ApiError(400, "'done' must be true or false.", field="done")
    return fields


def _check_due(fields, task=None):
    due_date = fields["due_date"] if "due_date" in fields else getattr(task, "due_date", None)
    due_time = fields["due_time"] if "due_time" in fields else getattr(task, "due_time", None)
    if due_time and not due_date:
        raise ApiError(400, "A task due at a time needs 'due_date' too.", field="due_time")


def _query_id(name):
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise ApiError(400, f"Query parameter '{name}' must be an id.", field=name)
    return int(value)


def _filters():
    status = request.args.get("status", "open")
    if status not in tasks.STATUSES:
        raise ApiError(400, f"Query parameter 'status' must be one of: {', '.join(tasks.STATUSES)}.", field="status")
    mine = request.args.get("mine", "")
    if mine not in ("", "true", "false"):
        raise ApiError(400, "Query parameter 'mine' must be true or false.", field="mine")
    owner_id = g.user.id if mine == "true" else _query_id("owner_id")
    due_before = date(request.args, "due_before") if request.args.get("due_before") else None
    links = {name: _query_id(name) for name, _, _ in LINKS}
    return {"owner_id": owner_id, "status": status, "due_before": due_before, **links}


@bp.get("/tasks")
def list_tasks():
    return jsonify(paginate(tasks.tasks_matching(g.user, **_filters()), present_tasks))


@bp.post("/tasks")
def create_task():
    fields = _fields(json_body(), creating=True)
    _check_due(fields)
    return jsonify(present_task(tasks.create(g.user, fields))), 201


@bp.get("/tasks/<int:id>")
def get_task(id):
    return jsonify(present_task(tasks.get_visible(g.user, id)))


@bp.patch("/tasks/<int:id>")
def update_task(id):
    task = tasks.get_visible(g.user, id)
    fields = _fields(json_body(), creating=False)
    _check_due(fields, task)
    return jsonify(present_task(tasks.update(g.user, id, fields)))


@bp.delete("/tasks/<int:id>")
def delete_task(id):
    tasks.get_visible(g.user, id)
    tasks.delete(g.user, id)
    return "", 204


def _record_tasks(model, what, id, link):
    record = get_in_org(model, id, g.org.id, what)
    filters = {**_filters(), link: record.id}
    return jsonify(paginate(tasks.tasks_matching(g.user, **filters), present_tasks))


@bp.get("/contacts/<int:id>/tasks")
def contact_tasks(id):
    return _record_tasks(Contact, "contact", id, "contact_id")


@bp.get("/leads/<int:id>/tasks")
def lead_tasks(id):
    return _record_tasks(Lead, "lead", id, "lead_id")


@bp.get("/deals/<int:id>/tasks")
def deal_tasks(id):
    return _record_tasks(Deal, "deal", id, "deal_id")
