"""A small organisation and every path that stores mail in it, for the access tests (docs/access.md).

``World`` holds a victim, an attacker, a bystander (members) and an admin,
each with a fake Gmail mailbox and an access token, the contact Ada, and the
paths that store mail: the API log, mail sync, the BCC dropbox (over real
SMTP) and sending from the CRM.
"""

import datetime
import email.utils
import itertools
import smtplib
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

from threadbook.crm import store as crm
from threadbook.models import Email

from .sync import run_sync
from .workspace import GMAIL_MODIFY

DOMAIN = "acme.example"
DROPBOX_DOMAIN = "dropbox.threadbook.example"
ADA = "ada@globex.example"
SECRET_ID = "<secret-terms@globex.example>"
SECRET_BODY = "The discount is forty percent"
FORGED_BODY = "forged by a colleague"
LEVELS = ("private", "team_metadata", "team_full")
VICTIM_PATHS = ("log", "sync", "dropbox", "send")
HEADERS = ("message_id", "in_reply_to", "references")


def ago(days):
    return datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days)


class World:
    """An organisation with a victim, an attacker, a bystander and an admin, and the paths into it."""

    def __init__(self, app, client, factory, workspace, dropbox):
        self.app, self.client, self.factory, self.workspace, self.dropbox = app, client, factory, workspace, dropbox
        # Private by default, so the attacker's forgeries are theirs alone and each victim level is chosen explicitly.
        self.org = factory.org(name="Acme", domain=DOMAIN, default_visibility="private")
        self.users = {
            role: factory.user(self.org, email=f"{role}@{DOMAIN}", role="admin" if role == "admin" else "member")
            for role in ("victim", "attacker", "bystander", "admin")
        }
        self.ada = crm.create_contact(self.org.id, "Ada Lovelace", [ADA])
        self.mailboxes = {}
        self.serial = itertools.count(1)
        for role, user in self.users.items():
            workspace.gmail.add_mailbox(user.email)
            workspace.gmail.grant(f"token-{role}", user.email, scopes=("gmail.modify",))

    def call(self, role, method, path, **kwargs):
        headers = self.factory.headers(self.users[role], **kwargs.pop("headers", {}))
        return self.client.open(path, method=method.upper(), headers=headers, **kwargs)

    # -- paths that store mail ------------------------------------------------------------
    def log(self, role, visibility=None, **message):
        box = self.workspace.gmail.mailbox(self.users[role].email)
        added = box.add_message(sender=f"Ada <{ADA}>", to=[self.users[role].email], **message)
        body = {"visibility": visibility} if visibility else {}
        response = self.call(role, "post", f"/api/v1/threads/{added['threadId']}/log", json=body, headers={"X-Google-Access-Token": f"token-{role}"})
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    def sync(self, role, **message):
        """Sync the user's mailbox, with ``message`` added to it first when given."""
        user = self.users[role]
        if message:
            self.workspace.gmail.mailbox(user.email).add_message(sender=f"Ada <{ADA}>", to=[user.email], **message)
        if role not in self.mailboxes:
            self.mailboxes[role] = self.workspace.connect(self.app, user, scopes=(GMAIL_MODIFY,))
        report = run_sync(self.app, self.mailboxes[role].id)
        assert report.outcome == "synced", report
        return report

    def dropbox_deliver(self, role, subject, body, date, message_id=None, in_reply_to=None, references=None):
        user = self.users[role]
        message = EmailMessage()
        message["From"] = user.email
        message["To"] = f"Ada <{ADA}>"
        message["Subject"] = subject
        message["Date"] = email.utils.format_datetime(date)
        message["Message-ID"] = message_id or f"<dropbox-{next(self.serial)}@{DOMAIN}>"
        if in_reply_to:
            message["In-Reply-To"] = in_reply_to
        if references:
            message["References"] = references
        message.set_content(body)
        with smtplib.SMTP("127.0.0.1", self.dropbox.port, timeout=30) as smtp:
            smtp.ehlo("client.example")
            smtp.mail(user.email)
            assert smtp.rcpt(f"{user.dropbox_token}@{DROPBOX_DOMAIN}")[0] == 250
            code, text = smtp.data(message.as_bytes(policy=SMTP_POLICY))
        return code, text.decode()

    def send(self, role, **body):
        response = self.call(role, "post", "/api/v1/emails/send", json=body, headers={"X-Google-Access-Token": f"token-{role}"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def set_default(self, role, level):
        assert self.call(role, "patch", "/api/v1/me", json={"default_visibility": level}).status_code == 200

    # -- the victim's mail ----------------------------------------------------------------
    def victim_mail(self, path, level):
        """Store the victim's secret mail through ``path`` at ``level``; return its Email row."""
        subject, when = "Secret terms", ago(days=1)
        if path == "log":
            self.log("victim", visibility=level, subject=subject, body=SECRET_BODY, message_id=SECRET_ID, date=when)
        elif path == "sync":
            self.set_default("victim", level)
            self.sync("victim", subject=subject, body=SECRET_BODY, message_id=SECRET_ID, date=when)
        elif path == "dropbox":
            self.set_default("victim", level)
            code, _ = self.dropbox_deliver("victim", subject, SECRET_BODY, when, message_id=SECRET_ID)
            assert code == 250
        else:
            sent = self.send("victim", to=[f"Ada <{ADA}>"], subject=subject, body=SECRET_BODY, visibility=level)
            return Email.get_by_id(sent["email"]["id"])
        return Email.get((Email.owner == self.users["victim"].id) & (Email.message_key == SECRET_ID))

    # -- the attacker's forgeries ---------------------------------------------------------
    def forge_everywhere(self, secret_id, answers):
        """Forge mail tied to ``secret_id`` through every path the attacker has; record the answers."""
        for header in HEADERS:
            n = next(self.serial)
            own_id = f"<forged-{n}@{DOMAIN}>"
            claims = {
                "message_id": {"message_id": secret_id},
                "in_reply_to": {"message_id": own_id, "in_reply_to": secret_id},
                "references": {"message_id": own_id, "references": f"<older@{DOMAIN}> {secret_id}"},
            }[header]
            when = ago(days=10 + n)
            answers.append(("log", header, self.log("attacker", subject="Secret terms", body=FORGED_BODY, date=when, **claims)))
            answers.append(("sync", header, self.sync("attacker", subject="Secret terms", body=FORGED_BODY, date=when, **claims)))
            if header == "message_id":
                claims = {"message_id": secret_id}
            else:
                claims = {"message_id": f"<forged-dropbox-{n}@{DOMAIN}>", header: claims[header]}
            answers.append(("dropbox", header, self.dropbox_deliver("attacker", "Secret terms", FORGED_BODY, when, **claims)))
