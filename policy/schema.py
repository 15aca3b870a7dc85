"""The typed schema of a policy profile file (policy/profiles/FORMAT.md).

pydantic models with `extra="forbid"`: an unknown key is an error, every code is checked
against `core.vocab`, and a rule's value is typed by its kind (a time is a `datetime.time`,
money a `Decimal`, a count a positive whole number). `validate_profile` returns the model
or every problem at once, each prefixed by where it is in the file; the checks that span
several entries (a missing cell, a missing rule, a deadline key no app declared) run even
when single fields are wrong, so one pass names everything.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)

from core.vocab import (
    Category,
    ComplaintTopic,
    DepartmentType,
    LicenceAction,
    Nature,
    Phase,
    Step,
    StepRole,
)
from policy.deadlines import declared
from policy.profile import OPTIONAL_RULES, RULE_KINDS


def _code_of(*choices: type, extra: tuple[str, ...] = ()) -> AfterValidator:
    allowed = set(extra)
    for c in choices:
        allowed |= set(c.values)  # type: ignore[attr-defined]

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(_("unknown code %(value)r") % {"value": value})
        return value

    return AfterValidator(check)


Text = Annotated[str, Field(min_length=1)]
CategoryCode = Annotated[str, _code_of(Category)]
DeptCode = Annotated[str, _code_of(DepartmentType)]
PhaseCode = Annotated[str, _code_of(Phase)]
StepCode = Annotated[str, _code_of(Step)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- rule values, typed by kind -------------------------------------------------------------

_TIME = re.compile(r"^\d{2}:\d{2}$")


def _time(value: Any) -> dt.time:
    # Quoted: unquoted 20:30 is the base-60 integer 1230 to YAML 1.1.
    if not isinstance(value, str) or not _TIME.match(value):
        raise ValueError(_("a time is written 'HH:MM' in quotes, for example '20:30'"))
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise ValueError(_("%(value)r is not a time of day") % {"value": value})


def _money(value: Any) -> Decimal:
    # Never through float (STYLE.md §8): a whole number or a quoted decimal.
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(_("an amount is written as a quoted decimal, for example '5000.00'"))
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(_("%(value)r is not an amount of money") % {"value": value})
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(_("%(value)r is not an amount of yuan with at most two decimals")
                         % {"value": value})
    return amount.quantize(Decimal("0.01"))


def _percent(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(_("a percentage is a number from 0 to 100"))
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or not 0 <= number <= 100:
        raise ValueError(_("a percentage is a number from 0 to 100"))
    return number


def _positive(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(_("a whole number of at least 1"))
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("true or false"))
    return value


#: How a rule's value is read, per kind (RULE_KINDS).
VALUE_TYPES: dict[str, Any] = {
    "time": _time, "yuan": _money, "percent": _percent, "bool": _bool,
    "minutes": _positive, "hours": _positive, "months": _positive, "years": _positive,
    "count": _positive,
}


class RuleEntry(Strict):
    key: str
    value: Any = None
    kind: str = Field("", validate_default=True)  # filled from RULE_KINDS when omitted
    label: str = ""
    source: Text
    from_seed: StrictBool = True

    @field_validator("key")
    @classmethod
    def _known_rule(cls, key: str) -> str:
        if key not in RULE_KINDS:
            raise ValueError(_("unknown rule %(key)r") % {"key": key})
        return key

    @field_validator("kind")
    @classmethod
    def _kind_of_rule(cls, kind: str, info: Any) -> str:
        key = info.data.get("key")
        if key in RULE_KINDS and kind and kind != RULE_KINDS[key]:
            raise ValueError(_("the kind of %(key)s is %(kind)s") %
                             {"key": key, "kind": RULE_KINDS[key]})
        return RULE_KINDS.get(key, kind)

    @field_validator("value")
    @classmethod
    def _value_of_kind(cls, value: Any, info: Any) -> Any:
        key = info.data.get("key")
        if key not in RULE_KINDS:
            return value
        if value is None:
            if key in OPTIONAL_RULES:
                return None
            raise ValueError(_("%(key)s needs a value") % {"key": key})
        return VALUE_TYPES[RULE_KINDS[key]](value)


class DeadlineEntry(Strict):
    key: str
    value: int
    label: str = ""
    source: str = "default"
    from_seed: StrictBool = False

    @field_validator("key")
    @classmethod
    def _declared_key(cls, key: str) -> str:
        if key not in declared():
            raise ValueError(_("no app reads a deadline %(key)r (misspelt?)") % {"key": key})
        return key

    @field_validator("value", mode="before")
    @classmethod
    def _workdays(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(_("a whole number of working days"))
        return value


# -- the rest of the profile ----------------------------------------------------------------

class Preschool(Strict):
    new_institutions_allowed: StrictBool = True
    note: str = ""
    source: str = "default"
    from_seed: StrictBool = True


class NewAcademic(Strict):
    """Whether new academic (学科类) institutions are still established."""

    new_institutions_allowed: StrictBool = False
    note: str = ""
    source: str = "default"
    from_seed: StrictBool = False


class Clause(Strict):
    code: Annotated[str, Field(pattern=r"^[a-z_]+$", max_length=40)]
    label: Text


class Contract(Strict):
    """The model contract (示范文本) every fee plan uses: its edition and the clauses it
    must hold. The base writes it once (002 §2(4) edition; 004 §4(5) clauses)."""

    title: Text = "中小学生校外培训服务合同（示范文本）"
    version: Annotated[str, BeforeValidator(str), Field(min_length=1, max_length=10)]
    version_source: Text
    clauses: Annotated[list[Clause], Field(min_length=1)]
    clauses_source: Text
    from_seed: StrictBool = True


class Zombie(Strict):
    combination: Literal["any", "all"] = "any"
    source: str = "default"
    from_seed: StrictBool = True


class LeadDuty(Strict):
    department: DeptCode
    duty: Text
    source: Text
    from_seed: StrictBool = True


class AssistDuty(Strict):
    department: DeptCode
    duty: str = ""
    source: Text
    from_seed: StrictBool = True


class StepEntry(Strict):
    step: StepCode
    owner: DeptCode
    role: Annotated[str, _code_of(StepRole)] = StepRole.LEAD
    nature: Annotated[str, _code_of(Nature, extra=("",))] = ""
    participants: list[DeptCode] = []
    cosigners: list[DeptCode] = []
    source: Text
    from_seed: StrictBool = True


#: The applications a document is asked for when `actions` is omitted: a new licence.
DOCUMENT_DEFAULT_ACTIONS = ["establish", "relicense"]


class DocumentEntry(Strict):
    """A document the applicant uploads with a licensing application (FORMAT.md)."""

    code: Annotated[str, Field(pattern=r"^[a-z_]+$", max_length=40)]
    label: Text
    help: str = ""
    actions: list[Annotated[str, _code_of(extra=("establish", "relicense", "change",
                                                 "terminate"))]] = DOCUMENT_DEFAULT_ACTIONS
    source: Text
    from_seed: StrictBool = True


class CellEntry(Strict):
    category: CategoryCode
    phase: PhaseCode
    lead: LeadDuty
    assists: list[AssistDuty] = []
    steps: list[StepEntry] = []
    #: Only in a licensing cell: what the applicant uploads.
    documents: list[DocumentEntry] = []

    @field_validator("documents")
    @classmethod
    def _documents_once(cls, documents: list[DocumentEntry], info: Any) -> list[DocumentEntry]:
        if documents and info.data.get("phase") not in (None, Phase.LICENSING):
            raise ValueError(_("only a licensing cell lists documents"))
        codes = [d.code for d in documents]
        if len(codes) != len(set(codes)):
            raise ValueError(_("a document is listed twice"))
        return documents


class CountyOverride(CellEntry):
    region_code: Annotated[str, BeforeValidator(str), Field(min_length=1)]


class ApprovalEntry(Strict):
    action: Annotated[str, _code_of(LicenceAction)]
    approver: Annotated[str, _code_of(DepartmentType, extra=("lead",))]
    consult: list[Annotated[str, _code_of(DepartmentType, extra=("supervisor", "lead"))]] = []
    notify: list[Annotated[str, _code_of(DepartmentType, extra=("supervisor", "lead"))]] = []
    steps: list[StepCode] = []
    source: str = "default"
    from_seed: StrictBool = True

    @field_validator("steps")
    @classmethod
    def _conclusion_runs(cls, steps: list[str]) -> list[str]:
        """The conclusion always runs, led by the approver (FORMAT.md)."""
        if steps and Step.CONCLUSION not in steps:
            raise ValueError(_("steps must include conclusion"))
        return steps


class RouteEntry(Strict):
    category: Annotated[str, _code_of(Category, extra=("*",))]
    topic: Annotated[str, _code_of(ComplaintTopic)]
    lead: DeptCode
    assists: list[DeptCode] = []
    hotline: Annotated[str, BeforeValidator(lambda v: "" if v is None else str(v))] = ""
    source: str = "default"
    from_seed: StrictBool = True


class CaseRoute(Strict):
    """Who leads a kind of governance case and who assists (issue 12 "Incidents")."""

    lead: DeptCode
    assists: list[DeptCode] = []
    source: Text
    from_seed: StrictBool = True


class Incidents(Strict):
    """The lead and assisting departments of each kind of incident case: a safety
    incident (001 §4(2)13), public opinion (001 §4(2)15) and the takedown of an online
    platform (001 §4(2)16)."""

    incident: CaseRoute
    public_opinion: CaseRoute
    online_takedown: CaseRoute


class Decider(Strict):
    """The department that decides an after-school step, and those it consults."""

    department: DeptCode
    consult: list[DeptCode] = []
    source: Text
    from_seed: StrictBool = True


class AfterSchool(Strict):
    """Institutions in school after-school services (002 §2(4), §3(1)): who selects them,
    evaluates them each term and removes them."""

    select: Decider
    evaluate: Decider
    remove: Decider


class MonthlyConsultation(Strict):
    """Whether the joint meeting holds a monthly consultation where each unit reports its
    complaint analysis (004 §6(3))."""

    enabled: StrictBool = False
    source: str = "default"
    from_seed: StrictBool = False


class JointOffice(Strict):
    """The department that hosts the joint meeting's office (001 §4(1):
    联席会议办公室设在区教育局): tasks for the office go to that department of the county."""

    host: DeptCode
    source: Text
    from_seed: StrictBool = True


Day = Annotated[int, Field(ge=1, le=28)]


class MonthlyReportDates(Strict):
    """The monthly statutory report (004 §6(8), annex 2 note 1): the county departments
    report by `submit_day` of the next month; the city bureaus of `forwarding` relay their
    counties' reports to city education by `forward_day`, which consolidates. `reporting`:
    the department types that report (004 §6(8)); `consolidating`: the education types
    that consolidate (annex 2 note 1: 报送市教育局汇总)."""

    submit_day: Day
    forward_day: Day
    forwarding: Annotated[list[DeptCode], Field(min_length=1)]
    reporting: Annotated[list[DeptCode], Field(min_length=1)]
    consolidating: Annotated[list[DeptCode], Field(min_length=1)]
    source: Text
    from_seed: StrictBool = True


class SourceDoc(Strict):
    """A seed document as users read it cited: its title and its number (文号), where it
    has one (001 and 004 carry none), by its seed code (issue 14 C10)."""

    title: Text
    number: str = ""
    issuer: str = ""
    date: str = ""


SeedCode = Annotated[str, Field(pattern=r"^\d{3}$")]


class Profile(Strict):
    code: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    name: Text
    name_en: str = ""
    source: str = ""
    description: str = ""
    extends: str = ""
    supervised_categories: Annotated[list[CategoryCode], Field(min_length=1)]
    preschool: Preschool = Preschool()
    academic: NewAcademic = NewAcademic()
    zombie: Zombie = Zombie()
    contract: Contract
    supervisors: dict[CategoryCode, DeptCode]
    licence_approval: list[ApprovalEntry]
    matrix: list[CellEntry]
    county_overrides: list[CountyOverride] = []
    complaint_routing: list[RouteEntry]
    rules: list[RuleEntry]
    deadlines: list[DeadlineEntry]
    #: Seed code -> document, so that citations show a title and number, not "000 §3".
    sources: dict[SeedCode, SourceDoc] = {}
    #: Issue 12: incident cases, after-school services, the monthly consultation.
    incidents: Incidents
    after_school: AfterSchool
    monthly_consultation: MonthlyConsultation = MonthlyConsultation()
    joint_office: JointOffice
    monthly_report: MonthlyReportDates


# -- checks across entries ------------------------------------------------------------------

def _items(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, dict)]


def _cross_checks(data: dict[str, Any]) -> list[str]:
    """What no single field knows: every cell, rule and declared deadline is there, once,
    and each unique row of the database is unique in the file."""
    errors: list[str] = []
    categories = data.get("supervised_categories")
    categories = categories if isinstance(categories, list) else []
    cells: set[tuple[str, str, str]] = set()
    for name in ("matrix", "county_overrides"):
        for i, entry in enumerate(_items(data, name)):
            cell = (str(entry.get("region_code") or ""), str(entry.get("category")),
                    str(entry.get("phase")))
            if cell in cells:
                errors.append(_("%(where)s: duplicate cell") % {"where": f"{name}[{i}]"})
            cells.add(cell)
            steps = [(s.get("step"), s.get("nature") or "") for s in _items(entry, "steps")]
            if len(steps) != len(set(steps)):
                errors.append(_("%(where)s: a step is listed twice for the same nature")
                              % {"where": f"{name}[{i}].steps"})
            assists = [a.get("department") for a in _items(entry, "assists")]
            if len(assists) != len(set(assists)):
                errors.append(_("%(where)s: a department assists twice")
                              % {"where": f"{name}[{i}].assists"})
    for category in categories:
        for phase in Phase.values:
            if ("", str(category), phase) not in cells:
                errors.append(_("matrix: no cell for %(cat)s / %(phase)s") %
                              {"cat": category, "phase": phase})
    for name, field in (("licence_approval", ("action",)),
                        ("complaint_routing", ("category", "topic"))):
        seen: set[tuple[Any, ...]] = set()
        for i, entry in enumerate(_items(data, name)):
            ident = tuple(str(entry.get(f)) for f in field)
            if ident in seen:
                errors.append(_("%(where)s: duplicate entry") % {"where": f"{name}[{i}]"})
            seen.add(ident)
    for name, required in (("rules", RULE_KINDS), ("deadlines", declared())):
        keys = [str(r.get("key")) for r in _items(data, name)]
        for key in sorted(required):
            if key not in keys:
                errors.append(_("%(where)s: %(key)s is missing") % {"where": name, "key": key})
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            errors.append(_("%(where)s: %(key)s is given twice") % {"where": name, "key": key})
    return errors


def _where(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """`rules[0] (offline_end_time).value`: the path, with the key of a rule or deadline."""
    out = ""
    for n, part in enumerate(loc):
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        if n == 1 and loc[0] in ("rules", "deadlines") and isinstance(part, int):
            entry = (data.get(str(loc[0])) or [None] * (part + 1))[part]
            if isinstance(entry, dict) and entry.get("key"):
                out += f" ({entry['key']})"
    return out or "profile"


def _message(error: Any) -> str:
    msg = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if error["type"] == "missing":
        return _("is required")
    if error["type"] == "extra_forbidden":
        return _("unknown key")
    if isinstance(value, (str, int, float)) and repr(value) not in msg:
        msg += f" (got {value!r})"
    return msg


def validate_profile(data: dict[str, Any]) -> tuple[Profile | None, list[str]]:
    """The validated profile, or None and every problem found."""
    errors: list[str] = []
    profile = None
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        errors = [f"{_where(e['loc'], data)}: {_message(e)}" for e in exc.errors()]
    errors += _cross_checks(data)
    return (profile if not errors else None), errors
