"""google/tasks.py against the fake Google Tasks: Google's rules the sync relies on, and the fake's strictness."""

import datetime

import google.oauth2.credentials
import pytest
import requests

from threadbook.google import errors
from threadbook.google.tasks import GoogleTasks


@pytest.fixture
def client(gtasks):
    gtasks.grant("tok", "rep@us.example", scopes=("tasks",))
    return GoogleTasks(google.oauth2.credentials.Credentials("tok"), gtasks.root)


def test_lists_tasks_due_dates_and_completion(client, gtasks):
    list_id = client.insert_list("Threadbook")["id"]
    assert [tl["title"] for tl in client.task_lists()] == ["Threadbook"]
    made = client.insert_task(list_id, {"title": "Call", "due": "2026-03-02T15:30:00.000Z"})
    assert made["due"] == "2026-03-02T00:00:00.000Z" and made["status"] == "needsAction"  # Google keeps the date only
    done = client.patch_task(list_id, made["id"], {"status": "completed"})
    assert done["completed"] and done["updated"] >= made["updated"]
    reopened = client.patch_task(list_id, made["id"], {"status": "needsAction", "completed": None})
    assert "completed" not in reopened


def test_completed_in_google_is_hidden_and_deleted_is_listed_only_on_request(client, gtasks):
    list_id = client.insert_list("Threadbook")["id"]
    client.insert_task(list_id, {"title": "Ticked"})
    client.insert_task(list_id, {"title": "Gone"})
    gtasks.complete("rep@us.example", "Ticked")
    gtasks.delete("rep@us.example", "Gone")
    plain = requests.get(f"{gtasks.root}tasks/v1/lists/{list_id}/tasks", headers={"Authorization": "Bearer tok"}, timeout=5).json()
    assert plain["items"] == []  # hidden and deleted tasks need showHidden / showDeleted
    everything = {t["title"]: t for t in client.tasks(list_id)}
    assert everything["Ticked"]["hidden"] is True and everything["Gone"]["deleted"] is True
    later = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(minutes=1)
    assert client.tasks(list_id, updated_min=later) == []
    with pytest.raises(errors.NotFound):
        client.patch_task(list_id, everything["Gone"]["id"], {"title": "back?"})


def test_the_fake_refuses_what_google_refuses(client, gtasks):
    list_id = client.insert_list("Threadbook")["id"]
    with pytest.raises(errors.GoogleApiError) as bad_status:
        client.insert_task(list_id, {"title": "x", "status": "done"})
    assert bad_status.value.status == 400
    with pytest.raises(errors.GoogleApiError):
        client.insert_list("  ")
    other = gtasks.add_list("col@us.example", "Threadbook")
    with pytest.raises(errors.NotFound):
        client.tasks(other["id"])
    gtasks.grant("read", "rep@us.example", scopes=("tasks.readonly",))
    reader = GoogleTasks(google.oauth2.credentials.Credentials("read"), gtasks.root)
    assert reader.tasks(list_id) == []
    with pytest.raises(errors.InsufficientScope):
        reader.insert_task(list_id, {"title": "x"})
    with pytest.raises(errors.ReauthRequired):
        GoogleTasks(google.oauth2.credentials.Credentials("nobody"), gtasks.root).task_lists()


def test_pages_and_rate_limits(client, gtasks):
    from ...fakes.google_common import rate_limited

    list_id = client.insert_list("Threadbook")["id"]
    for n in range(130):
        gtasks.lists[list_id]["tasks"][f"t{n}"] = {"kind": "tasks#task", "id": f"t{n}", "title": str(n), "status": "needsAction", "_position": n}
        gtasks._touch(gtasks.lists[list_id]["tasks"][f"t{n}"])
    assert len(client.tasks(list_id)) == 130  # two pages of at most 100
    gtasks.fail(rate_limited(retry_after=40))
    with pytest.raises(errors.RateLimited) as limited:
        client.task_lists()
    assert limited.value.retry_after == 40
