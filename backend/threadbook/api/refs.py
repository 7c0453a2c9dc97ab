"""Read record references and typed values from request bodies, within the caller's organisation.

An id that names nothing in the caller's organisation answers 404 like any
other record of another organisation; a value of the wrong type answers 400.
"""

import decimal
import re

from flask import g

from threadbook import matching
from threadbook.api.params import integer, string
from threadbook.crm.records import get_in_org
from threadbook.errors import ApiError
from threadbook.models import User

MAX_AMOUNT = decimal.Decimal("999999999999.99")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def record_id(body, name):
    """Return body[name] as a record id (checked, not looked up), None when absent or null."""
    return integer(body, name, minimum=1, maximum=2**63 - 1)


def record_ref(body, name, model, what):
    """Return the record of ``model`` named by body[name] (an id), None when absent or null."""
    found_id = record_id(body, name)
    if found_id is None:
        return None
    return get_in_org(model, found_id, g.org.id, what)


def owner_ref(body, name="owner_id"):
    """Return the user named by body[name] in the caller's organisation, None when absent or null."""
    return record_ref(body, name, User, "user")


def address_list(body, name, required=False, max_items=20):
    """Return [(as written, normalised)] from a list of addresses; duplicates dropped."""
    values = body.get(name)
    if values is None:
        if required:
            raise ApiError(400, f"'{name}' is required.", field=name)
        return None
    if not isinstance(values, list) or not values or len(values) > max_items:
        raise ApiError(400, f"'{name}' must be a list of 1 to {max_items} email addresses.", field=name)
    found = {}
    for value in values:
        if not isinstance(value, str):
            raise ApiError(400, f"Each of '{name}' must be a string.", field=name)
        address = value.strip()
        normalized = matching.try_normalize(address)
        if normalized is None:
            raise ApiError(400, f"'{address[:100]}' is not a valid email address.", field=name)
        found.setdefault(normalized, address)
    return [(address, normalized) for normalized, address in found.items()]


def address(body, name, required=False):
    """Return (as written, normalised) for one address, or None when absent."""
    value = string(body, name, required=required, max_length=254)
    if value is None:
        return None
    normalized = matching.try_normalize(value)
    if normalized is None:
        raise ApiError(400, f"'{value[:100]}' is not a valid email address.", field=name)
    return value, normalized


def amount(body, name="amount"):
    """Return a non-negative Decimal with two places from a number or numeric string, or None."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ApiError(400, f"'{name}' must be a number such as 1250.50.", field=name)
    try:
        parsed = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise ApiError(400, f"'{name}' must be a number such as 1250.50.", field=name) from None
    if not parsed.is_finite() or parsed < 0 or parsed > MAX_AMOUNT:
        raise ApiError(400, f"'{name}' must be between 0 and {MAX_AMOUNT}.", field=name)
    return parsed.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)


def currency(body, name="currency", default=None):
    value = string(body, name, default=default, max_length=3)
    if value is not None and not _CURRENCY.match(value):
        raise ApiError(400, f"'{name}' must be a three-letter ISO 4217 code such as USD.", field=name)
    return value


def name_field(body, name="name", required=False, max_length=200):
    """A display name: a string, stripped, possibly empty unless required."""
    return string(body, name, required=required, max_length=max_length)
