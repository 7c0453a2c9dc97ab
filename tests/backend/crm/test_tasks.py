"""CRM tasks over HTTP: create, list with filters, change, complete, delete; who may do what from inside the organisation."""

import pytest


@pytest.fixture
def setup(client, factory):
    org = factory.org(domain="us.example")
    rep, colleague = factory.user(org, email="rep@us.example"), factory.user(org, email="col@us.example")
    admin = factory.user(org, email="boss@us.example", role="admin")
    other_org = factory.org(domain="them.example")
    stranger = factory.user(other_org, email="x@them.example")

    def as_user(user):
        return lambda method, path, **kw: getattr(client, method)(path, headers=factory.headers(user), **kw)

    api = as_user(rep)
    contact = api("post", "/api/v1/contacts", json={"email": "ada@acme.example"}).get_json()
    lead = api("post", "/api/v1/leads", json={"email": "kat@nasa.example"}).get_json()
    deal = api("post", "/api/v1/deals", json={"name": "Rockets", "contact_id": contact["id"]}).get_json()
    theirs = as_user(stranger)("post", "/api/v1/contacts", json={"email": "z@them.example"}).get_json()
    return {
        "api": api,
        "colleague": as_user(colleague),
        "admin": as_user(admin),
        "stranger": as_user(stranger),
        "rep": rep,
        "colleague_user": colleague,
        "contact": contact,
        "lead": lead,
        "deal": deal,
        "their_contact": theirs,
    }


def test_create_read_change_complete_and_delete(setup):
    api, contact, deal = setup["api"], setup["contact"], setup["deal"]
    created = api(
        "post",
        "/api/v1/tasks",
        json={"title": "Send the quote", "due_date": "2026-03-02", "due_time": "14:30", "contact_id": contact["id"], "deal_id": deal["id"]},
    )
    assert created.status_code == 201, created.get_json()
    task = created.get_json()
    assert (task["title"], task["due_date"], task["due_time"], task["contact_id"], task["deal_id"], task["done"]) == (
        "Send the quote",
        "2026-03-02",
        "14:30",
        contact["id"],
        deal["id"],
        False,
    )
    assert task["owner"]["email"] == task["created_by"]["email"] == "rep@us.example"
    assert api("get", f"/api/v1/tasks/{task['id']}").get_json()["title"] == "Send the quote"

    done = api("patch", f"/api/v1/tasks/{task['id']}", json={"done": True}).get_json()
    assert done["done"] is True and done["done_at"]
    reopened = api("patch", f"/api/v1/tasks/{task['id']}", json={"done": False, "title": "Send the new quote", "due_time": None}).get_json()
    assert (reopened["done"], reopened["done_at"], reopened["title"], reopened["due_time"]) == (False, None, "Send the new quote", None)

    assert api("delete", f"/api/v1/tasks/{task['id']}").status_code == 204
    assert api("get", f"/api/v1/tasks/{task['id']}").status_code == 404


def test_filters_and_the_tasks_of_a_record(setup):
    api, colleague, contact, lead = setup["api"], setup["colleague"], setup["contact"], setup["lead"]
    early = api("post", "/api/v1/tasks", json={"title": "Early", "due_date": "2026-01-10", "contact_id": contact["id"]}).get_json()
    late = api("post", "/api/v1/tasks", json={"title": "Late", "due_date": "2026-05-10", "lead_id": lead["id"]}).get_json()
    theirs = colleague("post", "/api/v1/tasks", json={"title": "Theirs", "contact_id": contact["id"]}).get_json()
    api("patch", f"/api/v1/tasks/{late['id']}", json={"done": True})

    titles = lambda path: [t["title"] for t in api("get", path).get_json()["items"]]  # noqa: E731
    assert titles("/api/v1/tasks") == ["Early", "Theirs"]  # open, soonest due first, undated last
    assert titles("/api/v1/tasks?status=all") == ["Early", "Theirs", "Late"]
    assert titles("/api/v1/tasks?status=done") == ["Late"]
    assert titles("/api/v1/tasks?mine=true") == ["Early"]
    assert titles(f"/api/v1/tasks?owner_id={theirs['owner']['id']}") == ["Theirs"]
    assert titles("/api/v1/tasks?status=all&due_before=2026-02-01") == ["Early"]
    assert titles(f"/api/v1/contacts/{contact['id']}/tasks") == ["Early", "Theirs"]
    assert titles(f"/api/v1/leads/{lead['id']}/tasks?status=all") == ["Late"]
    assert titles(f"/api/v1/tasks?lead_id={lead['id']}&status=all") == ["Late"]
    assert early["id"] in [t["id"] for t in colleague("get", f"/api/v1/contacts/{contact['id']}/tasks").get_json()["items"]]


def test_colleagues_see_linked_tasks_but_change_only_their_own(setup):
    api, colleague, admin, contact = setup["api"], setup["colleague"], setup["admin"], setup["contact"]
    linked = api("post", "/api/v1/tasks", json={"title": "Call Ada", "contact_id": contact["id"]}).get_json()
    private = api("post", "/api/v1/tasks", json={"title": "Dentist"}).get_json()

    assert colleague("get", f"/api/v1/tasks/{linked['id']}").status_code == 200
    assert colleague("get", f"/api/v1/tasks/{private['id']}").status_code == 404  # an unlinked task is its owner's
    assert [t["title"] for t in colleague("get", "/api/v1/tasks").get_json()["items"]] == ["Call Ada"]

    refused = colleague("patch", f"/api/v1/tasks/{linked['id']}", json={"done": True})
    assert refused.status_code == 403 and "owner or an administrator" in refused.get_json()["message"]
    assert colleague("delete", f"/api/v1/tasks/{linked['id']}").status_code == 403
    assert colleague("patch", f"/api/v1/tasks/{linked['id']}", json={"owner_id": setup["colleague_user"].id}).status_code == 403
    assert api("get", f"/api/v1/tasks/{linked['id']}").get_json()["done"] is False  # nothing changed

    # An administrator may change, reassign and delete anyone's task, and sees private ones.
    assert admin("get", f"/api/v1/tasks/{private['id']}").status_code == 200
    given = admin("patch", f"/api/v1/tasks/{linked['id']}", json={"owner_id": setup["colleague_user"].id})
    assert given.status_code == 200 and given.get_json()["owner"]["email"] == "col@us.example"
    # Now it is the colleague's: they change it, the rep no longer may.
    assert colleague("patch", f"/api/v1/tasks/{linked['id']}", json={"done": True}).get_json()["done"] is True
    assert api("patch", f"/api/v1/tasks/{linked['id']}", json={"title": "Mine again?"}).status_code == 403
    assert admin("delete", f"/api/v1/tasks/{private['id']}").status_code == 204


def test_another_organisation_sees_nothing(setup):
    task = setup["api"]("post", "/api/v1/tasks", json={"title": "Call Ada", "contact_id": setup["contact"]["id"]}).get_json()
    stranger = setup["stranger"]
    assert stranger("get", f"/api/v1/tasks/{task['id']}").status_code == 404
    assert stranger("patch", f"/api/v1/tasks/{task['id']}", json={"done": True}).status_code == 404
    assert stranger("delete", f"/api/v1/tasks/{task['id']}").status_code == 404
    assert stranger("get", "/api/v1/tasks?status=all").get_json()["items"] == []
    assert stranger("get", f"/api/v1/contacts/{setup['contact']['id']}/tasks").status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": "  "}, "title"),
        ({"title": 7}, "title"),
        ({"title": "x", "due_date": "2026-02-30"}, "due_date"),
        ({"title": "x", "due_date": "tomorrow"}, "due_date"),
        ({"title": "x", "due_date": "2026-02-01", "due_time": "25:00"}, "due_time"),
        ({"title": "x", "due_time": "10:00"}, "due_time"),
        ({"title": "x", "done": "yes"}, "done"),
        ({"title": "x", "contact_id": "one"}, "contact_id"),
        ({"title": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(setup, body, field):
    answer = setup["api"]("post", "/api/v1/tasks", json=body)
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["field"] == field


def test_links_to_records_of_another_organisation_or_none_are_refused_and_nothing_is_lost(setup):
    api = setup["api"]
    task = api("post", "/api/v1/tasks", json={"title": "Keep me", "contact_id": setup["contact"]["id"]}).get_json()
    for body in ({"contact_id": setup["their_contact"]["id"]}, {"lead_id": 999999}, {"deal_id": 999999}, {"owner_id": 999999}):
        assert api("post", "/api/v1/tasks", json={"title": "x", **body}).status_code == 404
        answer = api("patch", f"/api/v1/tasks/{task['id']}", json=body)
        assert answer.status_code == 404 and answer.get_json()["error"] == "not_found"
    bad_due = api("patch", f"/api/v1/tasks/{task['id']}", json={"due_date": "2026-13-01"})
    assert bad_due.status_code == 400
    kept = api("get", f"/api/v1/tasks/{task['id']}").get_json()
    assert (kept["title"], kept["contact_id"], kept["due_date"]) == ("Keep me", setup["contact"]["id"], None)
    assert api("get", "/api/v1/tasks?status=all").get_json()["items"] == [kept]


@pytest.mark.parametrize("query", ["status=later", "mine=yes", "owner_id=abc", "due_before=soon", "contact_id=-1"])
def test_bad_filters_are_a_400(setup, query):
    assert setup["api"]("get", f"/api/v1/tasks?{query}").status_code == 400


def test_a_member_may_take_an_unowned_task_for_themselves_only(setup, app):
    from threadbook.db import database
    from threadbook.models import Task

    task = setup["api"]("post", "/api/v1/tasks", json={"title": "Orphan", "lead_id": setup["lead"]["id"]}).get_json()
    with app.app_context():
        database.connect(reuse_if_open=True)
        Task.update(owner=None).where(Task.id == task["id"]).execute()  # its owner left the organisation
    colleague = setup["colleague"]
    assert colleague("patch", f"/api/v1/tasks/{task['id']}", json={"done": True}).status_code == 403
    assert colleague("patch", f"/api/v1/tasks/{task['id']}", json={"owner_id": setup["rep"].id}).status_code == 403
    taken = colleague("patch", f"/api/v1/tasks/{task['id']}", json={"owner_id": setup["colleague_user"].id})
    assert taken.status_code == 200 and taken.get_json()["owner"]["email"] == "col@us.example"
