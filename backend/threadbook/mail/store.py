"""Store Gmail messages as logged mail, idempotently.

Use ``store_gmail_messages(org, owner, logged_by, messages, ...)`` with message
resources from ``users.threads.get`` / ``users.messages.get`` (``format``
metadata or full) or ``users.messages.list`` + get. For each message it writes,
inside one write transaction and with ``INSERT … ON CONFLICT DO NOTHING`` on
the unique indexes, so that repeated or simultaneous calls never duplicate and
never fail:

- one ``Email`` per owner and mail (unique ``(org, owner, message_key)``; the
  key is the RFC Message-ID, else ``gmail:<owner id>:<gmail id>``). The row is
  the owner's copy: its content comes from the owner's own messages only, so a
  colleague's copy of the same mail (same key) is never touched or reached
  (identity/access.py);
- one ``MailboxMessage`` placing it in the owner's mailbox (unique
  ``(user, gmail_message_id)``), for messages that have a Gmail id;
- one ``EmailParticipant`` per address and role (from, to, cc, bcc), by
  normalised address, for newly stored mail only. Contacts and leads link to
  mail through these addresses, so nothing else needs writing when a record
  is created later.

What a new row keeps of the mail is the organisation's content policy
(mail/content_policy.py: in no-copy mode no body or snippet, the subject only
if allowed), applied here for every source. Each new row's sharing level is ``access.level_for_new_mail``: the level chosen
at log time, else private for a thread the owner keeps private, else the
owner's default, else the organisation's.

It returns a ``StoreResult``, which unpacks as ``(created_emails,
existing_emails)``: Email rows in input order, the ones this call inserted and
the ones already there. ``result.linked`` lists the owner's existing emails
this call newly placed in their mailbox (mail they logged through the dropbox
or sent from the CRM, now seen in Gmail). Mail sync, the dropbox and sending
call the same function with their own ``source``. Mail the owner unlogged is
left out (``result.unlogged`` lists its keys) unless ``relog`` says the owner
asked for it again (mail/unlogged.py).
"""

import base64
import binascii
import datetime
import email.errors
import email.header
import email.utils
import hashlib
import html
import re
from dataclasses import dataclass, field

from threadbook import matching
from threadbook.db import database, write_transaction
from threadbook.identity import access
from threadbook.mail import content_policy, unlogged
from threadbook.models import Email, EmailParticipant, MailboxMessage

CHUNK = 400  # rows per statement: well under SQLite's bound-parameter limit
MAX_SUBJECT = 2000
MAX_SNIPPET = 1000
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|div|tr|li|h[1-6])>|<br\s*/?>", re.IGNORECASE)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.IGNORECASE | re.DOTALL)


@dataclass
class ParsedMessage:
    """The parts of a Gmail message resource the CRM keeps."""

    gmail_message_id: str
    gmail_thread_id: str
    rfc_message_id: str | None
    subject: str
    from_name: str
    from_email: str
    to: list  # [(name, address as written)]
    cc: list
    bcc: list
    date: datetime.datetime  # naive UTC
    snippet: str
    body: str | None
    in_reply_to: str | None
    references: str | None
    label_ids: list = field(default_factory=list)

    def message_key(self, owner_id):
        if self.rfc_message_id:
            return self.rfc_message_id
        return f"gmail:{owner_id or 0}:{self.gmail_message_id}"


@dataclass
class StoreResult:
    """What ``store_gmail_messages`` did; unpacks as ``(created, existing)``."""

    created: list
    existing: list
    linked: list
    unlogged: list = field(default_factory=list)  # keys of mail the owner unlogged, left out

    def __iter__(self):
        return iter((self.created, self.existing))

    @property
    def emails(self):
        """Every stored email of the call, created or not, ordered by date."""
        return sorted(self.created + self.existing, key=lambda e: (e.date, e.id))


def _decode(value):
    """Decode RFC 2047 words should a header arrive still encoded."""
    value = (value or "").strip()
    if "=?" not in value:
        return value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (ValueError, LookupError, email.errors.HeaderParseError):
        return value


MAX_MESSAGE_ID = 255  # the column's size on PostgreSQL


def _message_id(value):
    """Return a Message-ID that fits its column: as written, or a digest of it when longer (still one per mail)."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) <= MAX_MESSAGE_ID:
        return value
    return "<sha256." + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest() + "@threadbook.invalid>"


def _date(message, date_header):
    internal = message.get("internalDate")
    if internal:
        try:
            return datetime.datetime.fromtimestamp(int(internal) / 1000, datetime.UTC).replace(tzinfo=None)
        except (ValueError, OverflowError, OSError):
            pass
    if date_header:
        try:
            parsed = email.utils.parsedate_to_datetime(date_header)
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
            return parsed
        except (TypeError, ValueError, IndexError):
            pass
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _part_text(part):
    data = (part.get("body") or {}).get("data")
    if not data:
        return None
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw.decode("utf-8", errors="replace")


def _walk(part):
    yield part
    for child in part.get("parts") or []:
        yield from _walk(child)


def html_to_text(markup):
    """Reduce an HTML body to readable text (no markup is ever stored)."""
    text = _SCRIPT.sub("", markup)
    text = _BLOCK_END.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def extract_body(payload):
    """Return the message's text: its text/plain part, else its text/html part as text."""
    plain = html_part = None
    for part in _walk(payload or {}):
        if part.get("filename"):
            continue  # an attachment
        mime = (part.get("mimeType") or "").lower()
        if mime == "text/plain" and plain is None:
            plain = _part_text(part)
        elif mime == "text/html" and html_part is None:
            html_part = _part_text(part)
    if plain is not None:
        return plain
    if html_part is not None:
        return html_to_text(html_part)
    return None


def parse_gmail_message(message, with_body=False):
    """Turn a Gmail message resource into a ParsedMessage."""
    payload = message.get("payload") or {}
    headers = {}
    for header in payload.get("headers") or []:
        # The first occurrence wins, as mail clients show it.
        headers.setdefault((header.get("name") or "").lower(), header.get("value") or "")
    from_name, from_address = matching.parse_mailbox(_decode(headers.get("from")))
    return ParsedMessage(
        gmail_message_id=message["id"],
        gmail_thread_id=message.get("threadId") or message["id"],
        rfc_message_id=_message_id(headers.get("message-id")),
        subject=_decode(headers.get("subject"))[:MAX_SUBJECT],
        from_name=from_name,
        from_email=from_address,
        to=matching.parse_mailbox_list(_decode(headers.get("to"))),
        cc=matching.parse_mailbox_list(_decode(headers.get("cc"))),
        bcc=matching.parse_mailbox_list(_decode(headers.get("bcc"))),
        date=_date(message, headers.get("date")),
        snippet=html.unescape(message.get("snippet") or "")[:MAX_SNIPPET],
        body=extract_body(payload) if with_body else None,
        in_reply_to=_message_id(headers.get("in-reply-to")),
        references=headers.get("references") or None,
        label_ids=list(message.get("labelIds") or []),
    )


def _participants(parsed):
    """Yield (role, name, address as written, normalised) for every valid address, once per role."""
    seen = set()
    people = [("from", parsed.from_name, parsed.from_email)]
    for role, group in (("to", parsed.to), ("cc", parsed.cc), ("bcc", parsed.bcc)):
        people.extend((role, name, address) for name, address in group)
    for role, name, address in people:
        normalized = matching.try_normalize(address)
        if normalized is None or (role, normalized) in seen:
            continue  # "undisclosed-recipients:;" and other non-addresses
        seen.add((role, normalized))
        yield role, name, address, normalized


def _chunks(rows):
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _people(group):
    return [{"name": name, "email": address} for name, address in group]


def _insert_ignoring_conflicts(model, rows, conflict_fields, returning=None):
    """Run ``INSERT … ON CONFLICT (…) DO NOTHING [RETURNING col]`` for ``rows``; return the returned values.

    The statement is the one peewee's ``insert_many().on_conflict()`` builds,
    written out directly: peewee's query builder costs about a tenth of a
    millisecond a row, which made it most of the cost of mail sync's ingest.
    Values still go through each field's ``db_value`` and the driver's
    parameters, as with peewee.
    """
    if not rows:
        return []
    names = list(rows[0])
    fields = [model._meta.fields[name] for name in names]
    converters = [field.db_value for field in fields]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    conflict = ", ".join(f'"{model._meta.fields[name].column_name}"' for name in conflict_fields)
    placeholders = "(" + ", ".join([database.obj.param] * len(names)) + ")"
    values = ", ".join([placeholders] * len(rows))
    sql = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES {values} ON CONFLICT ({conflict}) DO NOTHING'
    if returning:
        sql += f' RETURNING "{model._meta.fields[returning].column_name}"'
    params = [convert(row[name]) for row in rows for name, convert in zip(names, converters, strict=True)]
    cursor = database.execute_sql(sql, params)
    return [row[0] for row in cursor.fetchall()] if returning else []


def store_gmail_messages(org, owner, logged_by, messages, source="manual", visibility=None, store_body=False, load_rows=True, relog=False):
    """Store Gmail message resources as ``owner``'s copies; return StoreResult (created, existing).

    ``owner`` is the user whose evidence the messages are (their mailbox, their
    dropbox, their sent mail); ``logged_by`` who asked (None for automatic
    paths); ``visibility`` the level chosen at log time, if any (see
    access.level_for_new_mail for the rest); ``store_body`` keeps the text body
    (the messages must then be format=full). Idempotent and safe to call
    concurrently. Opens its own write transaction (a savepoint when the caller
    already has one). ``load_rows=False`` puts Email ids in the result instead
    of Email rows, for bulk callers that only count (mail sync), sparing a
    full-row read per message. ``relog`` stores mail the owner unlogged, and
    forgets that they did: only for logging by hand.
    """
    owner_id = getattr(owner, "id", owner)
    if owner_id is None:
        raise ValueError("logged mail needs an owner: the user whose copy it is")
    logged_by_id = getattr(logged_by, "id", logged_by)
    parsed = {}
    for message in messages:
        item = parse_gmail_message(message, with_body=store_body)
        parsed.setdefault(item.message_key(owner_id), item)
    was_unlogged = unlogged.among(owner_id, parsed)
    if was_unlogged and not relog:
        parsed = {key: item for key, item in parsed.items() if key not in was_unlogged}
    if not parsed:
        return StoreResult([], [], [], sorted(was_unlogged))
    level = access.level_for_new_mail(org, owner, visibility)
    kept_private = set() if visibility else access.private_threads(owner_id, (p.gmail_thread_id for p in parsed.values()))
    # Sorted keys make concurrent transactions lock rows in the same order (no deadlocks on PostgreSQL).
    keys = sorted(parsed)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    rows = [
        {
            "org": org.id,
            "owner": owner_id,
            "logged_by": logged_by_id,
            "message_key": key,
            "rfc_message_id": p.rfc_message_id,
            "gmail_message_id": p.gmail_message_id,
            "gmail_thread_id": p.gmail_thread_id,
            "subject": p.subject,
            "from_email": p.from_email[:254],
            "from_name": p.from_name[:255],
            "to": _people(p.to),
            "cc": _people(p.cc),
            "date": p.date,
            "snippet": p.snippet,
            "body": p.body,
            "in_reply_to": p.in_reply_to,
            "references": p.references,
            "visibility": access.PRIVATE if p.gmail_thread_id in kept_private else level,
            "source": source,
            "created_at": now,
        }
        for key in keys
        for p in (parsed[key],)
    ]
    with write_transaction():
        # The organisation's content policy as committed now, not as the caller loaded it (a sync run outlives a switch).
        content_policy.strip(rows, content_policy.current_policy(org.id))
        if was_unlogged and relog:
            unlogged.forget(owner_id, was_unlogged)
        created_keys = set()
        for chunk in _chunks(rows):
            created_keys.update(_insert_ignoring_conflicts(Email, chunk, ("org", "owner", "message_key"), returning="message_key"))
        id_by_key = {}
        for chunk in _chunks(keys):
            query = Email.select(Email.message_key, Email.id).where((Email.org == org.id) & (Email.owner == owner_id) & (Email.message_key.in_(chunk)))
            id_by_key.update(query.tuples())

        # Dropbox mail has no Gmail id: it sits in no mailbox.
        mailbox_rows = sorted(
            (
                {
                    "org": org.id,
                    "user": owner_id,
                    "email": id_by_key[key],
                    "gmail_message_id": parsed[key].gmail_message_id,
                    "gmail_thread_id": parsed[key].gmail_thread_id,
                    "created_at": now,
                }
                for key in keys
                if parsed[key].gmail_message_id
            ),
            key=lambda r: r["gmail_message_id"],
        )
        linked_ids = set()
        for chunk in _chunks(mailbox_rows):
            linked_ids.update(_insert_ignoring_conflicts(MailboxMessage, chunk, ("user", "gmail_message_id"), returning="email"))

        participant_rows = [
            {
                "org": org.id,
                "email": id_by_key[key],
                "address": address[:254],
                "address_normalized": normalized,
                "name": (name or "")[:255],
                "role": role,
            }
            for key in keys
            if key in created_keys
            for role, name, address, normalized in _participants(parsed[key])
        ]
        for chunk in _chunks(participant_rows):
            _insert_ignoring_conflicts(EmailParticipant, chunk, ("email", "address_normalized", "role"))

        by_key = dict(id_by_key)
        if load_rows:
            ids = list(id_by_key.values())
            for chunk in _chunks(ids):
                for row in Email.select().where(Email.id.in_(chunk)):
                    by_key[row.message_key] = row

    ordered = [by_key[key] for key in parsed]  # input order
    created = [e for key, e in zip(parsed, ordered, strict=True) if key in created_keys]
    existing = [e for key, e in zip(parsed, ordered, strict=True) if key not in created_keys]
    linked = [e for key, e in zip(parsed, ordered, strict=True) if key not in created_keys and id_by_key[key] in linked_ids]
    return StoreResult(created, existing, linked, [] if relog else sorted(was_unlogged))
