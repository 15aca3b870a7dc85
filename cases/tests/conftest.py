"""Fixtures of the cases app's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def told_task_by_task(monkeypatch):
    """No recipient is told by a digest (`cases.services.DIGEST_AFTER`): for tests that
    follow each task's notices to its people, or compare the rows of scans whose batches
    differ (test_deadline_digest.py tests the digests)."""
    from cases import services

    monkeypatch.setattr(services, "DIGEST_AFTER", 10**6)
