"""Exactly one beat (issue 13, "past one machine"): any number of beat processes may run,
on as many machines, and only the one holding the lease sends the schedule's tasks. The
others keep ticking, and take over within `BEAT_LEASE_SECONDS` when the holder stops.

The lease is a cache key written with `add` (Redis: SET NX with an expiry), so it needs
the shared cache every web node already uses; with no shared cache (`make run`'s single
process) the one beat holds it alone. The holder renews it on each tick and ticks at
least three times per lease, however long until the next run."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery.beat import PersistentScheduler
from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

LEASE_KEY = "beat:lease"


class SingleBeatScheduler(PersistentScheduler):
    """Celery's file-backed scheduler, sending only while it holds the beat lease."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lease_token = uuid.uuid4().hex
        self.lease_seconds = int(getattr(settings, "BEAT_LEASE_SECONDS", 30))
        self.is_leader = False
        super().__init__(*args, **kwargs)

    def hold_lease(self) -> bool:
        """Take the lease if nobody holds it, or renew ours; False when another holds it."""
        if cache.add(LEASE_KEY, self.lease_token, self.lease_seconds):
            leader = True
        elif cache.get(LEASE_KEY) == self.lease_token:
            cache.touch(LEASE_KEY, self.lease_seconds)
            leader = True
        else:
            leader = False
        if leader != self.is_leader:
            log.info("beat %s the lease", "holds" if leader else "waits for")
        self.is_leader = leader
        return leader

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.hold_lease():
            # Not ours: send nothing, look again well before the holder's lease runs out.
            return min(self.max_interval, self.lease_seconds / 3)
        # Wake up in time to renew, even when nothing is due for longer (max_interval is
        # 300 s): a lapsed lease would let the other beat send what this one just sent.
        return min(super().tick(*args, **kwargs), self.lease_seconds / 3)

    def close(self) -> None:
        if cache.get(LEASE_KEY) == self.lease_token:
            cache.delete(LEASE_KEY)  # a clean stop hands over at once
        super().close()
