"""A fake People API (v1) for tests: Google Contacts and contact groups, in Google's JSON shapes and errors.

It answers the paths google-api-python-client builds from
``GOOGLE_PEOPLE_API_ROOT`` (``<root>v1/people:createContact``,
``<root>v1/people/{id}:updateContact`` …), strictly as Google does:

- ``people.createContact`` (the person gets ``resourceName``, ``etag``,
  ``metadata.sources`` and, besides the groups asked for, My Contacts);
- ``people.get`` and ``people.updateContact`` need their field masks
  (``personFields``, ``updatePersonFields``: 400 without, or with an unknown
  path); an update without ``etag`` is refused, and one whose etag is not the
  person's current one answers 400 ``FAILED_PRECONDITION``, in Google's words;
- ``people.deleteContact`` (404 when unknown);
- ``contactGroups.list``/``get``/``create`` (409 when the name exists) and
  ``contactGroups.members.modify``;
- writes need the ``contacts`` scope, reads ``contacts`` or
  ``contacts.readonly`` (403 ``ACCESS_TOKEN_SCOPE_INSUFFICIENT`` otherwise);
  ``PeopleState.fail(rate_limited(...))`` answers 429 ``RESOURCE_EXHAUSTED`` on demand.

    state = PeopleState()
    state.grant("token-1", "rep@acme.example")
    server = ServerThread(create_app(state)).start()   # GOOGLE_PEOPLE_API_ROOT = server.url + "/"
"""

import copy

from flask import Flask, jsonify, request

from .google_common import GoogleError, answer_errors_as_google, authorised_grant, insufficient_scope, not_found, scope, token_account
from .gpeople_store import PeopleState

__all__ = ["PeopleState", "create_app", "rate_limited"]

CONTACTS = scope("contacts")
READ = {CONTACTS, scope("contacts.readonly")}
PERSON_FIELDS = {
    "addresses", "biographies", "birthdays", "emailAddresses", "memberships", "metadata", "names", "nicknames",
    "organizations", "phoneNumbers", "photos", "relations", "urls", "userDefined", "occupations", "locales",
}  # fmt: skip
# updateContact's updatePersonFields (photos go through updateContactPhoto; metadata is Google's).
UPDATABLE = PERSON_FIELDS - {"metadata", "photos"}
WRITABLE_ON_CREATE = UPDATABLE
GROUP_PAGE_MAX = 1000


def rate_limited(retry_after=None):
    """The People API's 429: per-user quota exhausted (``Retry-After`` when given)."""
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return GoogleError(
        429,
        "Quota exceeded for quota metric 'Critical write requests (Contact and Profile Writes)' and limit "
        "'Critical write requests (Contact and Profile Writes) per minute per user' of service 'people.googleapis.com'.",
        "rateLimitExceeded",
        domain="usageLimits",
        headers=headers,
        details=[{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED", "domain": "googleapis.com"}],
    )


def _bad(message, reason="badRequest"):
    return GoogleError(400, message, reason)


def _mask(name, doc_path):
    value = request.args.get(name, "")
    paths = [p.strip() for p in value.split(",") if p.strip()]
    if not paths:
        raise _bad(
            f"{name} mask is required. Please specify one or more valid paths. Valid paths are documented at "
            f"https://developers.google.com/people/api/rest/v1/people/{doc_path}."
        )
    return paths


def _checked_fields(paths, allowed, name):
    for path in paths:
        if path not in allowed:
            raise _bad(f'Invalid {name} mask path: "{path}". Valid paths are documented at https://developers.google.com/people/api/rest/v1/people.')
    return paths


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise _bad("Invalid JSON payload received.")
    return body


def _unknown_names(body, allowed, where):
    for key in body:
        if key not in allowed:
            raise _bad(f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': Cannot find field.")


def _shown(person, fields):
    shown = {k: copy.deepcopy(v) for k, v in person.items() if k in fields or k in ("resourceName", "etag")}
    shown.setdefault("etag", person["etag"])
    return shown


def create_app(state):
    app = Flask(__name__)
    answer_errors_as_google(app)

    def grant_for(needs):
        state.account_calls.append((token_account(state), request.method, request.path))
        grant = authorised_grant(state)
        if not grant.scopes & needs:
            raise insufficient_scope("people.googleapis.com", "google.people.v1.PeopleService")
        return state.account(grant.mailbox)

    def person_of(account, person_id):
        person = account.people.get(f"people/{person_id}")
        if person is None:
            raise not_found()
        return person

    def display_name(person):
        names = person.get("names") or []
        if names:
            first = names[0]
            first["displayName"] = " ".join(filter(None, (first.get("givenName"), first.get("familyName"))))

    @app.post("/v1/people:createContact")
    def create_contact():
        account = grant_for({CONTACTS})
        body = _body()
        _unknown_names(body, WRITABLE_ON_CREATE | {"etag", "resourceName"}, "person")
        if "resourceName" in body or "etag" in body:
            raise _bad("Request person.resource_name and person.etag must not be set when creating a contact.")
        fields = request.args.get("personFields")
        with state.lock:
            for membership in body.get("memberships") or []:
                group = (membership.get("contactGroupMembership") or {}).get("contactGroupResourceName")
                if group not in account.groups:
                    raise _bad(f'Contact group resource name "{group}" is invalid or not found.')
            person_id = state.new_id("c")
            resource_name = f"people/{person_id}"
            person = copy.deepcopy(body)
            person["resourceName"] = resource_name
            person["metadata"] = {"sources": [{"type": "CONTACT", "id": person_id}], "objectType": "PERSON"}
            groups = [(m.get("contactGroupMembership") or {}).get("contactGroupResourceName") for m in body.get("memberships") or []]
            groups = ["contactGroups/myContacts", *[g for g in groups if g != "contactGroups/myContacts"]]
            person["memberships"] = [{"contactGroupMembership": {"contactGroupResourceName": g, "contactGroupId": g.split("/")[1]}} for g in groups]
            for group in groups:
                account.groups[group]["members"].append(resource_name)
            display_name(person)
            state.touch(person)
            account.people[resource_name] = person
            return jsonify(_shown(person, set(fields.split(",")) if fields else PERSON_FIELDS))

    @app.route("/v1/people/<path:target>", methods=["GET", "PATCH", "DELETE"])
    def one_person(target):
        person_id, _, action = target.partition(":")
        if request.method == "GET" and not action:
            account = grant_for(READ)
            fields = _checked_fields(_mask("personFields", "get"), PERSON_FIELDS, "personFields")
            return jsonify(_shown(person_of(account, person_id), set(fields)))
        if request.method == "PATCH" and action == "updateContact":
            account = grant_for({CONTACTS})
            paths = _checked_fields(_mask("updatePersonFields", "updateContact"), UPDATABLE, "updatePersonFields")
            body = _body()
            _unknown_names(body, PERSON_FIELDS | {"etag", "resourceName"}, "person")
            with state.lock:
                person = person_of(account, person_id)
                etag = body.get("etag")
                if not etag:
                    raise _bad("Request must set person.etag or person.metadata.sources.etag for the source that is being updated.")
                if etag != person["etag"]:
                    raise GoogleError(
                        400,
                        "Request person.etag is different than the current person.etag. Clear local cache and get the latest person.",
                        "failedPrecondition",
                        status="FAILED_PRECONDITION",
                    )
                for path in paths:
                    if body.get(path):
                        person[path] = copy.deepcopy(body[path])
                    else:
                        person.pop(path, None)  # a field in the mask but not in the body is cleared
                display_name(person)
                state.touch(person)
                fields = request.args.get("personFields")
                return jsonify(_shown(person, set(fields.split(",")) if fields else PERSON_FIELDS))
        if request.method == "DELETE" and action == "deleteContact":
            account = grant_for({CONTACTS})
            with state.lock:
                person = person_of(account, person_id)
                account.people.pop(person["resourceName"])
                for group in account.groups.values():
                    if person["resourceName"] in group["members"]:
                        group["members"].remove(person["resourceName"])
            return jsonify({})
        raise not_found()

    def group_json(resource_name, group, max_members=0):
        answer = {
            "resourceName": resource_name,
            "etag": group.setdefault("etag", state.new_etag()),
            "metadata": {"updateTime": "2026-01-01T00:00:00Z"},
            "groupType": group["groupType"],
            "name": group["name"],
            "formattedName": group["name"],
            "memberCount": len(group["members"]),
        }
        if max_members:
            answer["memberResourceNames"] = group["members"][:max_members]
        return answer

    @app.get("/v1/contactGroups")
    def list_groups():
        account = grant_for(READ)
        size = int(request.args.get("pageSize", 30))
        if not 0 < size <= GROUP_PAGE_MAX:
            raise _bad(f"pageSize must be between 1 and {GROUP_PAGE_MAX}.")
        start = int(request.args.get("pageToken") or 0)
        items = list(account.groups.items())
        page = items[start : start + size]
        answer = {"contactGroups": [group_json(r, g) for r, g in page], "totalItems": len(items), "nextSyncToken": "EOGNDh"}
        if start + size < len(items):
            answer["nextPageToken"] = str(start + size)
        return jsonify(answer)

    @app.post("/v1/contactGroups")
    def create_group():
        account = grant_for({CONTACTS})
        body = _body()
        _unknown_names(body, {"contactGroup", "readGroupFields"}, "")
        name = ((body.get("contactGroup") or {}).get("name") or "").strip()
        if not name:
            raise _bad("Contact group name must be set.")
        with state.lock:
            if any(g["name"] == name for g in account.groups.values()):
                raise GoogleError(409, "Cannot create contact group: name already exists.", "alreadyExists")
            resource_name = f"contactGroups/{state.new_id('')}"
            account.groups[resource_name] = {"name": name, "groupType": "USER_CONTACT_GROUP", "members": [], "etag": state.new_etag()}
            return jsonify(group_json(resource_name, account.groups[resource_name]))

    @app.get("/v1/contactGroups/<group_id>")
    def get_group(group_id):
        account = grant_for(READ)
        group = account.groups.get(f"contactGroups/{group_id}")
        if group is None:
            raise not_found()
        return jsonify(group_json(f"contactGroups/{group_id}", group, int(request.args.get("maxMembers", 0))))

    @app.post("/v1/contactGroups/<group_id>/members:modify")
    def modify_members(group_id):
        account = grant_for({CONTACTS})
        body = _body()
        _unknown_names(body, {"resourceNamesToAdd", "resourceNamesToRemove"}, "")
        with state.lock:
            group = account.groups.get(f"contactGroups/{group_id}")
            if group is None:
                raise not_found()
            missing = []
            for name in body.get("resourceNamesToAdd") or []:
                if name not in account.people:
                    missing.append(name)
                elif name not in group["members"]:
                    group["members"].append(name)
            for name in body.get("resourceNamesToRemove") or []:
                if name in group["members"]:
                    group["members"].remove(name)
            return jsonify({"notFoundResourceNames": missing} if missing else {})

    return app
