"""What a mailbox sync run is told (``SyncSettings``) and what it tells back (``SyncReport``)."""

import dataclasses
import time


@dataclasses.dataclass
class SyncSettings:
    """How a sync run behaves; ``from_config`` reads the app's settings."""

    backfill_days: int = 90
    page_size: int = 500
    batch_size: int = 100
    lease_seconds: int = 300
    quota_units_per_second: float = 200.0
    retries: int = 5
    sleep: object = time.sleep
    label_messages: bool = True

    @classmethod
    def from_config(cls, config, **overrides):
        values = {
            "backfill_days": config.get("SYNC_BACKFILL_DAYS", 90),
            "lease_seconds": config.get("SYNC_LEASE_SECONDS", 300),
            "quota_units_per_second": config.get("SYNC_QUOTA_UNITS_PER_SECOND", 200.0),
            "retries": config.get("SYNC_MAX_RETRIES", 5),
        }
        values.update(overrides)
        return cls(**values)


@dataclasses.dataclass
class SyncReport:
    """What one run did; ``outcome`` is synced, busy, paused, disabled, needs_reconnect, disconnected, stopped, lease_lost or error."""

    mailbox_id: int
    outcome: str = "synced"
    mode: str = ""  # backfill, incremental, or full (after Gmail's 404)
    pages: int = 0
    fetched: int = 0
    stored: int = 0
    matched: int = 0  # stored messages with a participant who is a contact or lead
    skipped_internal: int = 0
    skipped_blocked: int = 0
    skipped_other: int = 0
    skipped_automated: int = 0  # lists, bulk, automatic replies, no-reply senders (mail/automated.py)
    removed: int = 0
    retries: int = 0
    labels_failed: int = 0
    error: str = ""

    def as_dict(self):
        return dataclasses.asdict(self)

    def summary(self):
        return (
            f"{self.outcome} ({self.mode or 'nothing to do'}): {self.pages} page(s), {self.stored} stored, "
            f"{self.matched} matched, {self.skipped_internal} internal, {self.skipped_blocked} blocked, "
            f"{self.skipped_automated} automated, {self.removed} removed"
        )
