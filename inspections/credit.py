"""The credit export (信用信息报送): licences, penalties, spot-check results and black-list
entries, for the credit systems (issue 9; 004 §6(4): 黑白名单; 000 §4(2): 综合执法). The
institutions are split by nature, as they register (000 §3): a for-profit institution's
records go to the enterprise credit publicity system (国家企业信用信息公示系统,
`system=enterprise`), a non-profit one's to the social-organisation credit system (社会组织
信用信息管理平台, `system=social`).

One file per system, CSV or JSON, with the same fields. Every row is one record; only
institutions are subjects (an enforcement case against an individual, or an inspection of
a site with no institution, is not exported: it is no organisation's credit record, and
personal data stays out). The rows are those the downloading user sees through
`restrict()` (their region).

Format
------

CSV: UTF-8 with a byte-order mark, comma-separated, the header row is the field names
below in this order; an empty cell is an empty value; text is guarded against formulas
(a leading ``= + - @`` gets a ``'``).

JSON: one object ``{"system": ..., "generated_at": ..., "fields": [...], "records": [...]}``;
each record is an object with exactly the fields below; an empty value is ``null``.

Fields (see `FIELDS`, which the office page lists too):

- ``record_type``: ``licence`` (办学许可), ``penalty`` (行政处罚), ``spot_check`` (双随机抽查结果)
  or ``blacklist`` (黑名单).
- ``record_id``: the record's stable id, ``<record_type>-<number>``; a resend of the same
  record carries the same id.
- ``uscc``: the subject's unified social credit code (18 characters).
- ``subject_name``: the subject's registered name.
- ``nature``: ``for_profit`` or ``non_profit``.
- ``region``: the division code of the subject's region.
- ``authority``: the deciding department (licence issuer, competent department, inspecting
  or listing department).
- ``decision``: licence: the licence status (``licensed``, ``suspended``, ``revoked``,
  ``terminated``); penalty: ``warning``, ``fine``, ``suspension``, ``revocation`` or
  ``shutdown``; spot check: ``clear`` or ``findings``; black list: ``listed`` or ``removed``.
- ``content``: what was found or decided: the findings, the black-listing reason.
- ``legal_basis``: the legal basis of a penalty; empty otherwise.
- ``amount``: a fine in yuan with two decimals; empty otherwise.
- ``document_number``: the licence number, or the case number of the decision.
- ``decided_on``: the date of the decision (licence: valid from; penalty: decided;
  spot check: done; black list: listed), ``YYYY-MM-DD`` (Asia/Shanghai); a licence
  entered in the register without its start date has none.
- ``valid_until``: licence: valid until; black list: the date it was removed; empty
  otherwise, ``YYYY-MM-DD``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Task, TaskRole
from core.exports import guard_text
from core.vocab import Nature
from inspections.models import (
    BlacklistEntry,
    DailyInspection,
    DailyMode,
    DailyState,
    Enforcement,
    Penalty,
)
from institutions.models import Institution, InstitutionStatus
from org.scope import Action

#: The two credit systems, by the institution's nature (000 §3).
SYSTEMS = {"enterprise": Nature.FOR_PROFIT, "social": Nature.NON_PROFIT}
SYSTEM_LABELS = {"enterprise": _("Enterprise credit publicity system (for-profit)"),
                 "social": _("Social-organisation credit system (non-profit)")}
FORMATS = ("csv", "json")
RECORD_TYPES = ("licence", "penalty", "spot_check", "blacklist")
LICENCE_STATES = (InstitutionStatus.LICENSED, InstitutionStatus.SUSPENDED,
                  InstitutionStatus.REVOKED, InstitutionStatus.TERMINATED)

#: The fields in their order, with what each holds (shown on the office page).
FIELDS: list[tuple[str, Any]] = [
    ("record_type", _("licence, penalty, spot_check or blacklist")),
    ("record_id", _("The record's stable id: record type and number.")),
    ("uscc", _("The subject's unified social credit code.")),
    ("subject_name", _("The subject's registered name.")),
    ("nature", _("for_profit or non_profit.")),
    ("region", _("The division code of the subject's region.")),
    ("authority", _("The deciding department.")),
    ("decision", _("Licence status; penalty; clear or findings; listed or removed.")),
    ("content", _("What was found or decided: findings, or the black-listing reason.")),
    ("legal_basis", _("The legal basis of a penalty.")),
    ("amount", _("A fine in yuan, two decimals.")),
    ("document_number", _("The licence number, or the case number of the decision.")),
    ("decided_on", _("Date of the decision, YYYY-MM-DD.")),
    ("valid_until", _("Licence valid until, or the date of removal from the black list.")),
]
FIELD_NAMES = [name for name, _help in FIELDS]


def _day(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def _subject(inst: Institution) -> dict[str, Any]:
    return {"uscc": inst.uscc, "subject_name": inst.name, "nature": inst.nature,
            "region": inst.region.code}


def _record(record_type: str, number: Any, inst: Institution, **values: Any) -> dict[str, Any]:
    record = dict.fromkeys(FIELD_NAMES)
    record.update(record_type=record_type, record_id=f"{record_type}-{number}",
                  **_subject(inst))
    record.update({k: (v if v not in ("", None) else None) for k, v in values.items()})
    return record


def records(user: Any, system: str) -> Iterator[dict[str, Any]]:
    """The records of one credit system that `user` sees (each source read through
    `restrict()`), in a stable order: licences, penalties, spot checks, black list."""
    nature = SYSTEMS[system]
    licences = Institution.objects.restrict(user, Action.VIEW).filter(
        nature=nature, status__in=LICENCE_STATES).exclude(licence_number="").select_related(
        "region", "licence_issuer").order_by("uscc")
    for inst in licences.iterator(chunk_size=500):
        yield _record("licence", inst.uscc, inst,
                      authority=inst.licence_issuer.name if inst.licence_issuer else None,
                      decision=inst.status, document_number=inst.licence_number,
                      decided_on=_day(inst.licence_valid_from),
                      valid_until=_day(inst.licence_valid_until))
    penalties = Enforcement.objects.restrict(user).filter(
        institution__nature=nature, institution__isnull=False).exclude(
        penalty=Penalty.NONE).select_related("case", "institution__region", "department"
                                             ).order_by("decided_at", "pk")
    for e in penalties.iterator(chunk_size=500):
        yield _record("penalty", e.case.number, e.institution, authority=e.department.name,
                      decision=e.penalty, content=e.findings, legal_basis=e.legal_basis,
                      amount=f"{e.fine_amount:.2f}" if e.fine_amount is not None else None,
                      document_number=e.case.number, decided_on=_day(e.decided_at))
    checks = DailyInspection.objects.restrict(user).filter(
        mode=DailyMode.RANDOM, state=DailyState.DONE, institution__nature=nature,
        institution__isnull=False).select_related("case", "institution__region").order_by(
        "done_at", "pk")
    leads = _lead_departments(checks)
    for d in checks.iterator(chunk_size=500):
        yield _record("spot_check", d.case.number, d.institution, authority=leads.get(d.pk),
                      decision=d.outcome, content=d.findings, document_number=d.case.number,
                      decided_on=_day(d.done_at))
    entries = BlacklistEntry.objects.restrict(user).filter(
        institution__nature=nature).select_related(
        "case", "institution__region", "department").order_by("listed_at", "pk")
    for b in entries.iterator(chunk_size=500):
        yield _record("blacklist", b.case.number, b.institution, authority=b.department.name,
                      decision=b.state, content=b.reason, document_number=b.case.number,
                      decided_on=_day(b.listed_at), valid_until=_day(b.removed_at))


def _lead_departments(checks: Any) -> dict[int, str]:
    """The lead department of each spot check, in one query."""
    rows = Task.objects.filter(case__daily_inspection__in=checks.values("pk"),
                               role=TaskRole.LEAD, department__isnull=False).values_list(
        "case__daily_inspection__id", "department__name")
    return dict(rows)


def csv_chunks(user: Any, system: str) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text only with a BOM
    writer.writerow(FIELD_NAMES)
    for record in records(user, system):
        writer.writerow([guard_text(v) if isinstance(v, str) else ("" if v is None else v)
                         for v in record.values()])
        if out.tell() > 64_000:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def json_chunks(user: Any, system: str) -> Iterator[str]:
    head = {"system": system, "generated_at": timezone.localtime().isoformat()}
    yield json.dumps(head, ensure_ascii=False)[:-1] + \
        f', "fields": {json.dumps(FIELD_NAMES)}, "records": ['
    first = True
    for record in records(user, system):
        yield ("" if first else ",\n") + json.dumps(record, ensure_ascii=False)
        first = False
    yield "]}\n"
