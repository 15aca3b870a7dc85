"""Issue 13: two beats started side by side schedule each run once: only the holder of
the lease sends, and the other takes over when the holder stops."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from celery import Celery
from django.core.cache import cache

from core.beat import LEASE_KEY, SingleBeatScheduler


def _beat(tmp_path: Any, name: str, sent: list[str]) -> SingleBeatScheduler:
    app = Celery(f"beat-{name}", set_as_current=False, broker="memory://")
    app.conf.beat_schedule = {"scan": {"task": "cases.tasks.deadline_scan", "schedule": 0.2}}
    beat = SingleBeatScheduler(app=app, schedule_filename=str(tmp_path / f"{name}.db"),
                               lazy=False)

    def apply_async(entry: Any, producer: Any = None, advance: bool = True, **kw: Any) -> Any:
        sent.append(name)
        return SimpleNamespace(id=f"{name}-{len(sent)}")

    beat.apply_async = apply_async  # type: ignore[method-assign]
    return beat


def _run(beats: list[SingleBeatScheduler], seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for beat in beats:
            beat.tick()
        time.sleep(0.05)


def test_two_beats_send_each_run_once_and_hand_over_on_stop(tmp_path, settings):
    cache.delete(LEASE_KEY)
    sent: list[str] = []
    first, second = _beat(tmp_path, "first", sent), _beat(tmp_path, "second", sent)
    _run([first, second], 1.2)
    assert sent and set(sent) == {"first"}, sent
    # About one send per 0.2 s interval, not two: the other beat sent nothing.
    assert len(sent) <= 8
    assert first.is_leader and not second.is_leader
    first.close()
    sent.clear()
    _run([second], 0.8)
    assert sent and set(sent) == {"second"}
    second.close()
    assert cache.get(LEASE_KEY) is None


def test_a_lease_left_by_a_crashed_beat_runs_out(tmp_path, settings):
    settings.BEAT_LEASE_SECONDS = 1
    cache.delete(LEASE_KEY)
    sent: list[str] = []
    crashed, standby = _beat(tmp_path, "crashed", sent), _beat(tmp_path, "standby", sent)
    assert crashed.hold_lease() and not standby.hold_lease()
    time.sleep(1.3)  # the crashed beat never renews
    assert standby.hold_lease()
    standby.close()


@pytest.fixture(autouse=True)
def _no_lease_left():
    yield
    cache.delete(LEASE_KEY)
