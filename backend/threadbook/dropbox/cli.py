"""``threadbook dropbox``: run the BCC dropbox's SMTP server until interrupted."""

import ssl

import click
from flask import current_app
from flask.cli import with_appcontext

from threadbook.cli_support import announce
from threadbook.dropbox.server import DropboxServer


@click.command("dropbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option(
    "--port", default=2525, show_default=True, type=click.IntRange(0, 65535), help="Port (25 needs privileges; put a relay or port forward in front)."
)
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="PEM certificate chain, to offer STARTTLS.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False), help="PEM private key of --tls-cert.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64), help="Threads storing messages.")
@with_appcontext
def dropbox_command(host, port, tls_cert, tls_key, workers):
    """Run the BCC dropbox: an SMTP server for <token>@THREADBOOK_DROPBOX_DOMAIN."""
    app = current_app._get_current_object()
    announce(app)
    domain = app.config["DROPBOX_DOMAIN"]
    if not domain:
        raise click.ClickException("Set THREADBOOK_DROPBOX_DOMAIN (the domain whose MX points here) first.")
    if bool(tls_cert) != bool(tls_key):
        raise click.BadParameter("give both --tls-cert and --tls-key, or neither", param_hint="--tls-cert/--tls-key")
    tls_context = None
    if tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(tls_cert, tls_key)
    server = DropboxServer(app, host, port, tls_context=tls_context, workers=workers)
    limit_mb = app.config["DROPBOX_MAX_BYTES"] / (1024 * 1024)

    def ready(running):
        tls = "STARTTLS offered" if tls_context else "no TLS"
        click.echo(f"Threadbook dropbox: *@{domain} on {running.host}:{running.port} ({tls}, {limit_mb:g} MB max). Ctrl-C stops.")

    server.serve_forever(on_ready=ready)
