"""No identifier from another organisation reads or changes anything, on every route there is.

The test is generic on purpose: it walks ``app.url_map``, so routes added later
are covered without touching this file. For every ``/api/v1`` rule and method:

- ids in the path are replaced by the *other* organisation's ids of the kind the
  path names (``/contacts/<id>`` gets its contacts; a segment it does not know
  gets every kind of id), and the answer must be a 4xx (404 for GET and DELETE),
  never a 403 that would confirm the record exists;
- writes are also sent with a body that points at the other organisation's
  records (``contact_id``, ``company_id``, ...), with the caller's own ids in
  the path;
- list routes are read with the other organisation's ids as query filters.

Then: no answer may contain the other organisation's text, its rows must be
exactly as before, and no row anywhere may reference a row of another
organisation (a note of A on a contact of B, say). Teach ``ID_KINDS`` a new path
segment when a route names a new kind of record.
"""

import datetime
import gzip
import itertools
import re

import pytest
from peewee import ForeignKeyField

from threadbook.models import (
    ALL_MODELS,
    AuditLog,
    BlockedAddress,
    Company,
    CompanyDomain,
    Contact,
    ContactAddress,
    ContactImport,
    Deal,
    Email,
    EmailParticipant,
    GoogleContactLink,
    GoogleContactsSync,
    ImapAccount,
    Invitation,
    Lead,
    Mailbox,
    MailboxMessage,
    MatchCorrection,
    Meeting,
    MeetingAttendee,
    Note,
    Organization,
    SyncedCalendar,
    Task,
    ThreadLabel,
    TrackedThread,
    User,
)

SECRET = "Zebrasecret"  # in every text of organisation B; never in an answer to A
THREAD = "thread"
# The path segment before an id -> the kind of record it names.
ID_KINDS = {
    "contacts": Contact,
    "tasks": Task,
    "leads": Lead,
    "companies": Company,
    "deals": Deal,
    "notes": Note,
    "emails": Email,
    "members": User,
    "users": User,
    "invitations": Invitation,
    "meetings": Meeting,
    "mailboxes": Mailbox,
    "blocklist": BlockedAddress,
    "threads": THREAD,
    "match-corrections": MatchCorrection,
    "imports": ContactImport,
    "conflicts": GoogleContactLink,  # /me/google-contacts/conflicts/<id>: a Google Contacts conflict (one user's)
    "imap-accounts": ImapAccount,  # /me/imap-accounts/<id>: one user's other mailbox
}
REFERENCE_FIELDS = {
    "contact_id": Contact,
    "lead_id": Lead,
    "company_id": Company,
    "deal_id": Deal,
    "owner_id": User,
    "user_id": User,
    "email_id": Email,
    "meeting_id": Meeting,
    "note_id": Note,
    "converted_contact_id": Contact,
}
WRITE_METHODS = {"POST", "PUT", "PATCH"}
_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def populate(org, tag, secret=""):
    """Give ``org`` one of everything; return {model or THREAD: [ids]}."""
    word = f"{secret}{tag}"
    t = tag.lower()
    staff, client, prospect = f"{t}-corp.example", f"{t}-client.example", f"{t}-prospect.example"
    ceo, thread = f"ceo@{client}", f"thread-{tag}"
    now = datetime.datetime(2026, 1, 15, 12, 0)

    def person(role):
        address = f"{role}@{staff}"
        return User.create(org=org, google_sub=f"{tag}-{role}", email=address, email_normalized=address, name=f"{word} {role}", role=role)

    admin, member = person("admin"), person("member")
    company = Company.create(org=org, name=f"{word} Inc", name_lower=f"{word} inc".lower(), owner=admin)
    CompanyDomain.create(org=org, company=company, domain=client)
    contact = Contact.create(org=org, name=f"{word} Contact", name_lower=f"{word} contact".lower(), company=company, owner=admin)
    ContactAddress.create(org=org, contact=contact, email=ceo, email_normalized=ceo, is_primary=True)
    lead_address = f"lead@{prospect}"
    lead = Lead.create(org=org, name=f"{word} Lead", name_lower=f"{word} lead".lower(), email=lead_address, email_normalized=lead_address, owner=admin)
    deal = Deal.create(org=org, name=f"{word} Deal", company=company, contact=contact, owner=admin, amount=1000)
    email = Email.create(
        org=org,
        owner=admin,
        logged_by=admin,
        message_key=f"<{tag}@mail>",
        gmail_message_id=f"msg-{tag}",
        gmail_thread_id=thread,
        subject=f"{word} subject",
        from_email=ceo,
        from_name=f"{word} Contact",
        date=now,
        snippet=f"{word} snippet",
        body=f"{word} body",
        visibility="team_full",
    )
    EmailParticipant.create(org=org, email=email, address=ceo, address_normalized=ceo, role="from")
    MailboxMessage.create(org=org, user=admin, email=email, gmail_message_id=f"msg-{tag}", gmail_thread_id=thread)
    notes = [
        Note.create(org=org, author=admin, body=f"{word} note on contact", contact=contact),
        Note.create(org=org, author=admin, body=f"{word} note on lead", lead=lead),
        Note.create(org=org, author=admin, body=f"{word} note on thread", gmail_thread_id=thread),
    ]
    end = now + datetime.timedelta(hours=1)
    meeting = Meeting.create(org=org, owner=admin, title=f"{word} meeting", start=now, end=end, google_event_id=f"ev-{tag}")
    MeetingAttendee.create(org=org, meeting=meeting, address=ceo, address_normalized=ceo)
    mailbox = Mailbox.create(org=org, user=admin, refresh_token=f"{word}-refresh")
    SyncedCalendar.create(org=org, user=admin, calendar_id=f"team-{t}@group.calendar.google.com", summary=f"{word} team calendar", sync_token=f"{word}-sync")
    blocked = BlockedAddress.create(org=org, user=admin, pattern=f"blocked@{client}")
    invitation = Invitation.create(org=org, email_normalized=f"invitee@{staff}", invited_by=admin)
    TrackedThread.create(org=org, user=admin, gmail_thread_id=thread)
    contact_import = ContactImport.create(
        org=org, created_by=admin, file_name=f"{word}.csv", status="done", summary={"file": word}, rejects=gzip.compress(word.encode())
    )
    ThreadLabel.create(org=org, user=admin, gmail_thread_id=thread, label="Threadbook/Logged")
    AuditLog.create(org=org, user=admin, action="test.secret", detail={"note": word})
    correction = MatchCorrection.create(org=org, address=ceo, address_lower=ceo, address_normalized=ceo, kind="contact", contact=contact, created_by=admin)
    tasks = [
        Task.create(org=org, title=f"{word} task", notes=word, contact=contact, lead=lead, deal=deal, owner=admin, created_by=admin),
        Task.create(org=org, title=f"{word} private task", owner=admin, created_by=admin),
    ]
    imap = ImapAccount.create(org=org, user=admin, host=f"imap.{client}", port=993, username=f"admin@{client}", password=f"{word}-secret")
    GoogleContactsSync.create(org=org, user=admin, enabled=True, filter_kind="all", group_resource_name=f"contactGroups/{t}")
    copied = GoogleContactLink.create(
        org=org, user=admin, contact_id=contact.id, resource_name=f"people/c{t}", etag="e", fingerprint="f", conflict_at=now, conflict_google='{"name": "x"}'
    )
    return {
        User: [admin.id, member.id],
        Company: [company.id],
        Contact: [contact.id],
        Lead: [lead.id],
        Deal: [deal.id],
        Email: [email.id],
        Note: [n.id for n in notes],
        Meeting: [meeting.id],
        Mailbox: [mailbox.id],
        BlockedAddress: [blocked.id],
        Invitation: [invitation.id],
        MatchCorrection: [correction.id],
        ContactImport: [contact_import.id],
        Task: [t.id for t in tasks],
        GoogleContactLink: [copied.id],
        ImapAccount: [imap.id],
        THREAD: [thread],
    }


def org_models():
    return [m for m in ALL_MODELS if "org" in m._meta.fields]


def snapshot(org_id):
    """Every row that belongs to the organisation, column by column."""
    rows = {"Organization": list(Organization.select().where(Organization.id == org_id).dicts())}
    for model in org_models():
        rows[model.__name__] = list(model.select().where(model.org == org_id).order_by(model.id).dicts())
    return rows


def cross_org_references():
    """Rows that point at a row of another organisation: (model.field, count), for every non-zero count."""
    found = []
    for model in org_models():
        for field in model._meta.fields.values():
            if not isinstance(field, ForeignKeyField) or field.name == "org":
                continue
            target = field.rel_model
            if target is model or "org" not in target._meta.fields:
                continue
            count = model.select().join(target, on=(field == target.id)).where(model.org != target.org).count()
            if count:
                found.append((f"{model.__name__}.{field.name}", count))
    return found


def candidates(rule_text, ids):
    """For each argument of a rule, the values to try: {arg: (values, known_kind)}."""
    segments = rule_text.strip("/").split("/")
    choices = {}
    for index, segment in enumerate(segments):
        match = _ARG.fullmatch(segment)
        if not match:
            continue
        converter, name = match.groups()
        kind = ID_KINDS.get(segments[index - 1]) if index else None
        if kind is not None:
            choices[name] = (ids[kind], kind)
        elif converter == "int":
            choices[name] = (sorted({i for k, v in ids.items() if k is not THREAD for i in v}), None)
        else:
            choices[name] = (ids[THREAD], THREAD)
    return choices


def fill(rule_text, values):
    return _ARG.sub(lambda m: str(values[m.group(2)]), rule_text)


def reference_body(ids):
    """A write body that names the other organisation's records wherever a field could."""
    thread = ids[THREAD][0]
    body = {name: ids[model][0] for name, model in REFERENCE_FIELDS.items()}
    body.update(
        {
            "name": "Hijack",
            "body": "hijack",
            "title": "hijack",
            "subject": "hijack",
            "role": "admin",
            "status": "won",
            "stage": "closed_won",
            "email": "hijack@hijack.example",
            "emails": ["hijack2@hijack.example"],
            "visibility": "team_full",
            "thread_id": thread,
            "message_ids": [thread.replace("thread-", "msg-")],
            "participants": [{"email": "ceo@b-client.example"}],
            "contact_ids": ids[Contact],
            "lead_ids": ids[Lead],
            "company_ids": ids[Company],
            "deal_ids": ids[Deal],
        }
    )
    return body


def probe_every_route(app, headers, own, other):
    """Try every /api/v1 route with the other organisation's ids; return (problems, requests tried)."""
    client = app.test_client()
    problems, tried = [], 0

    def attempt(method, path, body=None, expect_404=False, expect_4xx=False):
        nonlocal tried
        tried += 1
        kwargs = {"json": body} if body is not None else {}
        response = client.open(path, method=method, headers=headers, **kwargs)
        text = response.get_data(as_text=True)
        where = f"{method} {path}" + (" with references to B in the body" if body else "")
        # 502-504 say a (deliberately unreachable) Google is down: no leak. A 500 is a bug.
        if response.status_code == 500 or response.status_code > 504:
            problems.append(f"{where}: {response.status_code} {text[:200]}")
        elif SECRET.lower() in text.lower():
            problems.append(f"{where}: the answer shows organisation B's data ({response.status_code})")
        elif expect_404 and response.status_code != 404:
            problems.append(f"{where}: {response.status_code}, expected 404")
        elif expect_4xx and not (400 <= response.status_code < 500 and response.status_code != 403):
            problems.append(f"{where}: {response.status_code}, expected a 4xx other than 403")

    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1/"):
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        choices = candidates(rule.rule, other)
        if choices:
            names = list(choices)
            for combo in itertools.product(*(choices[n][0] for n in names)):
                path = fill(rule.rule, dict(zip(names, combo, strict=True)))
                by_id = any(choices[n][1] is not THREAD for n in names)
                for method in methods:
                    if method in WRITE_METHODS:
                        attempt(method, path, {}, expect_4xx=by_id)
                        attempt(method, path, reference_body(other), expect_4xx=by_id)
                    else:
                        attempt(method, path, expect_404=by_id and method in ("GET", "DELETE"))
            # The caller's own records in the path, the other organisation's in the body.
            mine = candidates(rule.rule, own)
            if all(kind is not None for _, kind in mine.values()):
                path = fill(rule.rule, {n: values[0] for n, (values, _) in mine.items()})
                for method in sorted(set(methods) & WRITE_METHODS):
                    attempt(method, path, reference_body(other))
        else:
            for method in methods:
                if method in WRITE_METHODS:
                    attempt(method, rule.rule, reference_body(other))
                elif method == "GET":
                    filters = "&".join(f"{name}={other[model][0]}" for name, model in REFERENCE_FIELDS.items())
                    attempt(method, f"{rule.rule}?{filters}&thread_id={other[THREAD][0]}")
                    attempt(method, rule.rule)
    return problems, tried


@pytest.fixture
def app_settings(google_identity):
    # Sign-in answers 401 rather than 503; Google's APIs point at a closed port, never the network.
    dead = "http://127.0.0.1:9/"
    return {
        **google_identity.settings,
        "GOOGLE_CLIENT_SECRET": "test-secret",
        "GOOGLE_API_ROOT": dead,
        "GOOGLE_TOKEN_URI": dead + "token",
    }


@pytest.fixture
def two_orgs(factory, db):
    """(caller's headers, A's ids, B's ids, B's org id): A's admin calls, B holds the secrets."""
    org_a = factory.org(name="Alpha", domain="a-corp.example")
    org_b = factory.org(name=f"{SECRET} Beta", domain="b-corp.example")
    own = populate(org_a, "A")
    other = populate(org_b, "B", secret=SECRET)
    headers = factory.headers(User.get_by_id(own[User][0]))
    return headers, own, other, org_b.id


def test_no_route_reads_or_changes_another_organisations_records(app, two_orgs):
    headers, own, other, org_b = two_orgs
    before = snapshot(org_b)
    assert cross_org_references() == []
    problems, tried = probe_every_route(app, headers, own, other)
    assert tried > 20
    assert problems == [], "\n".join(problems)
    assert snapshot(org_b) == before, "organisation B's rows changed"
    assert cross_org_references() == [], "a row now points into another organisation"


def test_the_probe_catches_routes_that_ignore_the_organisation(app, two_orgs):
    """The probe itself: unscoped routes must be reported, or a green run would mean nothing."""
    from flask import g, request

    @app.get("/api/v1/contacts/<int:id>/leaky")
    def leaky_read(id):
        return {"name": Contact.get_by_id(id).name}

    @app.delete("/api/v1/notes/<int:id>/careless")
    def careless_delete(id):
        Note.delete_by_id(id)
        return "", 204

    @app.post("/api/v1/careless-notes")
    def careless_reference():
        Note.create(org=g.org.id, body="x", contact=request.get_json()["contact_id"])
        return {}, 201

    headers, own, other, org_b = two_orgs
    before = snapshot(org_b)
    problems, _ = probe_every_route(app, headers, own, other)
    assert any("/leaky" in p and "shows organisation B" in p for p in problems)
    assert any("/careless" in p and "expected 404" in p for p in problems)
    assert snapshot(org_b) != before
    assert ("Note.contact", 1) in cross_org_references()


def test_the_kinds_table_knows_every_id_segment_in_use(app):
    """A route whose id segment is unknown is still tried with every id; list it so the table can learn it."""
    unknown = set()
    for rule in app.url_map.iter_rules():
        segments = rule.rule.strip("/").split("/")
        for index, segment in enumerate(segments):
            if _ARG.fullmatch(segment) and rule.rule.startswith("/api/v1/") and segments[index - 1] not in ID_KINDS:
                unknown.add(f"{segments[index - 1]} in {rule.rule}")
    if unknown:
        pytest.skip("tried with every kind of id instead: " + ", ".join(sorted(unknown)))
