"""New-mail notifications from sync: the record's owner is told, never about mail they may not see; paging, read, the switch."""

import pytest

from ..support.sync import ago, connect, run_sync

BUYER = "Buyer <buyer@customer.example>"


@pytest.fixture
def box(google, rep):
    return google.state.add_mailbox(rep.email)


@pytest.fixture
def colleague(factory, org):
    return factory.user(org, email="colleague@acme.example")


def make_contact(client, factory, owner, email="buyer@customer.example"):
    response = client.post("/api/v1/contacts", json={"name": "Bea Buyer", "email": email, "owner_id": owner.id}, headers=factory.headers(owner))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def feed(client, factory, user, **query):
    response = client.get("/api/v1/notifications", query_string=query, headers=factory.headers(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_owner_is_told_when_their_contact_writes(app, client, factory, google, rep, colleague, box):
    contact = make_contact(client, factory, rep)
    box.add_message(sender=BUYER, to=[rep.email], subject="Quote please", date=ago(hours=2))
    box.add_message(sender="Stranger <who@elsewhere.example>", to=[rep.email], subject="Hi", date=ago(hours=1))
    box.add_message(sender=rep.email, to=["buyer@customer.example"], subject="Re: Quote please", date=ago(minutes=30))

    run_sync(app, connect(app, google, rep).id)

    body = feed(client, factory, rep)
    [item] = body["items"]
    assert item["subject"] == "Quote please" and item["record"] == {"kind": "contact", "id": contact["id"], "name": "Bea Buyer"}
    assert item["gmail_thread_id"] and item["read"] is False and body["unread"] == 1 and body["next_cursor"] is None
    assert feed(client, factory, colleague)["items"] == []  # not the colleague's record


def test_a_lead_owner_is_told_about_a_colleagues_shared_mail_but_never_a_private_one(app, client, factory, google, rep, colleague):
    lead = client.post("/api/v1/leads", json={"name": "Lee", "email": "lee@prospect.example", "owner_id": rep.id}, headers=factory.headers(rep))
    assert lead.status_code == 201, lead.get_json()
    other = google.state.add_mailbox(colleague.email)
    other.add_message(sender="Lee <lee@prospect.example>", to=[colleague.email], subject="Secret", date=ago(hours=3))
    headers = factory.headers(colleague)
    assert client.patch("/api/v1/me", json={"default_visibility": "private"}, headers=headers).status_code == 200
    mailbox = connect(app, google, colleague)

    run_sync(app, mailbox.id)
    assert feed(client, factory, rep)["items"] == []  # the colleague's private mail tells no one

    assert client.patch("/api/v1/me", json={"default_visibility": "team_metadata"}, headers=headers).status_code == 200
    other.add_message(sender="Lee <lee@prospect.example>", to=[colleague.email], subject="Shared", date=ago(minutes=5))
    run_sync(app, mailbox.id)

    [item] = feed(client, factory, rep)["items"]
    assert item["subject"] == "Shared" and item["record"]["kind"] == "lead"
    assert feed(client, factory, colleague)["items"] == []  # they do not own the lead


def test_a_notification_leaves_the_feed_when_its_mail_turns_private(app, client, factory, google, rep, colleague):
    make_contact(client, factory, rep)
    other = google.state.add_mailbox(colleague.email)
    other.add_message(sender=BUYER, to=[colleague.email], subject="Shared", date=ago(hours=1))
    client.patch("/api/v1/me", json={"default_visibility": "team_full"}, headers=factory.headers(colleague))
    run_sync(app, connect(app, google, colleague).id)
    [item] = feed(client, factory, rep)["items"]

    response = client.patch(f"/api/v1/emails/{item['email_id']}", json={"visibility": "private"}, headers=factory.headers(colleague))

    assert response.status_code == 200, response.get_json()
    body = feed(client, factory, rep)
    assert body["items"] == [] and body["unread"] == 0


def test_paging_newest_first_and_marking_read(app, client, factory, google, rep, colleague, box):
    make_contact(client, factory, rep)
    for n in range(5):
        box.add_message(sender=BUYER, to=[rep.email], subject=f"Mail {n}", date=ago(hours=10 - n))
    run_sync(app, connect(app, google, rep).id)

    first = feed(client, factory, rep, limit=2)
    second = feed(client, factory, rep, limit=2, cursor=first["next_cursor"])
    third = feed(client, factory, rep, limit=2, cursor=second["next_cursor"])
    ids = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert len(ids) == 5 and ids == sorted(ids, reverse=True) and third["next_cursor"] is None
    assert first["unread"] == 5

    headers = factory.headers(rep)
    marked = client.post("/api/v1/notifications/read", json={"ids": ids[:2]}, headers=headers).get_json()
    assert marked == {"marked": 2, "unread": 3}
    # A colleague cannot mark someone else's notifications.
    other = client.post("/api/v1/notifications/read", json={"ids": ids}, headers=factory.headers(colleague)).get_json()
    assert other["marked"] == 0 and feed(client, factory, rep)["unread"] == 3
    assert client.post("/api/v1/notifications/read", json={"all": True}, headers=headers).get_json() == {"marked": 3, "unread": 0}
    assert client.get("/api/v1/me/alerts", headers=headers).get_json()["unread_notifications"] == 0


@pytest.mark.parametrize("body", [{}, {"ids": []}, {"ids": ["1"]}, {"ids": [True]}, {"ids": [2**40]}, {"all": "yes"}, {"ids": list(range(1, 502))}])
def test_mark_read_refuses_bad_input(client, factory, rep, body):
    response = client.post("/api/v1/notifications/read", json=body, headers=factory.headers(rep))
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


@pytest.mark.parametrize("query", [{"cursor": "abc"}, {"cursor": "-1"}, {"limit": 0}, {"limit": 101}, {"limit": "x"}])
def test_the_feed_refuses_bad_paging(client, factory, rep, query):
    response = client.get("/api/v1/notifications", query_string=query, headers=factory.headers(rep))
    assert response.status_code == 400


def test_the_switch_off_means_no_notifications(app, client, factory, google, rep, box):
    make_contact(client, factory, rep)
    headers = factory.headers(rep)
    response = client.patch("/api/v1/me", json={"notifications_enabled": False}, headers=headers)
    assert response.status_code == 200 and response.get_json()["user"]["notifications_enabled"] is False
    assert client.patch("/api/v1/me", json={"notifications_enabled": "no"}, headers=headers).status_code == 400
    box.add_message(sender=BUYER, to=[rep.email], subject="Quiet", date=ago(hours=1))

    run_sync(app, connect(app, google, rep).id)

    assert feed(client, factory, rep)["items"] == []
    assert client.get("/api/v1/me/alerts", headers=headers).get_json()["notifications_enabled"] is False


def test_one_mail_held_by_two_colleagues_is_told_once(app, client, factory, google, rep, colleague, box):
    make_contact(client, factory, rep)
    other = google.state.add_mailbox(colleague.email)
    for mailbox in (box, other):
        mailbox.add_message(sender=BUYER, to=[rep.email, colleague.email], subject="To you both", message_id="<both@customer.example>", date=ago(hours=1))
    client.patch("/api/v1/me", json={"default_visibility": "team_full"}, headers=factory.headers(colleague))

    run_sync(app, connect(app, google, rep).id)
    run_sync(app, connect(app, google, colleague).id)

    assert len(feed(client, factory, rep)["items"]) == 1
