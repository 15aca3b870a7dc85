"""Freezing the clock (STYLE.md §10: no test sleeps or patches a private date function).

`on_day(date)` stops time at ten in the morning of that date in Asia/Shanghai, so
`timezone.now()` and `timezone.localdate()` answer it everywhere: services, Celery tasks
run eagerly, and the test itself.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

SHANGHAI = ZoneInfo("Asia/Shanghai")


def on_day(day: dt.date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI),
                               tick=False)
