"""The caller's sync schedules and calendar direction, and "Sync now" for every kind of sync.

``GET/PUT /api/v1/me/sync-schedule``: what each kind syncs by (the caller's
choice, else the organisation's default: ``PATCH /api/v1/org``) and when it
last ran; ``POST /api/v1/me/sync {"kind"}`` queues a run now, whatever the
schedule (202; a second click while one waits queues nothing). The rules are
identity/sync_schedules.py's; the OpenAPI paths are in sync_schedule_doc.py.
"""

from flask import Blueprint, g, jsonify

from threadbook.api import google_contacts, google_tasks
from threadbook.api.mailboxes import answer_refusal
from threadbook.api.params import json_body
from threadbook.calendar.sync import CalendarSyncRefused, request_sync
from threadbook.contacts_sync import choice as contacts_choice
from threadbook.crm.serializers import iso
from threadbook.errors import ApiError, error_response
from threadbook.identity import sync_schedules
from threadbook.models import SYNC_KINDS
from threadbook.sync import mailboxes
from threadbook.sync.connection import MailboxRefused
from threadbook.tasks_sync import link as tasks_link
from threadbook.tasks_sync.refusals import TasksRefused
from threadbook.tasks_sync.sync import request_sync as request_tasks_sync

bp = Blueprint("sync_schedule", __name__)
bp.register_error_handler(MailboxRefused, answer_refusal)
# Contacts' and tasks' refusals answer here as on their own routes.
bp.register_error_handler(contacts_choice.ContactsRefused, google_contacts.refused)
bp.register_error_handler(TasksRefused, google_tasks.refused)


@bp.errorhandler(sync_schedules.SchedulesLocked)
def answer_locked(exc):
    return error_response(409, "schedules_locked", str(exc))


@bp.errorhandler(CalendarSyncRefused)
def answer_calendar_refusal(exc):
    return error_response(409, exc.code, exc.message)


def setting_value(body, name, nullable):
    """``body[name]``, one of the setting's allowed values (or None when ``nullable``); else 400 naming the field and the values."""
    allowed = sync_schedules.ALLOWED[name]
    value = body[name]
    if value is None and nullable:
        return None
    if value not in allowed:
        also = ", or null to follow your organisation's" if nullable else ""
        raise ApiError(400, f"'{name}' must be one of: {', '.join(allowed)}{also}.", field=name)
    return value


def _answer():
    settings = sync_schedules.user_settings(g.user, g.org)
    for entry in settings["schedules"].values():
        entry["last_run_at"] = iso(entry["last_run_at"])
    return jsonify(settings)


@bp.get("/me/sync-schedule")
def get_sync_schedule():
    return _answer()


@bp.put("/me/sync-schedule")
def put_sync_schedule():
    body = json_body()
    wanted = {name: setting_value(body, name, nullable=True) for name in sync_schedules.SETTINGS if name in body}
    if not wanted:
        raise ApiError(400, f"Nothing to change: send one or more of {', '.join(sync_schedules.SETTINGS)} (a value, or null to follow your organisation's).")
    sync_schedules.update_user_settings(g.user, wanted)
    return _answer()


# Who queues "Sync now" of each kind: fn(user, org) -> False when one was already waiting; raises the kind's refusal.
def _contacts_now(user, org):
    contacts_choice.request_run(user, org)  # refuses when off, without the scope, paused, or while Google asks to wait
    return True


def _tasks_now(user, org):
    current = tasks_link.link_of(user)
    if current is None or not current.enabled:
        raise TasksRefused("google_tasks_off", "Google Tasks is off for you: turn it on first.", 409)
    request_tasks_sync(user)
    return True


SYNC_NOW = {"mail": mailboxes.sync_now, "calendar": request_sync, "contacts": _contacts_now, "tasks": _tasks_now}


@bp.post("/me/sync")
def sync_now():
    body = json_body()
    kind = body.get("kind")
    if kind not in SYNC_KINDS:
        raise ApiError(400, f"'kind' must be one of: {', '.join(SYNC_KINDS)}.", field="kind")
    queued_now = SYNC_NOW[kind](g.user, g.org)
    return jsonify(kind=kind, queued=True, already_queued=not queued_now), 202
