"""Serve ``GET /api/v1/openapi.json``: one OpenAPI 3.1 document for the whole API.

Every module of ``threadbook.api`` may define ``OPENAPI_PATHS`` (path items
keyed by path, parameters written ``{id}``) and ``OPENAPI_SCHEMAS`` (named
JSON Schemas); this module merges them with the record schemas of
``serializers.SCHEMAS``. Two things are added to every operation so the
document stays true without each module repeating them: a ``default``
response in the one error shape, and ``security: []`` on views marked
``@public``. The helpers below keep the modules' path items short.
"""

import re

from flask import Blueprint, current_app, jsonify

from threadbook.api import api_modules, public
from threadbook.crm import serializers

bp = Blueprint("openapi", __name__)

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_RULE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def ref(name):
    """Point at a schema in components."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(description, schema=None, headers=None):
    response = {"description": description}
    if schema is not None:
        response["content"] = {"application/json": {"schema": schema}}
    if headers:
        response["headers"] = headers
    return response


def json_body(schema, required=True):
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def errors(*statuses):
    """Responses in the error shape for the given statuses."""
    return {str(status): {"$ref": "#/components/responses/Error"} for status in statuses}


def path_id(name="id", description="The record's id."):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}, "description": description}


def query(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PAGE_PARAMS = [
    query("page", {"type": "integer", "minimum": 1, "maximum": 100000}, "Page number, from 1."),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page (default 25)."),
]


def page_of(schema):
    """A page of items: ``{"items", "page", "per_page", "has_more"}``."""
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "has_more"],
        "properties": {
            "items": {"type": "array", "items": schema},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "has_more": {"type": "boolean"},
        },
    }


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "A stable code, e.g. not_found, conflict, google_reauth_required."},
        "message": {"type": "string", "description": "What went wrong and what to do, for a person."},
        "field": {"type": "string"},
    },
}

OPENAPI_PATHS = {
    "/api/v1/openapi.json": {
        "get": {
            "summary": "This document",
            "tags": ["meta"],
            "responses": {"200": json_response("The OpenAPI 3.1 document.", {"type": "object"})},
        }
    }
}


def openapi_path(rule):
    """Turn a Flask rule (``/contacts/<int:id>``) into an OpenAPI path (``/contacts/{id}``)."""
    return _RULE_PARAM.sub(r"{\1}", rule)


def _merge(paths, more, source):
    for path, item in more.items():
        target = paths.setdefault(path, {})
        for key, value in item.items():
            if key in target and key in HTTP_METHODS:
                raise ValueError(f"{source} documents {key.upper()} {path}, which another module already documents")
            target[key] = value


def build_document(app):
    """Return the merged OpenAPI document for ``app``."""
    paths, schemas = {}, {"Error": ERROR_SCHEMA, **serializers.SCHEMAS}
    for module in api_modules():
        _merge(paths, getattr(module, "OPENAPI_PATHS", {}), module.__name__)
        schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        item = paths.get(openapi_path(rule.rule))
        if item is None or not getattr(view, "is_public", False):
            continue
        for method in rule.methods or ():
            operation = item.get(method.lower())
            if operation is not None:
                operation.setdefault("security", [])
    for item in paths.values():
        for method in HTTP_METHODS:
            if method in item:
                item[method].setdefault("responses", {}).setdefault("default", {"$ref": "#/components/responses/Error"})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Threadbook API",
            "version": "1",
            "description": "The CRM beside Gmail. Every /api/v1 call takes 'Authorization: Bearer <session token>' "
            'unless marked otherwise; errors are {"error", "message"}.',
        },
        "servers": [{"url": "/"}],
        "security": [{"session": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "securitySchemes": {"session": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": schemas,
            "responses": {
                "Error": json_response(
                    "An error in the one shape.",
                    {"$ref": "#/components/schemas/Error"},
                    headers={"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait (503, 429)."}},
                )
            },
        },
    }


@bp.get("/openapi.json")
@public
def openapi_document():
    document = current_app.extensions.get("threadbook_openapi")
    if document is None:
        document = current_app.extensions["threadbook_openapi"] = build_document(current_app)
    return jsonify(document)
