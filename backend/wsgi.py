"""The WSGI entry point for gunicorn: ``gunicorn -c backend/gunicorn.conf.py wsgi:app``."""

from threadbook import create_app

app = create_app()
