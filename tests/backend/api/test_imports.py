"""POST /api/v1/org/imports and its job: administrators upload a contact list, follow it, download the rejected rows."""

import io

import pytest

from threadbook.api import imports as imports_api
from threadbook.crm import import_jobs
from threadbook.models import AuditLog, Contact, ContactImport

from .test_openapi import ConformanceChecker

CSV = "E-mail;Full name;linkedin\nada@acme.example;Ada;x\njohn.smith@gmail.com;John;\njohnsmith@gmail.com;John again;\nbad;Bad;\n"


@pytest.fixture
def app_settings():
    return {"QUEUE_IMMEDIATE": True, "IMPORT_MAX_BYTES": 4096}


@pytest.fixture
def team(factory, db):
    org = factory.org(name="Acme", domain="us.example")
    admin = factory.user(org, email="admin@us.example", role="admin")
    member = factory.user(org, email="rep@us.example")
    return org, admin, member


@pytest.fixture
def checker(app):
    return ConformanceChecker(app, app.test_client().get("/api/v1/openapi.json").get_json())


def upload(client, headers, text=CSV, name="contacts.csv", **fields):
    data = {"file": (io.BytesIO(text if isinstance(text, bytes) else text.encode("utf-8")), name), **fields}
    return client.post("/api/v1/org/imports", data=data, headers=headers, content_type="multipart/form-data")


def test_an_admin_imports_a_file_and_follows_it(client, factory, team, checker):
    org, admin, member = team
    headers = factory.headers(admin)
    response = upload(client, headers)
    checker.check("POST", "/api/v1/org/imports", response)
    assert response.status_code == 202, response.get_json()
    job = response.get_json()
    assert response.headers["Location"] == f"/api/v1/org/imports/{job['id']}"
    assert job["status"] == "done" and job["file_name"] == "contacts.csv" and job["created_by_id"] == admin.id
    summary = job["summary"]
    assert (summary["rows"], summary["imported"]) == (4, 2)
    assert summary["duplicates"] == {"total": 1, "reasons": {"same_as_earlier_line": 1}}
    assert summary["invalid"] == {"total": 1, "reasons": {"bad_address": 1}}
    assert (summary["delimiter"], summary["ignored_columns"]) == ("semicolon", ["linkedin"])
    assert job["progress"] == {"rows_done": 4, "rows_total": 4}
    assert {c.owner_id for c in Contact.select()} == {admin.id}  # the uploader owns them by default

    again = client.get(f"/api/v1/org/imports/{job['id']}", headers=headers)
    checker.check("GET", f"/api/v1/org/imports/{job['id']}", again)
    assert again.get_json() == job
    listed = client.get("/api/v1/org/imports", headers=headers)
    checker.check("GET", "/api/v1/org/imports", listed)
    assert [i["id"] for i in listed.get_json()["imports"]] == [job["id"]]
    assert listed.get_json()["imports"][0]["rejects_url"] == job["rejects_url"]

    rejects = client.get(job["rejects_url"], headers=headers)
    assert rejects.status_code == 200 and rejects.mimetype == "text/csv"
    assert rejects.headers["Content-Disposition"] == 'attachment; filename="contacts.rejects.csv"'
    assert rejects.get_data(as_text=True).lstrip("\ufeff").splitlines() == [
        "line,reason,E-mail,Full name,linkedin",
        "4,same mailbox as line 3 (Gmail ignores dots),johnsmith@gmail.com,John again,",
        "5,not a valid email address: 'bad',bad,Bad,",
    ]
    entry = AuditLog.get(AuditLog.action == "contacts.imported")
    assert entry.user_id == admin.id and entry.detail["via"] == "api" and entry.detail["imported"] == 2
    assert ContactImport.get_by_id(job["id"]).data is None  # the uploaded file is not kept


def test_a_text_csv_body_with_options_in_the_query(client, factory, team):
    org, admin, member = team
    headers = factory.headers(admin, **{"Content-Type": "text/csv"})
    body = "Mail,Who\nada@acme.example,Ada\n"
    dry = client.post("/api/v1/org/imports?dry_run=true&map=Mail=email&map=Who=name&file_name=list.csv", data=body, headers=headers)
    assert dry.status_code == 202, dry.get_json()
    assert dry.get_json()["summary"]["imported"] == 1 and dry.get_json()["dry_run"] is True
    assert Contact.select().count() == 0
    assert AuditLog.select().where(AuditLog.action == "contacts.imported").count() == 0
    real = client.post("/api/v1/org/imports?map=Mail=email&owner_email=REP@us.example", data=body, headers=headers)
    assert real.get_json()["summary"]["imported"] == 1 and real.get_json()["file_name"] == "upload.csv"
    assert real.get_json()["rejects_url"] is None
    assert Contact.get(Contact.org == org.id).owner_id == member.id
    assert client.get(f"/api/v1/org/imports/{real.get_json()['id']}/rejects.csv", headers=headers).status_code == 404


def test_members_may_not_import_or_read_imports(client, factory, team):
    org, admin, member = team
    job = upload(client, factory.headers(admin)).get_json()
    headers = factory.headers(member)
    refused = upload(client, headers, "email\nnew@acme.example\n")
    assert refused.status_code == 403 and "administrator" in refused.get_json()["message"]
    for path in ("/api/v1/org/imports", f"/api/v1/org/imports/{job['id']}", f"/api/v1/org/imports/{job['id']}/rejects.csv"):
        assert client.get(path, headers=headers).status_code == 403, path
    assert Contact.select().count() == 2  # the administrator's import only
    assert ContactImport.select().count() == 1


def test_another_organisations_import_is_not_found(client, factory, team):
    org, admin, member = team
    job = upload(client, factory.headers(admin)).get_json()
    other = factory.org(name="Other")
    stranger = factory.headers(factory.user(other, role="admin"))
    for path in (f"/api/v1/org/imports/{job['id']}", f"/api/v1/org/imports/{job['id']}/rejects.csv"):
        assert client.get(path, headers=stranger).status_code == 404, path
    assert client.get("/api/v1/org/imports", headers=stranger).get_json() == {"imports": []}


@pytest.mark.parametrize(
    "kind, status, field, message",
    [
        ("binary", 400, "file", "not a CSV text file"),
        ("empty", 400, "file", "The file is empty"),
        ("no email column", 400, "file", "No email column"),
        ("no file field", 400, "file", "form field 'file'"),
        ("json", 415, None, "multipart/form-data"),
        ("not a member", 400, "owner_email", "stranger@else.example is not a member"),
        ("bad map", 400, "map", "'map' takes HEADER=FIELD"),
        ("unknown option", 400, "colour", "Unknown option(s): colour"),
        ("bad dry_run", 400, "dry_run", "'dry_run' must be true or false"),
        ("too large", 413, None, "larger than the 4 KB an import takes"),
        ("too large as text", 413, None, "Split it into several files"),
    ],
)
def test_bad_uploads_are_clear_4xx(client, factory, team, kind, status, field, message):
    org, admin, member = team
    headers = factory.headers(admin)
    if kind == "binary":
        response = upload(client, headers, bytes(range(256)) * 4)
    elif kind == "empty":
        response = upload(client, headers, b"")
    elif kind == "no email column":
        response = upload(client, headers, "name;phone\nAda;1\n")
    elif kind == "no file field":
        response = client.post("/api/v1/org/imports", data={"dry_run": "true"}, headers=headers, content_type="multipart/form-data")
    elif kind == "json":
        response = client.post("/api/v1/org/imports", json={"file": "email\nada@acme.example\n"}, headers=headers)
    elif kind == "not a member":
        response = upload(client, headers, owner_email="stranger@else.example")
    elif kind == "bad map":
        response = upload(client, headers, map="E-mail=nickname")
    elif kind == "unknown option":
        response = upload(client, headers, colour="red")
    elif kind == "bad dry_run":
        response = upload(client, headers, dry_run="maybe")
    elif kind == "too large":
        response = upload(client, headers, "email\n" + "a@acme.example\n" * 400)
    else:
        response = client.post("/api/v1/org/imports", data="email\n" + "a@acme.example\n" * 6000, headers={**headers, "Content-Type": "text/csv"})
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert message in body["message"]
    assert body.get("field") == field
    assert Contact.select().count() == 0 and ContactImport.select().count() == 0


def test_the_public_config_gives_the_import_limit(client, app):
    # The admin page shows it and refuses a larger file before uploading it.
    assert client.get("/api/v1/config").get_json()["import_max_bytes"] == 4096
    app.config["IMPORT_MAX_BYTES"] = 20 * 1024 * 1024
    assert client.get("/api/v1/config").get_json()["import_max_bytes"] == 20 * 1024 * 1024


@pytest.mark.parametrize("size, shown", [(20 * 1024**2, "20 MB"), (1536 * 1024, "1.5 MB"), (4096, "4 KB"), (100, "1 KB")])
def test_the_limit_is_said_in_a_persons_units(size, shown):
    assert imports_api._size(size) == shown


def test_a_queued_import_runs_once_in_the_worker(app, client, factory, team, monkeypatch):
    org, admin, member = team
    queued = []
    monkeypatch.setattr(import_jobs.queue, "enqueue", lambda name, *args: queued.append((name, *args)))
    job = upload(client, factory.headers(admin)).get_json()
    assert job["status"] == "queued" and job["summary"] is None and job["progress"] == {"rows_done": 0, "rows_total": 4}
    assert queued == [("import_contacts", job["id"])]
    with app.app_context():
        assert import_jobs.run(job["id"])["imported"] == 2
        assert import_jobs.run(job["id"]) is None  # a second delivery does nothing
    done = client.get(f"/api/v1/org/imports/{job['id']}", headers=factory.headers(admin)).get_json()
    assert done["status"] == "done" and done["started_at"] and done["finished_at"]
    assert Contact.select().count() == 2


def test_a_failed_import_says_why(app, client, factory, team, monkeypatch):
    org, admin, member = team

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_jobs, "import_source", broken)
    job = upload(client, factory.headers(admin)).get_json()
    assert job["status"] == "failed" and job["error"] == "The import stopped (RuntimeError); try again."
    assert ContactImport.get_by_id(job["id"]).data is None

    def no_queue(*args):
        raise ConnectionError("queue down")

    monkeypatch.setattr(import_jobs.queue, "enqueue", no_queue)
    unqueued = upload(client, factory.headers(admin)).get_json()
    assert unqueued["status"] == "failed" and "could not be queued (ConnectionError)" in unqueued["error"]
