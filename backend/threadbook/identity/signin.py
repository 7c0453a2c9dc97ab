"""Decide who a verified identity is, which organisation they belong to, and whether they may sign in.

The rules, in the order they are tried (docs/auth.md explains them):

1. A known account (``User.google_sub``) signs in as its user.
2. A user added beforehand with ``threadbook add-user`` has the placeholder sub
   ``pending:<normalised email>``; the first sign-in with that address binds the
   real sub. A Google sign-in also takes over a development user (``dev:<email>``).
3. A Google Workspace account (``hd`` claim) joins the organisation of its
   domain, created at the first sign-in from that domain.
4. A consumer account joins an organisation without a domain that invited it,
   or else gets a personal organisation.

Whenever the organisation is a Workspace domain, the token's ``hd`` must be that
domain. An invite-only organisation admits only addresses with an invitation.
The first user of an organisation without an admin becomes its admin.

Development sign-in uses the same rules with the sub ``dev:<normalised email>``;
the email's domain stands in for ``hd`` when an organisation has that domain.
"""

import dataclasses

from peewee import IntegrityError

from threadbook import audit, matching
from threadbook.db import is_postgres, write_transaction
from threadbook.identity import addresses
from threadbook.loopback import is_loopback_bind, is_loopback_host, is_loopback_host_header
from threadbook.models import Invitation, Organization, User, utcnow

PENDING_PREFIX = "pending:"
DEV_PREFIX = "dev:"


class SignInRefused(Exception):
    """A verified identity that may not sign in; answered with ``status``."""

    def __init__(self, status, reason, message, org=None):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.org = org


@dataclasses.dataclass(frozen=True)
class Identity:
    """Who the caller proved to be: Google's verified claims, or a development sign-in."""

    sub: str
    email: str
    name: str = ""
    hd: str | None = None
    dev: bool = False

    @classmethod
    def from_google(cls, claims):
        hd = claims.get("hd")
        return cls(sub=claims["sub"], email=claims["email"].strip(), name=(claims.get("name") or "").strip(), hd=hd.lower() if hd else None)

    @classmethod
    def for_dev(cls, email, name=""):
        """Return a development identity; raise SignInRefused for an invalid address."""
        normalized = _normalize(email)
        domain = matching.domain_of(normalized)
        hd = domain if Organization.get_or_none(Organization.domain == domain) else None
        return cls(sub=DEV_PREFIX + normalized, email=email.strip(), name=(name or "").strip(), hd=hd, dev=True)


def sign_in(identity):
    """Return the signed-in User for ``identity``, creating what it needs; or raise SignInRefused."""
    normalized = _normalize(identity.email)
    for attempt in (1, 2):
        try:
            with write_transaction():
                user = _resolve(identity, normalized)
                user.last_login_at = utcnow()
                user.save()
                audit.record("signin", org=user.org_id, user=user, method="dev" if identity.dev else "google")
                return user
        except IntegrityError:
            # Two first sign-ins from one new domain raced to create it: the second retries and joins.
            if attempt == 2:
                raise SignInRefused(409, "conflict", "Another sign-in changed your organisation at the same moment; try again.") from None


def dev_signin_refusal(config, peer, host, relayed=False):
    """Return why development sign-in is refused here (a message), or None when it is allowed.

    ``peer`` is the socket's remote address (never a forwarded header), ``host``
    the request's Host header, ``relayed`` whether a proxy says it forwarded it.
    """
    if not config.get("DEV_SIGNIN"):
        return "Development sign-in is off; set THREADBOOK_DEV_SIGNIN=1 on a server that listens on loopback only."
    if not is_loopback_bind(config.get("BIND_ADDRESS", "")):
        return f"Development sign-in is refused because the server listens beyond loopback ({config.get('BIND_ADDRESS')})."
    if not is_loopback_host(peer or ""):
        return "Development sign-in is accepted only from this machine (a loopback address)."
    if relayed:
        # A proxy on this machine is a loopback peer for requests from anywhere.
        return "Development sign-in is accepted only from this machine, not through a proxy (the request carries forwarding headers)."
    if not is_loopback_host_header(host):
        # DNS rebinding: a page at evil.example resolved to 127.0.0.1 still sends 'Host: evil.example'.
        return (
            "Development sign-in answers only requests addressed to localhost, 127.0.0.1 or [::1] "
            f"(this one was addressed to {(host or '')[:100]!r}), so a web page cannot reach it by DNS rebinding."
        )
    return None


def _normalize(email):
    try:
        return matching.normalize_address(email)
    except matching.InvalidAddress:
        raise SignInRefused(401, "invalid_email", f"'{(email or '')[:100]}' is not an email address Threadbook can use.") from None


def _resolve(identity, normalized):
    user = User.get_or_none(User.google_sub == identity.sub)
    if user is not None:
        _check_domain(user.org, identity)
        _refresh_profile(user, identity, normalized)
        return user
    placeholders = [PENDING_PREFIX + normalized] + ([] if identity.dev else [DEV_PREFIX + normalized])
    placeholder = User.get_or_none(User.google_sub.in_(placeholders))
    if placeholder is not None:
        _check_domain(placeholder.org, identity)
        return _bind(placeholder, identity)
    org, role, invitation, via = _organisation_for(identity, normalized)
    if User.get_or_none((User.org == org) & (User.email_normalized == normalized)) is not None:
        raise SignInRefused(409, "email_taken", f"{identity.email} already belongs to another account in {org.name}; ask its administrator.", org)
    user = User.create(
        org=org,
        google_sub=identity.sub,
        email=identity.email,
        email_normalized=normalized,
        name=identity.name,
        role=role,
        is_dev=identity.dev,
    )
    if invitation is not None:
        invitation.delete_instance()
    audit.record("user.joined", org=org, user=user, role=role, via=via, email=identity.email)
    return user


def _organisation_for(identity, normalized):
    """Return (org, role, invitation or None, via) for a new user, creating a new organisation as needed."""
    if identity.hd:
        org = Organization.get_or_none(Organization.domain == identity.hd)
        if org is None:
            org = Organization.create(name=identity.hd, domain=identity.hd, is_personal=False)
            audit.record("org.created", org=org, domain=identity.hd)
        org = _locked(org)
        invitation = Invitation.get_or_none((Invitation.org == org) & (Invitation.email_normalized == normalized))
        if org.invite_only and invitation is None:
            raise SignInRefused(403, "not_invited", f"{org.name} admits invited people only; ask an administrator to invite {identity.email}.", org)
        return org, _role_in(org, invitation), invitation, "invitation" if invitation else "domain"
    invitation = (
        Invitation.select(Invitation, Organization)
        .join(Organization)
        .where((Invitation.email_normalized == normalized) & Organization.domain.is_null())
        .order_by(Invitation.id)
        .first()
    )
    if invitation is not None:
        org = _locked(invitation.org)
        return org, _role_in(org, invitation), invitation, "invitation"
    org = Organization.create(name=identity.name or identity.email, domain=None, is_personal=True)
    audit.record("org.created", org=org, personal=True)
    return org, "admin", None, "personal"


def _locked(org):
    """Re-read the organisation, locking its row on PostgreSQL so 'first user is admin' holds under concurrency."""
    if is_postgres():
        return Organization.select().where(Organization.id == org.id).for_update().get()
    return org  # SQLite: write_transaction() already holds the database's write lock


def _role_in(org, invitation):
    has_admin = User.select().where((User.org == org) & (User.role == "admin")).exists()
    if not has_admin:
        return "admin"
    return invitation.role if invitation is not None else "member"


def _check_domain(org, identity):
    if org.domain and identity.hd != org.domain.lower():
        account = f"a Workspace account of {identity.hd}" if identity.hd else "not a Workspace account"
        raise SignInRefused(401, "hd_mismatch", f"{org.name} admits Google Workspace accounts of {org.domain} only; this one is {account}.", org)


def _bind(user, identity):
    old = user.google_sub.partition(":")[0]
    user.google_sub = identity.sub
    user.is_dev = identity.dev
    if identity.name and not user.name:
        user.name = identity.name
    user.save()
    audit.record("user.bound", org=user.org_id, user=user, email=user.email, placeholder=old)
    return user


def _refresh_profile(user, identity, normalized):
    if identity.name and identity.name != user.name:
        user.name = identity.name
    # Google may have renamed the account (same sub, new email): identity/addresses.py follows it.
    addresses.signed_in_as(user, identity.email, normalized)
