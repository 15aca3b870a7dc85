"""`manage.py seed_scale`: a city-sized register on top of the demo world (issue 13).

Deterministic by `--seed`: the same arguments write the same rows. Institutions spread
over the demo counties' towns with one teacher, one course and one fee plan each; cases
of the supervision kind with their tasks, a mix of open, done and overdue; complaints
(each a complaint case with its handling task, routed by the active profile, half of them
replied and rated); and the funds ledger: orders on licensed institutions, each paid into
custody and partly consumed, every movement a balanced pair of entries and every order's
running balances the sums of its entries (issue 11).

Rows are built in Python as COPY text (no model instances, money in integer fen) and ids
are handed out here from each table's highest id. On PostgreSQL the whole load is one
transaction: from 50,000 rows on, the written tables' foreign keys and non-unique indexes
are dropped first and put back at the end (one validating join per key and one sorted build per index instead
of a check and an index insert per row; unique constraints stay, so they hold throughout),
the rows go in by COPY, and the ledger entries, two per movement, are derived from the
movements on the server (INSERT ... SELECT). Elsewhere (SQLite) the same rows go in by
`bulk_create`. The identity sequences are moved past the ids written, and the run ends with
VACUUM ANALYZE of those tables so that the planner sees the new sizes. Each phase's time
is printed (as it ends with --verbosity 2), then a table of all of them. The written
tables stay locked against other sessions until the load commits: it is a seeding tool.

    manage.py load_demo && manage.py seed_scale --institutions 100000 --cases 1000000 \\
        --complaints 1000000 --entries 5000000
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
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

#: rows a table buffers before they go to the database (one COPY, or one bulk_create)
CHUNK = 20_000
#: the category's supervising department type (the demo profile's 000 §3 cells)
SUPERVISOR = {Category.ARTS: DepartmentType.CULTURE_TOURISM,
              Category.SPORTS: DepartmentType.EDUCATION_SPORTS,
              Category.TECH: DepartmentType.SCIENCE_TECHNOLOGY}
SCALE_SERIAL_BASE = 100_000  # above the demo's own serials, so the codes never collide
#: case numbers above anything `cases.services._next_number` hands out in a year
SCALE_NUMBER_BASE = 1_000_000
#: channels a complaint arrives by (the public form, and those an officer enters)
CHANNELS = [Channel.WEB, Channel.HOTLINE_12345, Channel.DEPARTMENT_PHONE, Channel.WALK_IN,
            Channel.LETTER, Channel.EMAIL]
#: the tables the command writes (their keys and secondary indexes are set aside meanwhile)
TABLES = (Institution, Staff, Course, FeePlan, Case, Task, Complaint, Arrangement, Order,
          Movement, Entry, Consumption)
#: below this many rows, checking each row costs less than rebuilding every index (each
#: rebuild ends in an fsync, some 40 ms here even for a small table)
SET_ASIDE_FROM = 50_000
NULL = r"\N"
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def _text(value: Any) -> str:
    """A value in COPY's text format, for values not built inline (defaults, names read
    from the database): NULL as \\N, booleans as t/f, JSON dumped, specials escaped."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, dt.date):
        value = value.isoformat()
    return re.sub(r"[\\\t\n\r]", lambda m: _ESCAPES[m.group()], str(value))


def _untext(value: str) -> str | None:
    if value == NULL:
        return None
    return re.sub(r"\\(.)", lambda m: _UNESCAPES.get(m.group(1), m.group(1)), value) \
        if "\\" in value else value


def _yuan(fen: int) -> str:
    """Integer fen as a two-place decimal (money is Decimal with two places, STYLE §8;
    built here without a Decimal per row). Non-negative amounts only."""
    return f"{fen // 100}.{fen % 100:02d}"


def _hours_value(amount_fen: int, class_hours: int, hours: int) -> int:
    """`funds.services._hours_value` in fen: the price pro rata, rounded half up."""
    return (2 * amount_fen * hours + class_hours) // (2 * class_hours)


class Sink:
    """The rows of one table as COPY text, written every `CHUNK` rows: COPY on
    PostgreSQL, `bulk_create` elsewhere. `columns` are the attnames of the tab-separated
    line the caller gives per row (after the id, which the sink hands out); every other
    column takes its field's default (auto timestamps: the run's time), so a row is as
    complete as a model's INSERT."""

    def __init__(self, model: type[models.Model], columns: list[str], now: dt.datetime) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        rest = [name for name in fields if name != "id" and name not in columns]
        self.columns = ["id", *columns, *rest]
        self.tail = tuple(now if getattr(fields[n], "auto_now", False)
                          or getattr(fields[n], "auto_now_add", False)
                          else fields[n].get_default() for n in rest)
        self.suffix = "".join("\t" + _text(v) for v in self.tail) + "\n"
        self.next_id = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.first_id = self.next_id
        self.lines: list[str] = []
        self.written = 0

    def add(self, line: str) -> int:
        pk = self.next_id
        self.next_id = pk + 1
        self.lines.append(f"{pk}\t{line}{self.suffix}")
        if len(self.lines) >= CHUNK:
            self.flush()
        return pk

    def flush(self) -> None:
        if not self.lines:
            return
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(self.model._meta.db_table)
            cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
            with connection.cursor() as cursor, \
                    cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                copy.write("".join(self.lines))
        else:
            given = len(self.columns) - len(self.tail)
            self.model._default_manager.bulk_create(
                [self.model(**dict(zip(self.columns, [
                    *(_untext(v) for v in line[:-1].split("\t")[:given]), *self.tail],
                    strict=True))) for line in self.lines], batch_size=500)
        self.written += len(self.lines)
        self.lines = []

    def close(self) -> int:
        """Write what is left and move the table's id sequence past the ids written here
        (PostgreSQL; SQLite's AUTOINCREMENT follows explicit ids by itself)."""
        self.flush()
        if self.written:
            _move_sequence(self.model, self.next_id - 1)
        return self.written


def _move_sequence(model: type[models.Model], last_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                           [model._meta.db_table, last_id])


@contextmanager
def keys_and_indexes_set_aside(timed: Any) -> Iterator[None]:
    """PostgreSQL, inside the load's transaction: drop the written tables' foreign keys
    and non-unique indexes, and put back the very same definitions (`pg_get_constraintdef`,
    `pg_get_indexdef`) afterwards. Re-adding a key validates every row in one join, so the
    rows are checked as they would have been row by row; unique constraints and primary
    keys stay. A failure rolls the drops back with the rows."""
    tables = [m._meta.db_table for m in TABLES]
    with connection.cursor() as cursor:
        # Checks still pending from earlier in the transaction (a test's rows) run now:
        # ALTER TABLE refuses a table with pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                       "FROM pg_constraint WHERE contype = 'f' "
                       "AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2", [tables])
        keys = cursor.fetchall()
        cursor.execute("SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) "
                       "FROM pg_index WHERE indrelid = ANY(%s::regclass[]) "
                       "AND NOT indisunique AND NOT indisprimary ORDER BY 1", [tables])
        indexes = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT "
                           f"{connection.ops.quote_name(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    timed("set aside", 0, f"{len(keys)} foreign keys and {len(indexes)} indexes dropped")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        timed("indexes", 0, f"{len(indexes)} secondary indexes built")
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT "
                           f"{connection.ops.quote_name(name)} {definition}")
        timed("foreign keys", 0, f"{len(keys)} foreign keys added and validated")


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
        self.verbosity = opts["verbosity"]
        self.start = self.mark = time.monotonic()
        self.phases: list[tuple[str, int, float]] = []
        self.first_movement: int | None = None  # set by _ledger, read by _entries
        self.now = timezone.now()
        self.now_text = _text(self.now)
        self.today = timezone.localdate()
        towns = {c.pk: list(Region.objects.filter(parent=c, level=RegionLevel.TOWN)
                            .order_by("code")) for c in counties}
        depts = {(d.region_id, d.type): d for d in Department.objects.filter(
            region__in=counties).order_by("pk")}
        postgres = connection.vendor == "postgresql"
        with transaction.atomic():
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            rows = opts["institutions"] + opts["cases"] + opts["complaints"] + opts["entries"]
            aside = (keys_and_indexes_set_aside(self._timed) if postgres
                     and rows >= SET_ASIDE_FROM else _nothing())
            with aside:
                ids, n = self._institutions(opts["institutions"], counties, towns, depts, rng)
                self._timed("institutions", n, "rows: institutions with a teacher, a course "
                            "and a fee plan each")
                n = self._cases(opts["cases"], opts["tasks_per_case"], ids, depts, rng)
                self._timed("cases", n, "rows: supervision cases and their tasks")
                n = self._complaints(opts["complaints"], ids, counties, rng)
                self._timed("complaints", n, "rows: complaint cases, complaints and tasks")
                n = self._ledger(opts["entries"] // 2, ids, counties, rng)
                self._timed("ledger", n, "rows: arrangements, orders, movements, consumptions")
                n = self._entries()
                self._timed("entries", n, "rows: ledger entries, two per movement (server side)")
        self._timed("commit", 0, "")
        if postgres:
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in TABLES)
            with connection.cursor() as cursor:
                # VACUUM cannot run in a transaction (a test's); ANALYZE alone can.
                cursor.execute(("ANALYZE " if connection.in_atomic_block else
                                "VACUUM (ANALYZE) ") + tables)
            self._timed("vacuum analyze", 0, "")
        total = time.monotonic() - self.start
        if self.verbosity >= 1:
            self.stdout.write(f"{'phase':<16}{'rows':>10}{'seconds':>9}{'rows/s':>10}")
            for name, rows, seconds in self.phases:
                rate = f"{rows / seconds:>10.0f}" if rows and seconds > 0 else " " * 10
                self.stdout.write(f"{name:<16}{rows:>10}{seconds:>9.1f}{rate}")
            self.stdout.write(f"{'total':<16}{sum(r for _n, r, _s in self.phases):>10}"
                              f"{total:>9.1f}")
        self.stdout.write(self.style.SUCCESS(f"done in {total:.1f}s"))

    def _timed(self, phase: str, rows: int, what: str) -> None:
        """Records a phase that ends now; with --verbosity 2 it is printed as it ends."""
        now = time.monotonic()
        self.phases.append((phase, rows, now - self.mark))
        if self.verbosity >= 2:
            self.stdout.write(f"{phase}: {f'{rows} ' if rows else ''}{what} in {now - self.mark:.1f}s "
                              f"(at {now - self.start:.1f}s)")
        self.mark = now

    # -- the register -----------------------------------------------------------------

    def _institutions(self, n: int, counties: list[Region], towns: dict[int, list[Region]],
                      depts: dict[tuple[int, str], Department],
                      rng: random.Random,
                      ) -> tuple[list[tuple[int, int, int, str, str, int, int]], int]:
        """Returns (id, county id, town id, category, name, course id or 0 when the
        institution is not licensed, course price in fen) per institution, and the rows
        written."""
        categories = [c.value for c in SUPERVISOR]
        version = _text(model_contract_version())
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
        rnd = rng.random
        made: list[tuple[int, int, int, str, str, int, int]] = []
        for k in range(n):
            county = counties[k % len(counties)]
            town_list = towns[county.pk]
            town = town_list[int(rnd() * len(town_list))] if town_list else county
            category = categories[int(rnd() * 3)]
            licensed = rnd() < 0.8
            uscc = demo_uscc(county.code, SCALE_SERIAL_BASE + k)
            dept = depts.get((county.pk, SUPERVISOR[Category(category)]))
            name = f"规模机构{k:06d}"
            white = licensed and rnd() < 0.7
            pk = inst.add(
                f"{name}\t{uscc}\tfor_profit\t{category}\t张三\t李四\t人民路{k % 999 + 1}号\t"
                f"{town.pk}\t{town.county_code}\t{dept.pk if dept else NULL}\t"
                f"{'licensed' if licensed else 'applying'}\t{'white' if white else ''}\t"
                + (f"教民{county.code}{k:06d}号" if licensed else ""))
            id_hash = hashlib.sha256(f"scale-{uscc}".encode()).hexdigest()
            staff.add(f"{pk}\t王老师\t{id_hash}\t5301**********0011\tt")
            price = (1800, 2400, 3600)[int(rnd() * 3)] * 100
            course_id = course.add(f"{pk}\t少儿基础班\toffline\t45\t48\t{_yuan(price)}\t"
                                   f"{'t' if licensed else 'f'}")
            plan.add(f"{course_id}\t季度课时包\t{_yuan(price)}\t3\t48\t未消课时按比例退费\t"
                     f"{version}")
            made.append((pk, county.pk, town.pk, category, name,
                         course_id if licensed else 0, price))
        return made, sum(sink.close() for sink in (inst, staff, course, plan))

    # -- supervision cases ------------------------------------------------------------

    def _due_dates(self, low: int, high: int) -> list[tuple[str, str]]:
        """(due date, overdue since) as text for each offset from today in [low, high]:
        a task due before today is overdue since its due date."""
        out = []
        for days in range(low, high + 1):
            due = (self.today + dt.timedelta(days=days)).isoformat()
            out.append((due, due if days < 0 else NULL))
        return out

    def _cases(self, n: int, per_case: int, institutions: list[tuple[Any, ...]],
               depts: dict[tuple[int, str], Department], rng: random.Random) -> int:
        if not institutions or n <= 0:
            return 0
        year = self.today.year
        codes = dict(Region.objects.filter(level=RegionLevel.COUNTY).values_list("pk", "code"))
        lead_of = {(cid, c.value): (d.pk if d else None)
                   for cid in codes for c in SUPERVISOR
                   for d in [depts.get((cid, SUPERVISOR[c]))]}
        serial: dict[int, int] = {}
        case = Sink(Case, ["number", "kind", "title", "region_id", "county_code",
                           "institution_id", "category", "phase", "state", "closed_at"],
                    self.now)
        task = Sink(Task, ["case_id", "county_code", "case_kind", "department_id", "role", "duty",
                           "due_date", "status", "completed_at", "overdue_since"], self.now)
        now, phase = self.now_text, Phase.DAILY_SUPERVISION.value
        closed_tail = f"\t{phase}\t{CaseState.CLOSED.value}\t{now}"
        open_tail = f"\t{phase}\t{CaseState.OPEN.value}\t{NULL}"
        roles = [TaskRole.LEAD.value] + [TaskRole.ASSIST.value] * max(per_case - 1, 0)
        done_tail = f"\t{TaskStatus.DONE.value}\t{now}\t{NULL}"
        open_status = TaskStatus.OPEN.value
        dues = self._due_dates(-20, 30)
        rnd = rng.random
        count = len(institutions)
        for _k in range(n):
            inst_id, county_id, town_id, category = institutions[int(rnd() * count)][:4]
            number = serial[county_id] = serial.get(county_id, 0) + 1
            closed = rnd() < 0.6
            code = codes[county_id]
            case_id = case.add(
                f"DB-{code}-{year}-{SCALE_NUMBER_BASE + number:07d}\tsupervision\t"
                f"日常监管检查\t{town_id}\t{code}\t{inst_id}\t{category}"
                + (closed_tail if closed else open_tail))
            dept = lead_of[(county_id, category)]
            if dept is not None:
                for role in roles:
                    due, overdue = dues[int(rnd() * len(dues))]
                    done = closed or rnd() < 0.3
                    task.add(f"{case_id}\t{code}\tsupervision\t{dept}\t{role}\t按职责开展日常监管\t{due}"
                             + (done_tail if done else f"\t{open_status}\t{NULL}\t{overdue}"))
        case.close()
        return n + task.close()

    # -- complaints -------------------------------------------------------------------

    def _complaints(self, n: int, institutions: list[tuple[Any, ...]], counties: list[Region],
                    rng: random.Random) -> int:
        """Complaints about registered institutions, each a complaint case (TS-…) routed
        by the active profile (001 §5(3), 004 annex 1) to its lead department: open ones
        wait in verification with an open lead task (some overdue), the others were
        verified, handled, replied and rated (有举必核、核实必处, 004 §6(2)2) and closed."""
        if not institutions or n <= 0:
            return 0
        topics = list(Topic.objects.filter(is_active=True).order_by("order", "code"))
        if not topics:
            raise CommandError("No complaint topics: run the migrations first")
        topic_names = [_text(t.name) for t in topics]
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
        task = Sink(Task, ["case_id", "county_code", "case_kind", "department_id", "role",
                           "step", "duty",
                           "due_date", "status", "completed_at", "overdue_since"], self.now)
        now = self.now_text
        kind = complaint_services.KIND
        channels = [c.value for c in CHANNELS]
        hotline = Channel.HOTLINE_12345.value
        findings = [Finding.SUBSTANTIATED.value, Finding.PARTLY.value,
                    Finding.UNSUBSTANTIATED.value]
        ratings = [Rating.SATISFIED.value, Rating.BASICALLY.value]
        handled = {f: ("经核查，" + ("情况属实" if f != Finding.UNSUBSTANTIATED.value
                                    else "情况不属实")
                       + f"\t{Outcome.NOTHING_FURTHER.value}\t已约谈机构并督促整改\t"
                         f"已核实处理，感谢监督。\t{now}") for f in findings}
        labels = {s: _text(complaint_services.STEP_LABELS.get(s, s))
                  for s in complaint_services.STEP_STATUS}
        step_status = {s: v.value if hasattr(v, "value") else v
                       for s, v in complaint_services.STEP_STATUS.items()}
        closed_case = f"\t{CaseState.CLOSED.value}\t{now}"
        open_case = f"\t{CaseState.OPEN.value}\t{NULL}"
        reply = complaint_services.REPLY
        closed_status = ComplaintStatus.CLOSED.value
        lead_role, done, open_ = TaskRole.LEAD.value, TaskStatus.DONE.value, TaskStatus.OPEN.value
        dues = self._due_dates(-10, 15)
        # `Complaint.hash_code`, its keyed hash started once and copied per code.
        keyed = hmac.new(settings.SECRET_KEY.encode(), digestmod=hashlib.sha256)
        alphabet = complaint_services.TRACKING_ALPHABET
        rnd = rng.random
        count = len(institutions)
        for k in range(n):
            inst_id, county_id, town_id, category, name = institutions[int(rnd() * count)][:5]
            t = int(rnd() * len(topics))
            topic = topics[t]
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
            code = "".join(rng.choices(alphabet, k=10))
            digest = keyed.copy()
            digest.update(code.encode())
            channel = channels[int(rnd() * len(channels))]
            number = serial[county_id] = serial.get(county_id, 0) + 1
            county_code = county_of[county_id].code
            number_text = f"TS-{county_code}-{year}-{SCALE_NUMBER_BASE + number:07d}"
            text = f"{topic_names[t]}：{name}未按约定退费，多次沟通无果，请求核查处理。"
            closed = rnd() < 0.5
            case_id = case.add(f"{number_text}\t{kind}\t{f'{topic_names[t]}：{name}'[:200]}\t"
                               f"{text}\t{town_id}\t{county_code}\t{inst_id}\t{category}"
                               + (closed_case if closed else open_case))
            ticket = f"S{k:09d}" if channel == hotline else ""
            head = (f"{case_id}\t{topic.pk}\t{channel}\t{ticket}\t市民\t"
                    f"139{int(rnd() * 10 ** 8):08d}\t{text}\t{digest.hexdigest()}")
            if closed:
                finding = findings[int(rnd() * 3)]
                step = reply
                complaint.add(f"{head}\t{closed_status}\t{plan.source}\t{finding}\t"
                              f"{handled[finding]}\t{ratings[int(rnd() * 2)]}\t{now}")
            else:
                step = (complaint_services.DISPATCH if plan.dispatched
                        else complaint_services.VERIFY)
                complaint.add(f"{head}\t{step_status[step]}\t{plan.source}\t\t\t\t\t\t"
                              f"{NULL}\t\t{NULL}")
            due, overdue = dues[int(rnd() * len(dues))]
            task.add(f"{case_id}\t{county_code}\t{kind}\t{plan.lead.pk}\t{lead_role}\t{step}\t"
                     f"投诉{number_text}："
                     f"{labels.get(step, step)}\t{due}\t"
                     + (f"{done}\t{now}\t{NULL}" if closed else f"{open_}\t{NULL}\t{overdue}"))
        return case.close() + complaint.close() + task.close()

    # -- the funds ledger -------------------------------------------------------------

    def _ledger(self, pairs: int, institutions: list[tuple[Any, ...]],
                counties: list[Region], rng: random.Random) -> int:
        """Orders on licensed institutions (each with its supervision arrangement, the
        enrollment gate's fund condition, 000 §4(3)), paid into custody and partly
        consumed (002 §2(3)), written the way `funds.services._post` writes them: one
        movement per payment and per consumption (its two entries follow in `_entries`),
        the order's running balances the sums of its movements per account, a
        consumption's value its hours pro rata."""
        licensed = [row for row in institutions if row[5]]
        if not licensed or pairs <= 0:
            return 0
        admins = {u.region_id: u.pk for u in User.objects.filter(
            role="county_admin", region__in=counties).order_by("-pk")}
        fallback = User.objects.order_by("pk").values_list("pk", flat=True).first()
        if fallback is None:
            raise CommandError("No user to record the orders: load the demo world first")
        dispute_days = int(active_profile().rule("funds_dispute_days"))
        version = _text(model_contract_version())
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
        consumption = Sink(Consumption, ["order_id", "hours", "amount", "lesson_on",
                                         "dispute_until", "movement_id", "recorded_by_id"],
                           self.now)
        self.first_movement = movement.first_id
        custody, paid = Mode.BANK_CUSTODY.value, OrderState.PAID.value
        payment, consume = MovementKind.PAYMENT.value, MovementKind.CONSUMPTION.value
        days = [(self.today - dt.timedelta(days=d)) for d in range(0, 230)]
        rnd = rng.random
        count = len(licensed)
        k = 0
        hours = 48
        while pairs > 0:
            inst_id, county_id, _town, _cat, _name, course_id, price = licensed[
                int(rnd() * count)]
            if inst_id not in arranged:
                arranged.add(inst_id)
                arrangement.add(f"{inst_id}\t{custody}\t规模托管银行\t6222{inst_id:012d}")
            actor = admins.get(county_id, fallback)
            moves = min(pairs, 1 + int(rnd() * 4))  # the payment, then consumptions
            pairs -= moves
            ago = 30 + int(rnd() * 171)
            lessons, consumed_hours, consumed = [], 0, 0
            for _m in range(moves - 1):
                h = 1 + int(rnd() * 8)
                value = (_hours_value(price, hours, consumed_hours + h)
                         - _hours_value(price, hours, consumed_hours))
                lesson = ago - 1 - int(rnd() * 28)  # days ago, after the order
                lessons.append((h, value, lesson))
                consumed_hours += h
                consumed += value
            order_id = order.add(
                f"DS{k:010d}\t{inst_id}\t{course_id}\t学员{k}\t家长\t"
                f"138{int(rnd() * 10 ** 8):08d}\t{hours}\t3\t{_yuan(price)}\t{version}\t"
                f"{days[ago].isoformat()}\t{paid}\t{consumed_hours}\t"
                f"{_yuan(price - consumed)}\t{_yuan(consumed)}\t{actor}")
            k += 1
            movement.add(f"{payment}\t{inst_id}\t{order_id}\t{_yuan(price)}\tseed_scale")
            for h, value, lesson in lessons:
                move_id = movement.add(f"{consume}\t{inst_id}\t{order_id}\t{_yuan(value)}\t"
                                       f"seed_scale")
                lesson_on = days[lesson]
                until = lesson_on + dt.timedelta(days=dispute_days)
                consumption.add(f"{order_id}\t{h}\t{_yuan(value)}\t{lesson_on.isoformat()}\t"
                                f"{until.isoformat()}\t{move_id}\t{actor}")
        return sum(sink.close() for sink in (arrangement, order, movement, consumption))

    def _entries(self) -> int:
        """Each movement's two entries, derived on the server from the movements written
        above: a payment moves its amount from the payer into custody, a consumption
        from custody to consumed (`funds.services._post`), so each pair sums to zero and
        each order's running balances are the sums of its entries. Entry ids follow the
        movements' (two per movement, the debit leg first)."""
        first = self.first_movement
        if first is None:
            return 0
        names = {f.attname for f in Entry._meta.concrete_fields}
        assert names == {"id", "movement_id", "institution_id", "order_id", "account",
                         "amount", "created_at"}, f"Entry's fields changed: {names}"
        base = (Entry.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO funds_entry (id, movement_id, institution_id, order_id, account,"
                " amount, created_at)"
                " SELECT %s + 2 * (m.id - %s) + l.leg, m.id, m.institution_id, m.order_id,"
                " CASE WHEN m.kind = %s THEN (CASE WHEN l.leg = 0 THEN %s ELSE %s END)"
                " ELSE (CASE WHEN l.leg = 0 THEN %s ELSE %s END) END,"
                " CASE WHEN l.leg = 0 THEN -m.amount ELSE m.amount END, m.created_at"
                " FROM funds_movement m CROSS JOIN (SELECT 0 AS leg UNION ALL SELECT 1) l"
                " WHERE m.id >= %s",
                [base, first, MovementKind.PAYMENT.value, Account.PAYER.value,
                 Account.CUSTODY.value, Account.CUSTODY.value, Account.CONSUMED.value, first])
            written = cursor.rowcount
        if written:
            _move_sequence(Entry, base + written - 1)
        return written


@contextmanager
def _nothing() -> Iterator[None]:
    yield
