"""`manage.py seed_scale`: a city-sized register on top of the demo world (issue 13).

Deterministic by `--seed`: the same arguments write the same rows. Institutions spread
over the demo counties' towns with one teacher, one course and one fee plan each; cases
of the supervision kind with their tasks, a mix of open, done and overdue; complaints
(each a complaint case with its handling task, routed by the active profile, half of them
replied and rated); and the funds ledger: orders on licensed institutions, each paid into
custody and partly consumed, every movement a balanced pair of entries and every order's
running balances the sums of its entries (issue 11).

On PostgreSQL the rows go in by COPY (psycopg 3), elsewhere by batched multi-row INSERTs
(`bulk_create`); ids are handed out here from each table's highest id, so both paths write
the same rows, and the identity sequences are moved past them at the end. On PostgreSQL
it ends with VACUUM ANALYZE so that the planner sees the new sizes.

    manage.py load_demo && manage.py seed_scale --institutions 100000 --cases 1000000 \\
        --complaints 1000000 --entries 5000000
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from cases.models import Case, CaseState, Task, TaskRole, TaskStatus
from complaints import services as complaint_services
from complaints.models import Channel, Complaint, ComplaintStatus, Finding, Outcome, Rating, Topic
from core.errors import DomainError
from core.vocab import Category, DepartmentType, Phase
from funds.models import (
    Account,
    Arrangement,
    Consumption,
    Entry,
    Mode,
    Movement,
    MovementKind,
    Order,
    OrderState,
)
from institutions.models import Course, FeePlan, Institution, Staff
from institutions.rules import model_contract_version
from org.models import Department, Region, RegionLevel, User
from policy.profile import active_profile
from portal.demo import demo_uscc

BATCH = 5000
#: the category's supervising department type (the demo profile's 000 §3 cells)
SUPERVISOR = {Category.ARTS: DepartmentType.CULTURE_TOURISM,
              Category.SPORTS: DepartmentType.EDUCATION_SPORTS,
              Category.TECH: DepartmentType.SCIENCE_TECHNOLOGY}
SCALE_SERIAL_BASE = 100_000  # above the demo's own serials, so the codes never collide
#: case numbers above anything `cases.services._next_number` hands out in a year
SCALE_NUMBER_BASE = 1_000_000
CENT = Decimal("0.01")
#: channels a complaint arrives by (the public form, and those an officer enters)
CHANNELS = [Channel.WEB, Channel.HOTLINE_12345, Channel.DEPARTMENT_PHONE, Channel.WALK_IN,
            Channel.LETTER, Channel.EMAIL]


class Sink:
    """The rows of one table, written in batches: COPY on PostgreSQL, `bulk_create`
    elsewhere. `columns` are the attnames the caller gives per row (after the id, which
    the sink hands out); every other column takes its field's default (auto timestamps:
    the run's time), so a COPY row is as complete as a model's INSERT."""

    def __init__(self, model: type[models.Model], columns: list[str], now: dt.datetime) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        rest = [name for name in fields if name != "id" and name not in columns]
        self.columns = ["id", *columns, *rest]
        self.tail = tuple(now if getattr(fields[n], "auto_now", False)
                          or getattr(fields[n], "auto_now_add", False)
                          else fields[n].get_default() for n in rest)
        self.next_id = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0

    def add(self, *values: Any) -> int:
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *values, *self.tail))
        return pk

    def flush(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(self.model._meta.db_table)
            cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
            with connection.cursor() as cursor, \
                    cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            self.model._default_manager.bulk_create(
                [self.model(**dict(zip(self.columns, row, strict=True))) for row in self.rows],
                batch_size=500)
        self.written += len(self.rows)
        self.rows = []

    def close(self) -> None:
        """Move the table's id sequence past the ids written here (PostgreSQL; SQLite's
        AUTOINCREMENT follows explicit ids by itself)."""
        self.flush()
        if connection.vendor == "postgresql" and self.written:
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                               [self.model._meta.db_table, self.next_id - 1])


def flush(sinks: Iterable[Sink]) -> None:
    """Write a batch of related tables in one transaction (the foreign keys are checked at
    its end)."""
    with transaction.atomic():
        for sink in sinks:
            sink.flush()


class Command(BaseCommand):
    help = "Add a city-sized register and case load to the demo world (deterministic)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--institutions", type=int, default=100_000)
        parser.add_argument("--cases", type=int, default=1_000_000)
        parser.add_argument("--tasks-per-case", type=int, default=1)
        parser.add_argument("--complaints", type=int, default=1_000_000)
        parser.add_argument("--entries", type=int, default=5_000_000,
                            help="ledger entries (rounded down to an even number: pairs)")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **opts: Any) -> None:
        counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
        if not counties:
            raise CommandError("Load the demo world first: manage.py load_demo")
        if Institution.objects.filter(name__startswith="规模机构").exists():
            raise CommandError("seed_scale already ran on this database")
        rng = random.Random(opts["seed"])
        start = time.monotonic()
        self.now = timezone.now()
        self.today = timezone.localdate()
        towns = {c.pk: list(Region.objects.filter(parent=c, level=RegionLevel.TOWN)
                            .order_by("code")) for c in counties}
        depts = {(d.region_id, d.type): d for d in Department.objects.filter(
            region__in=counties).order_by("pk")}
        ids = self._institutions(opts["institutions"], counties, towns, depts, rng)
        self._report("institutions", len(ids), start)
        self._cases(opts["cases"], opts["tasks_per_case"], ids, depts, rng)
        self._report("cases", opts["cases"], start)
        self._complaints(opts["complaints"], ids, counties, rng)
        self._report("complaints", opts["complaints"], start)
        self._ledger(opts["entries"] // 2 * 2, ids, counties, rng)
        self._report("ledger entries", opts["entries"] // 2 * 2, start)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # VACUUM cannot run in a transaction (a test's); ANALYZE alone can.
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"done in {time.monotonic() - start:.1f}s"))

    def _report(self, what: str, n: int, start: float) -> None:
        self.stdout.write(f"{what}: {n} at {time.monotonic() - start:.1f}s")

    # -- the register -----------------------------------------------------------------

    def _institutions(self, n: int, counties: list[Region], towns: dict[int, list[Region]],
                      depts: dict[tuple[int, str], Department],
                      rng: random.Random) -> list[tuple[int, int, int, str, str, int, Decimal]]:
        """Returns (id, county id, town id, category, name, course id or 0 when the
        institution is not licensed, course price) per institution."""
        categories = list(SUPERVISOR)
        version = model_contract_version()
        inst = Sink(Institution, ["name", "uscc", "nature", "category", "legal_representative",
                                  "safety_person", "address", "region_id", "county_code",
                                  "supervising_department_id", "status", "list_status",
                                  "licence_number"], self.now)
        staff = Sink(Staff, ["institution_id", "name", "id_number_hash", "id_number_masked",
                             "is_teacher"], self.now)
        course = Sink(Course, ["institution_id", "name", "mode", "lesson_minutes",
                               "class_hours", "price", "is_listed"], self.now)
        plan = Sink(FeePlan, ["course_id", "name", "amount", "months", "class_hours",
                              "refund_terms", "contract_version"], self.now)
        made: list[tuple[int, int, int, str, str, int, Decimal]] = []
        for k in range(n):
            county = counties[k % len(counties)]
            town = rng.choice(towns[county.pk]) if towns[county.pk] else county
            category = categories[rng.randrange(len(categories))]
            licensed = rng.random() < 0.8
            uscc = demo_uscc(county.code, SCALE_SERIAL_BASE + k)
            dept = depts.get((county.pk, SUPERVISOR[category]))
            name = f"规模机构{k:06d}"
            pk = inst.add(name, uscc, "for_profit", category, "张三", "李四",
                          f"人民路{k % 999 + 1}号", town.pk, town.county_code,
                          dept.pk if dept else None, "licensed" if licensed else "applying",
                          "white" if licensed and rng.random() < 0.7 else "none",
                          f"教民{county.code}{k:06d}号" if licensed else "")
            staff.add(pk, "王老师", hashlib.sha256(f"scale-{uscc}".encode()).hexdigest(),
                      "5301**********0011", True)
            price = Decimal(rng.choice([1800, 2400, 3600]))
            course_id = course.add(pk, "少儿基础班", "offline", 45, 48, price, licensed)
            plan.add(course_id, "季度课时包", price, 3, 48, "未消课时按比例退费", version)
            made.append((pk, county.pk, town.pk, category, name,
                         course_id if licensed else 0, price))
            if len(inst.rows) >= BATCH:
                flush((inst, staff, course, plan))
        for sink in (inst, staff, course, plan):
            sink.close()
        return made

    # -- supervision cases ------------------------------------------------------------

    def _cases(self, n: int, per_case: int, institutions: list[tuple[Any, ...]],
               depts: dict[tuple[int, str], Department], rng: random.Random) -> None:
        if not institutions or n <= 0:
            return
        year = self.today.year
        codes = dict(Region.objects.filter(level=RegionLevel.COUNTY).values_list("pk", "code"))
        serial: dict[int, int] = {}
        case = Sink(Case, ["number", "kind", "title", "region_id", "county_code",
                           "institution_id", "category", "phase", "state", "closed_at"],
                    self.now)
        task = Sink(Task, ["case_id", "department_id", "role", "duty", "due_date", "status",
                           "completed_at", "overdue_since"], self.now)
        for _k in range(n):
            inst_id, county_id, town_id, category = institutions[
                rng.randrange(len(institutions))][:4]
            serial[county_id] = serial.get(county_id, 0) + 1
            closed = rng.random() < 0.6
            case_id = case.add(
                f"DB-{codes[county_id]}-{year}-{SCALE_NUMBER_BASE + serial[county_id]:07d}",
                "supervision", "日常监管检查", town_id, codes[county_id], inst_id, category,
                Phase.DAILY_SUPERVISION, CaseState.CLOSED if closed else CaseState.OPEN,
                self.now if closed else None)
            dept = depts.get((county_id, SUPERVISOR[category]))
            if dept is not None:
                for t in range(per_case):
                    due = self.today + dt.timedelta(days=rng.randint(-20, 30))
                    done = closed or rng.random() < 0.3
                    task.add(case_id, dept.pk, TaskRole.LEAD if t == 0 else TaskRole.ASSIST,
                             "按职责开展日常监管", due,
                             TaskStatus.DONE if done else TaskStatus.OPEN,
                             self.now if done else None,
                             due if not done and due < self.today else None)
            if len(case.rows) >= BATCH:
                flush((case, task))
        case.close()
        task.close()

    # -- complaints -------------------------------------------------------------------

    def _complaints(self, n: int, institutions: list[tuple[Any, ...]], counties: list[Region],
                    rng: random.Random) -> None:
        """Complaints about registered institutions, each a complaint case (TS-…) routed
        by the active profile (001 §5(3), 004 annex 1) to its lead department: open ones
        wait in verification with an open lead task (some overdue), the others were
        verified, handled, replied and rated (有举必核、核实必处, 004 §6(2)2) and closed."""
        if not institutions or n <= 0:
            return
        topics = list(Topic.objects.filter(is_active=True).order_by("order", "code"))
        if not topics:
            raise CommandError("No complaint topics: run the migrations first")
        year = self.today.year
        county_of = {c.pk: c for c in counties}
        plans: dict[tuple[int, str, int], Any] = {}
        serial: dict[int, int] = {}
        case = Sink(Case, ["number", "kind", "title", "description", "region_id",
                           "county_code", "institution_id", "category", "state", "closed_at"],
                    self.now)
        complaint = Sink(Complaint, [
            "case_id", "topic_id", "channel", "external_ticket", "complainant_name",
            "complainant_phone", "description", "tracking_hash", "status", "route_source",
            "finding", "finding_note", "outcome", "outcome_note", "reply", "replied_at",
            "rating", "rated_at"], self.now)
        task = Sink(Task, ["case_id", "department_id", "role", "step", "duty", "due_date",
                           "status", "completed_at", "overdue_since"], self.now)
        for k in range(n):
            inst_id, county_id, town_id, category, name = institutions[
                rng.randrange(len(institutions))][:5]
            topic = topics[rng.randrange(len(topics))]
            key = (county_id, category, topic.pk)
            if key not in plans:
                try:
                    plans[key] = complaint_services.route(
                        category=category, topic=topic, county=county_of[county_id])
                except DomainError:
                    plans[key] = None
            plan = plans[key]
            if plan is None:  # a county without a joint-meeting office takes none
                continue
            code = "".join(rng.choice(complaint_services.TRACKING_ALPHABET) for _i in range(10))
            channel = CHANNELS[rng.randrange(len(CHANNELS))]
            serial[county_id] = serial.get(county_id, 0) + 1
            county_code = county_of[county_id].code
            number = f"TS-{county_code}-{year}-{SCALE_NUMBER_BASE + serial[county_id]:07d}"
            text = f"{topic.name}：{name}未按约定退费，多次沟通无果，请求核查处理。"
            closed = rng.random() < 0.5
            case_id = case.add(number, complaint_services.KIND, f"{topic.name}：{name}"[:200],
                               text, town_id, county_code, inst_id, category,
                               CaseState.CLOSED if closed else CaseState.OPEN,
                               self.now if closed else None)
            step = complaint_services.DISPATCH if plan.dispatched else complaint_services.VERIFY
            finding: str
            handled: tuple[Any, ...]
            if closed:
                finding = rng.choice([Finding.SUBSTANTIATED, Finding.PARTLY,
                                      Finding.UNSUBSTANTIATED])
                handled = ("经核查，" + ("情况属实" if finding != Finding.UNSUBSTANTIATED
                                          else "情况不属实"), Outcome.NOTHING_FURTHER,
                           "已约谈机构并督促整改", "已核实处理，感谢监督。", self.now,
                           rng.choice([Rating.SATISFIED, Rating.BASICALLY]), self.now)
                status = ComplaintStatus.CLOSED
                step = complaint_services.REPLY
            else:
                finding = ""
                handled = ("", "", "", "", None, "", None)
                status = complaint_services.STEP_STATUS[step]
            complaint.add(case_id, topic.pk, channel,
                          f"S{k:09d}" if channel == Channel.HOTLINE_12345 else "",
                          "市民", f"139{rng.randrange(10 ** 8):08d}", text,
                          Complaint.hash_code(code), status, plan.source, finding, *handled)
            due = self.today + dt.timedelta(days=rng.randint(-10, 15))
            task.add(case_id, plan.lead.pk, TaskRole.LEAD, step,
                     f"投诉{number}：{complaint_services.STEP_LABELS.get(step, step)}", due,
                     TaskStatus.DONE if closed else TaskStatus.OPEN,
                     self.now if closed else None,
                     due if not closed and due < self.today else None)
            if len(case.rows) >= BATCH:
                flush((case, complaint, task))
        for sink in (case, complaint, task):
            sink.close()

    # -- the funds ledger -------------------------------------------------------------

    def _ledger(self, entries: int, institutions: list[tuple[Any, ...]],
                counties: list[Region], rng: random.Random) -> None:
        """Orders on licensed institutions (each with its supervision arrangement, the
        enrollment gate's fund condition, 000 §4(3)), paid into custody and partly
        consumed (002 §2(3)), written the way `funds.services._post` writes them: each
        movement two entries summing to zero, the order's running balances the sums of
        its entries per account, a consumption's value its hours pro rata."""
        licensed = [row for row in institutions if row[5]]
        if not licensed or entries <= 0:
            return
        admins = {u.region_id: u.pk for u in User.objects.filter(
            role="county_admin", region__in=counties).order_by("-pk")}
        fallback = User.objects.order_by("pk").values_list("pk", flat=True).first()
        if fallback is None:
            raise CommandError("No user to record the orders: load the demo world first")
        dispute_days = int(active_profile().rule("funds_dispute_days"))
        version = model_contract_version()
        arranged: set[int] = set()
        arrangement = Sink(Arrangement, ["institution_id", "mode", "custodian_bank",
                                         "account_number"], self.now)
        order = Sink(Order, [
            "number", "institution_id", "course_id", "learner_name", "guardian_name",
            "guardian_phone", "class_hours", "months", "amount", "contract_version",
            "ordered_on", "state", "hours_consumed", "held", "consumed", "created_by_id"],
            self.now)
        movement = Sink(Movement, ["kind", "institution_id", "order_id", "amount",
                                   "actor_label"], self.now)
        entry = Sink(Entry, ["movement_id", "institution_id", "order_id", "account",
                             "amount"], self.now)
        consumption = Sink(Consumption, ["order_id", "hours", "amount", "lesson_on",
                                         "dispute_until", "movement_id", "recorded_by_id"],
                           self.now)
        pairs, k = entries // 2, 0
        while pairs > 0:
            inst_id, county_id, _town, _cat, _name, course_id, price = licensed[
                rng.randrange(len(licensed))]
            if inst_id not in arranged:
                arranged.add(inst_id)
                arrangement.add(inst_id, Mode.BANK_CUSTODY, "规模托管银行",
                                f"6222{inst_id:012d}")
            actor = admins.get(county_id, fallback)
            moves = min(pairs, 1 + rng.randrange(4))  # the payment, then consumptions
            pairs -= moves
            hours = 48
            ordered_on = self.today - dt.timedelta(days=rng.randint(30, 200))
            lessons, consumed_hours, consumed = [], 0, Decimal("0.00")
            for _m in range(moves - 1):
                h = rng.randint(1, 8)
                value = (_hours_value(price, hours, consumed_hours + h)
                         - _hours_value(price, hours, consumed_hours))
                lesson_on = ordered_on + dt.timedelta(days=rng.randint(1, 28))
                lessons.append((h, value, lesson_on))
                consumed_hours += h
                consumed += value
            order_id = order.add(
                f"DS{k:010d}", inst_id, course_id, f"学员{k}", "家长",
                f"138{rng.randrange(10 ** 8):08d}", hours, 3, price, version, ordered_on,
                OrderState.PAID, consumed_hours, price - consumed, consumed, actor)
            k += 1
            self._post(movement, entry, MovementKind.PAYMENT, inst_id, order_id,
                       [(Account.PAYER, -price), (Account.CUSTODY, price)])
            for h, value, lesson_on in lessons:
                move_id = self._post(movement, entry, MovementKind.CONSUMPTION, inst_id,
                                     order_id, [(Account.CUSTODY, -value),
                                                (Account.CONSUMED, value)])
                consumption.add(order_id, h, value, lesson_on,
                                lesson_on + dt.timedelta(days=dispute_days), move_id, actor)
            if len(entry.rows) >= BATCH * 2:
                flush((arrangement, order, movement, entry, consumption))
        for sink in (arrangement, order, movement, entry, consumption):
            sink.close()

    @staticmethod
    def _post(movement: Sink, entry: Sink, kind: str, inst_id: int, order_id: int,
              legs: list[tuple[str, Decimal]]) -> int:
        assert sum(amount for _a, amount in legs) == 0, legs
        move_id = movement.add(kind, inst_id, order_id,
                               sum(a for _acc, a in legs if a > 0), "seed_scale")
        for account, amount in legs:
            entry.add(move_id, inst_id, order_id, account, amount)
        return move_id


def _hours_value(amount: Decimal, class_hours: int, hours: int) -> Decimal:
    """`funds.services._hours_value`: the price pro rata, to the fen."""
    return (amount * hours / class_hours).quantize(CENT, rounding=ROUND_HALF_UP)
