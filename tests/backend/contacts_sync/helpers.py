"""Calls the Google Contacts tests share: the API as a user, and CRM contacts made through it."""

ROUTE = "/api/v1/me/google-contacts"


def choice(client, factory, user):
    response = client.get(ROUTE, headers=factory.headers(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def change(client, factory, user, **body):
    return client.put(ROUTE, json=body, headers=factory.headers(user))


def turn_on(client, factory, user, **body):
    response = change(client, factory, user, enabled=True, **body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def sync_now(client, factory, user):
    return client.post(ROUTE + "/sync", headers=factory.headers(user))


def new_contact(client, factory, user, email, name, **fields):
    response = client.post("/api/v1/contacts", json={"email": email, "name": name, **fields}, headers=factory.headers(user))
    assert response.status_code == 201, response.get_json()
    return response.get_json()
