"""Benchmark of the funds ledger (issue 11 "Done when"): load a million ledger entries and
print, for the balance query and the reconciliation's ledger balance, the median time of
the app's code and of the same work in raw SQL, and their ratio (app / raw). A ratio near
1 means the ORM adds nothing that grows with the data.

    python bench/funds_ledger.py [--entries 1000000]

PostgreSQL only (the rows are generated with generate_series). It creates and then drops
its own test database on DATABASE_URL. The rows are written in bulk past the services (a
benchmark's load, not bookkeeping), in balanced pairs, so the ledger still sums to zero.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

REPEAT = 7


def median_ms(call: Callable[[], object]) -> tuple[float, object]:
    result = call()
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def load(entries: int) -> tuple[object, dt.date]:
    """One supervised institution (the others in the table are noise for the index) with
    `entries` entries over 1,000 orders."""
    from funds.models import Order
    from funds.tests.helpers import supervised
    from tests.factories import build_world

    world = build_world()
    inst, course = supervised(world, "a", 1)
    other, other_course = supervised(world, "a", 2)
    admin = world.a.users["county_admin"]
    orders = []
    for n in range(1000):
        target, c = (inst, course) if n % 2 == 0 else (other, other_course)
        orders.append(Order(institution=target, course=c, learner_name=f"学员{n}",
                            guardian_name="家长", guardian_phone=f"139{n:08d}", class_hours=40,
                            months=3, amount=Decimal("3000.00"), contract_version="2021",
                            ordered_on=timezone.localdate(), created_by=admin))
    Order.objects.bulk_create(orders)
    movements = entries // 2
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO funds_movement (kind, institution_id, order_id, amount, request_id,
                                        reason, actor_label, created_at)
            SELECT 'payment', o.institution_id, o.id, ((g %% 500) + 1)::numeric / 10,
                   '', '', 'bench', now() - ((g %% 400) || ' days')::interval
            FROM generate_series(1, %s) AS g
            JOIN (SELECT id, institution_id, row_number() OVER (ORDER BY id) - 1 AS k
                  FROM funds_order) AS o ON o.k = g %% 1000
        """, [movements])
        for account, sign in (("custody", ""), ("payer", "-")):
            cursor.execute(f"""
                INSERT INTO funds_entry (movement_id, institution_id, order_id, account, amount,
                                         created_at)
                SELECT id, institution_id, order_id, %s, {sign}amount, created_at
                FROM funds_movement
            """, [account])
        cursor.execute("ANALYZE funds_entry")
    return inst, timezone.localdate() - dt.timedelta(days=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The funds ledger benchmark needs PostgreSQL (DATABASE_URL).")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("seed_calendar", verbosity=0)
        call_command("load_profiles", verbosity=0)
        from funds import selectors, services
        from funds.models import Entry

        start = time.perf_counter()
        inst, day = load(args.entries)
        print(f"loaded {Entry.objects.count():,} entries in "
              f"{time.perf_counter() - start:.1f} s")

        def raw_balances() -> dict[str, Decimal]:
            with connection.cursor() as cursor:
                cursor.execute("SELECT account, SUM(amount) FROM funds_entry "
                               "WHERE institution_id = %s GROUP BY account", [inst.pk])
                return dict(cursor.fetchall())

        def raw_ledger_balance() -> Decimal:
            with connection.cursor() as cursor:
                cursor.execute("SELECT COALESCE(SUM(amount), 0) FROM funds_entry "
                               "WHERE institution_id = %s AND account IN ('custody', 'consumed') "
                               "AND created_at < %s", [inst.pk, services._end_of(day)])
                return cursor.fetchone()[0]

        rows = [
            ("balance query", lambda: selectors.balances(institution=inst), raw_balances),
            ("reconciliation ledger balance",
             lambda: services.ledger_balance(institution=inst, day=day), raw_ledger_balance),
        ]
        print(f"{'work':32} {'app ms':>9} {'raw ms':>9} {'ratio':>7}")
        for name, app, raw in rows:
            app_ms, app_result = median_ms(app)
            raw_ms, raw_result = median_ms(raw)
            if name == "balance query":
                assert app_result["custody"] == raw_result["custody"], (app_result, raw_result)
            else:
                assert app_result == raw_result, (app_result, raw_result)
            print(f"{name:32} {app_ms:9.2f} {raw_ms:9.2f} {app_ms / raw_ms:7.2f}")
        from django.db.models import Sum

        print("ledger sums to zero:", Entry.objects.aggregate(t=Sum("amount"))["t"] == 0)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
