"""Development sign-in says when the address will not see the demo: only @threadbook.test joins the demo organisation."""

import pytest

from threadbook.models import Organization
from threadbook.seed import DEMO_DOMAIN, seed_demo


@pytest.fixture
def app_settings():
    return {"DEV_SIGNIN": True, "BIND_ADDRESS": "127.0.0.1:5000"}


def dev_sign_in(client, email):
    response = client.post("/api/v1/session/dev", json={"email": email}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_address_of_the_demo_domain_joins_the_demo_without_a_notice(client, db):
    demo = seed_demo()
    body = dev_sign_in(client, f"rita@{DEMO_DOMAIN}")
    assert body["org"]["id"] == demo.id
    assert "notice" not in body


def test_another_address_is_told_why_its_crm_is_empty(client, db):
    seed_demo()
    body = dev_sign_in(client, "jane@mycompany.com")
    org = Organization.get_by_id(body["org"]["id"])
    assert org.domain != DEMO_DOMAIN
    assert body["notice"] == (
        f"You are in '{org.name}', not the demo organisation: development sign-in puts only @threadbook.test addresses there "
        "(for example demo@threadbook.test, seeded by `make db`); jane@mycompany.com gets an organisation of its own."
    )
