"""The console entry point: ``threadbook <command>``. It imports the app; the app never imports it.

Every command is ``prepared`` (cli_support.py): it loads the app from the
environment, prints the instance folder and database it uses, and, when it
needs the schema, refuses a database that is not ready (exit code 4).
"""

import click
from flask.cli import FlaskGroup, with_appcontext

from threadbook import matching
from threadbook.app import create_app
from threadbook.cli_support import prepared
from threadbook.crm.import_cli import import_contacts_command
from threadbook.db import database, write_transaction
from threadbook.doctor.command import doctor_command
from threadbook.dropbox.cli import dropbox_command
from threadbook.jobs.worker import worker_command
from threadbook.migrations import upgrade
from threadbook.models import Organization, User
from threadbook.seed import seed_demo


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the database, or upgrade it to the latest schema."""
    with database.connection_context():
        applied = upgrade()
    click.echo(f"Database ready (schema steps applied: {applied or 'none'}).")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create the demo organisation (idempotent)."""
    with database.connection_context():
        upgrade()
        org = seed_demo()
    click.echo(f"Demo organisation '{org.name}' (id {org.id}) is ready.")


@click.command("create-org")
@click.argument("name")
@click.option("--domain", help="Google Workspace domain whose users join this organisation.")
@click.option("--invite-only", is_flag=True, help="Only invited users may sign in.")
@with_appcontext
def create_org_command(name, domain, invite_only):
    """Create an organisation."""
    with database.connection_context(), write_transaction():
        org = Organization.create(name=name, domain=domain.lower() if domain else None, is_personal=not domain, invite_only=invite_only)
    click.echo(f"Created organisation {org.id} '{org.name}'.")


@click.command("add-user")
@click.argument("email")
@click.option("--org", "org_id", type=int, required=True, help="Organisation id.")
@click.option("--name", default="")
@click.option("--role", type=click.Choice(["admin", "member"]), default="member")
@click.option("--google-sub", help="Google account id; defaults to a placeholder replaced at first sign-in.")
@with_appcontext
def add_user_command(email, org_id, name, role, google_sub):
    """Add a user to an organisation."""
    try:
        normalized = matching.normalize_address(email)
    except matching.InvalidAddress as exc:
        raise click.BadParameter(str(exc), param_hint="EMAIL") from exc
    with database.connection_context(), write_transaction():
        if Organization.get_or_none(Organization.id == org_id) is None:
            raise click.BadParameter(f"no organisation {org_id}", param_hint="--org")
        user = User.create(org=org_id, google_sub=google_sub or f"pending:{normalized}", email=email, email_normalized=normalized, name=name, role=role)
    click.echo(f"Added user {user.id} <{email}> as {role}.")


cli = FlaskGroup(create_app=create_app, help="Threadbook: the CRM beside Gmail. Configuration comes from THREADBOOK_* environment variables.")
# Every command says what it uses first; all but these two refuse a database that is not ready (cli_support.py).
for command in (init_db_command, seed_demo_command):
    cli.add_command(prepared(command, needs_tables=False))
for command in (
    import_contacts_command,
    create_org_command,
    add_user_command,
    worker_command,
    dropbox_command,
):
    cli.add_command(prepared(command))
cli.add_command(doctor_command)


def main():
    cli(prog_name="threadbook")
