"""Threadbook: the CRM that lives beside Gmail."""

from threadbook.app import create_app

__all__ = ["create_app"]
