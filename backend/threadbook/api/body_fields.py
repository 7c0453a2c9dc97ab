"""Refuse JSON body fields a route does not know, from the route's own OpenAPI request schema.

A body like ``{"colour": "red"}`` used to be accepted silently (a typo such as
``owner`` for ``owner_id`` then did nothing, and the client never knew). The
OpenAPI document already lists the fields each route reads, so it is the one
place that says which fields are known: the API and its documentation cannot
drift apart. A route whose body schema lists no properties, or allows more
(``additionalProperties`` true or a schema), takes any field.
"""

from flask import current_app, request

from threadbook.errors import ApiError

_EXTENSION_KEY = "threadbook_body_fields"


def _resolve(schema, schemas):
    while isinstance(schema, dict) and "$ref" in schema:
        schema = schemas.get(schema["$ref"].rpartition("/")[2], {})
    return schema if isinstance(schema, dict) else {}


def _known_fields(schema, schemas):
    """The field names ``schema`` allows at its top level, or None when it allows any.

    ``oneOf``/``anyOf``/``allOf`` parts that only say which fields are required
    add no names; parts that declare properties add theirs.
    """
    schema = _resolve(schema, schemas)
    if schema.get("additionalProperties", False) not in (False, None):
        return None
    names = set(schema.get("properties", {}))
    declared = "properties" in schema
    for part in schema.get("oneOf", []) + schema.get("anyOf", []) + schema.get("allOf", []):
        part = _resolve(part, schemas)
        if "properties" in part or "additionalProperties" in part or "$ref" in part:
            known = _known_fields(part, schemas)
            if known is None:
                return None
            names |= known
            declared = True
    return names if declared else None


def _build_index(app):
    from threadbook.api.openapi import HTTP_METHODS, build_document

    document = build_document(app)
    schemas = document["components"]["schemas"]
    index = {}
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            body = (item.get(method) or {}).get("requestBody") or {}
            schema = body.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None:
                index[(path, method.upper())] = _known_fields(schema, schemas)
    return index


def check_known_fields(body):
    """Raise 400 naming the first field of ``body`` that the current route does not document."""
    from threadbook.api import API_PREFIX
    from threadbook.api.openapi import openapi_path

    if request.url_rule is None or not request.url_rule.rule.startswith(API_PREFIX):
        return
    index = current_app.extensions.get(_EXTENSION_KEY)
    if index is None:
        index = current_app.extensions[_EXTENSION_KEY] = _build_index(current_app)
    known = index.get((openapi_path(request.url_rule.rule), request.method))
    if known is None:
        return
    unknown = sorted(set(body) - known)
    if unknown:
        listed = ", ".join(f"'{name}'" for name in sorted(known)) or "none"
        raise ApiError(400, f"Unknown field '{unknown[0]}'. The fields this call takes are: {listed}.", field=unknown[0])
