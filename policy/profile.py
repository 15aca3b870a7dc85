"""The active policy profile as an immutable in-memory object.

`active_profile()` reads the profile named by `settings.POLICY_PROFILE` once and keeps it
in the cache (invalidated whenever a profile row changes, see `policy.signals`), so the
scope gateway and the services can ask it questions without extra queries.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from core import prefetch
from core.errors import DomainError
from core.i18n import join_list
from core.versions import note_read, versioned
from core.vocab import label_of

CACHE_TTL = 300

#: The numeric rules code may ask for, with their kind (DOMAIN.md §5).
RULE_KINDS: dict[str, str] = {
    "offline_end_time": "time",
    "online_lesson_max_minutes": "minutes",
    "online_break_min_minutes": "minutes",
    "online_end_time": "time",
    "charge_max_months": "months",
    "charge_max_class_hours": "hours",
    "charge_max_amount": "yuan",
    "advance_charge_months_before_start": "months",
    "advance_charge_remaining_hours": "hours",
    "zombie_years_without_inspection": "years",
    "academic_forbidden_on_rest_days": "bool",
    "coverage_platform_percent": "percent",
    "coverage_funds_percent": "percent",
    "coverage_data_audit_percent": "percent",
    "government_guided_price": "yuan",
    "funds_dispute_days": "count",
    "funds_disbursement_cycle_days": "count",
    "funds_disbursement_retained_percent": "percent",
    "risk_reconciliation_yuan": "yuan",
    "risk_reconciliation_window_days": "count",
    "risk_refund_spike_count": "count",
    "risk_refund_spike_window_days": "count",
    "risk_sales_surge_factor": "count",
    "risk_sales_surge_window_days": "count",
    "risk_complaints_count": "count",
    "risk_complaints_window_days": "count",
    "risk_disbursement_percent": "percent",
    "risk_disbursement_window_days": "count",
    "risk_refused_charges_count": "count",
    "risk_refused_charges_window_days": "count",
    "risk_closing_balance_yuan": "yuan",
    "risk_closing_window_days": "count",
    "risk_fee_loans_count": "count",
    "risk_fee_loans_window_days": "count",
    "risk_outside_account_yuan": "yuan",
    "risk_outside_account_window_days": "count",
    "complaint_target_threshold": "count",
    "complaint_target_window_days": "count",
}

#: Rules whose value may be left unset (null): the seeds give no government-guided price.
OPTIONAL_RULES: frozenset[str] = frozenset({"government_guided_price"})

# Deadline keys are declared by the apps that read them: see policy/deadlines.py.


class ProfileMissing(DomainError):
    code = "profile_missing"
    default_message = _("The policy profile is not loaded. Run manage.py load_profiles.")


class ProfileInvalid(ProfileMissing):
    """A stored value that does not parse (written past the loader, or by an older one).
    It is a ProfileMissing so that every caller that copes with a missing profile copes
    with this too, instead of answering 500 on every page."""

    code = "profile_invalid"
    default_message = _("The policy profile holds an invalid value. Run manage.py "
                        "load_profiles --force.")


def parse_rule_value(kind: str, raw: str) -> Any:
    """Turn a stored rule value into its Python type; '' means not set (None)."""
    if raw in ("", None):
        return None
    if kind == "time":
        hours, minutes = str(raw).split(":")
        return dt.time(int(hours), int(minutes))
    if kind == "bool":
        return str(raw).lower() in ("1", "true", "yes")
    if kind in ("yuan",):
        return Decimal(str(raw)).quantize(Decimal("0.01"))
    if kind == "percent":
        return Decimal(str(raw))
    return int(raw)


@dataclass(frozen=True)
class Duty:
    department_type: str
    duty: str
    source: str

    @property
    def department_label(self) -> str:
        from core.vocab import DepartmentType

        return label_of(DepartmentType, self.department_type)


@dataclass(frozen=True)
class StepOwner:
    """Who owns a step, and whether the owner leads it or assists (000 §3: the lead does
    not own every step). Participants and co-signers always assist."""

    step: str
    owner_type: str
    nature: str
    participants: tuple[str, ...]
    cosigners: tuple[str, ...]
    source: str
    role: str = "lead"

    @property
    def role_label(self) -> str:
        from core.vocab import StepRole

        return label_of(StepRole, self.role)

    @property
    def nature_label(self) -> str:
        from core.vocab import Nature

        return label_of(Nature, self.nature) if self.nature else ""

    @property
    def step_label(self) -> str:
        from core.vocab import Step

        return label_of(Step, self.step)

    @property
    def owner_label(self) -> str:
        from core.vocab import DepartmentType

        return label_of(DepartmentType, self.owner_type)

    @property
    def others_label(self) -> str:
        from core.vocab import DepartmentType

        return join_list(label_of(DepartmentType, t) for t in (*self.participants, *self.cosigners))


@dataclass(frozen=True)
class Document:
    """A document a licensing application asks for, with its source (FORMAT.md)."""

    code: str
    label: str
    help: str
    actions: tuple[str, ...]
    source: str
    from_seed: bool


@dataclass(frozen=True)
class Cell:
    category: str
    phase: str
    region_code: str
    lead: Duty
    assists: tuple[Duty, ...]
    steps: tuple[StepOwner, ...]
    #: Licensing cells: the documents the applicant uploads.
    documents: tuple[Document, ...] = ()

    def documents_for(self, action: str) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if action in d.actions)

    @property
    def category_label(self) -> str:
        from core.vocab import Category

        return label_of(Category, self.category)

    @property
    def phase_label(self) -> str:
        from core.vocab import Phase

        return label_of(Phase, self.phase)

    def department_types(self) -> set[str]:
        """Every department type with a part in this cell: lead, assists, step owners,
        participants and co-signers."""
        types = {self.lead.department_type, *(a.department_type for a in self.assists)}
        for s in self.steps:
            types.update({s.owner_type, *s.participants, *s.cosigners})
        return types

    def step_owner(self, step: str, nature: str = "") -> StepOwner | None:
        for s in self.steps:
            if s.step == step and (not s.nature or s.nature == nature):
                return s
        return None


@dataclass(frozen=True)
class Route:
    category: str
    topic: str
    lead_type: str
    assist_types: tuple[str, ...]
    hotline: str
    source: str


@dataclass(frozen=True)
class Approval:
    action: str
    approver: str
    consult: tuple[str, ...]
    notify: tuple[str, ...]
    source: str
    #: The steps this action runs (FORMAT.md); empty: the workflow's default for the action.
    steps: tuple[str, ...] = ()

    @staticmethod
    def _types(codes: tuple[str, ...] | str) -> str:
        from django.utils.translation import gettext

        from core.vocab import DepartmentType

        special = {"lead": gettext("the licensing lead"),
                   "supervisor": gettext("the supervising department")}
        items = (codes,) if isinstance(codes, str) else codes
        return join_list(special.get(c) or label_of(DepartmentType, c) for c in items)

    @property
    def action_label(self) -> str:
        from core.vocab import LicenceAction

        return label_of(LicenceAction, self.action)

    @property
    def approver_label(self) -> str:
        return self._types(self.approver)

    @property
    def consult_label(self) -> str:
        return self._types(self.consult)

    @property
    def notify_label(self) -> str:
        return self._types(self.notify)

    @property
    def steps_label(self) -> str:
        from core.vocab import Step

        return join_list(label_of(Step, s) for s in self.steps)


@dataclass(frozen=True)
class Rule:
    key: str
    group: str
    kind: str
    value: Any
    label: str
    source: str
    from_seed: bool


@dataclass(frozen=True)
class ProfileData:
    code: str
    name: str
    name_en: str
    source: str
    description: str
    supervised_categories: tuple[str, ...]
    preschool: dict[str, Any]
    zombie_combination: str
    supervisors: dict[str, str]
    cells: dict[tuple[str, str, str], Cell]  # (region_code, category, phase)
    routes: tuple[Route, ...]
    approvals: dict[str, Approval]
    rules: dict[str, Rule] = field(default_factory=dict)
    #: New academic (学科类) institutions: {new_institutions_allowed, note, source}.
    academic: dict[str, Any] = field(default_factory=dict)
    #: Seed code -> {title, number, issuer, date}: how a citation is shown (issue 14 C10).
    sources: dict[str, dict[str, str]] = field(default_factory=dict)

    def cite(self, source: str) -> str:
        """A citation as users read it: the document's number or title and the section
        (policy.sources)."""
        from policy.sources import render

        return render(source, self.sources)

    #: The model contract: {title, version, version_source, clauses: [{code, label}],
    #: clauses_source}.
    contract: dict[str, Any] = field(default_factory=dict)

    #: Issue 12: {kind: {lead, assists, source}}, {action: {department, consult, source}}
    #: and {enabled, source}.
    incidents: dict[str, Any] = field(default_factory=dict)
    after_school: dict[str, Any] = field(default_factory=dict)
    monthly_consultation: dict[str, Any] = field(default_factory=dict)
    #: {host, source}: the department type hosting the joint meeting's office (001 §4(1)).
    joint_office: dict[str, Any] = field(default_factory=dict)
    #: {submit_day, forward_day, forwarding, source}: the monthly report (004 annex 2).
    monthly_report: dict[str, Any] = field(default_factory=dict)

    def incident_route(self, kind: str) -> dict[str, Any]:
        """The lead and assisting department types of a kind of incident case."""
        try:
            return dict(self.incidents[kind])
        except KeyError:
            raise ProfileMissing(_("The policy profile has no incident route %(key)s.")
                                 % {"key": kind})

    def after_school_decider(self, action: str) -> dict[str, Any]:
        """The department type that decides an after-school step (select, evaluate,
        remove) and those it consults."""
        try:
            return dict(self.after_school[action])
        except KeyError:
            raise ProfileMissing(_("The policy profile has no after-school rule %(key)s.")
                                 % {"key": action})

    @property
    def joint_office_host(self) -> str:
        """The department type that hosts the joint meeting's office (001 §4(1):
        联席会议办公室设在区教育局)."""
        try:
            return str(self.joint_office["host"])
        except KeyError:
            raise ProfileMissing(_("The policy profile has no %(key)s.")
                                 % {"key": "joint_office.host"})

    def monthly_report_setting(self, key: str) -> Any:
        """A setting of the monthly report (004 annex 2 note 1): submit_day, forward_day,
        forwarding (the city bureaus that relay to education)."""
        try:
            return self.monthly_report[key]
        except KeyError:
            raise ProfileMissing(_("The policy profile has no %(key)s.")
                                 % {"key": f"monthly_report.{key}"})

    @property
    def holds_monthly_consultation(self) -> bool:
        return bool(self.monthly_consultation.get("enabled"))

    def contract_setting(self, key: str) -> Any:
        """A setting of the model contract (the base's `contract`)."""
        try:
            return self.contract[key]
        except KeyError:
            raise ProfileMissing(_("The policy profile has no contract %(key)s.") % {"key": key})

    # -- the responsibility matrix -------------------------------------------------
    def cell(self, category: str, phase: str, county_code: str = "") -> Cell | None:
        """The effective cell for a county: its own override if any, else the city's."""
        if county_code:
            override = self.cells.get((county_code, category, phase))
            if override is not None:
                return override
        return self.cells.get(("", category, phase))

    def effective_cells(self, county_code: str = "") -> list[Cell]:
        out = []
        for category in self.supervised_categories:
            for (region, cat, phase) in self.cells:
                if region == "" and cat == category:
                    cell = self.cell(cat, phase, county_code)
                    if cell is not None:
                        out.append(cell)
        return out

    def lead_type(self, category: str, phase: str, county_code: str = "") -> str | None:
        cell = self.cell(category, phase, county_code)
        return cell.lead.department_type if cell else None

    def participation(self, department_type: str | None, county_code: str = ""
                      ) -> list[tuple[str, str]]:
        """(category, phase) pairs in which a department type has a part."""
        if not department_type:
            return []
        return [(c.category, c.phase) for c in self.effective_cells(county_code)
                if department_type in c.department_types()]

    def supervisor_type(self, category: str) -> str | None:
        """The department named on the licence as supervising department (001 §3(2))."""
        return self.supervisors.get(category)

    def approval(self, action: str) -> Approval | None:
        return self.approvals.get(action)

    def approver_type(self, action: str, category: str, county_code: str = "") -> str | None:
        """The department type that approves a licence action for a category."""
        approval = self.approvals.get(action)
        if approval is None or approval.approver == "lead":
            from core.vocab import Phase

            return self.lead_type(category, Phase.LICENSING, county_code)
        return approval.approver

    # -- complaint routing ------------------------------------------------------------
    def route(self, category: str, topic: str) -> Route | None:
        """Most specific first: (category, topic), ('*', topic), (category, general)."""
        by_key = {(r.category, r.topic): r for r in self.routes}
        for key in ((category, topic), ("*", topic), (category, "general"), ("*", "general")):
            if key in by_key:
                return by_key[key]
        return None

    # -- rules ----------------------------------------------------------------------
    def rule(self, key: str) -> Any:
        try:
            return self.rules[key].value
        except KeyError:
            raise ProfileMissing(_("The policy profile has no rule %(key)s.") % {"key": key})

    def deadline(self, key: str) -> int:
        """Working days for a deadline key. The loader refuses a profile without every
        declared key (policy/deadlines.py), so there is no fallback to guess with."""
        entry = self.rules.get(key)
        if entry is None or entry.group != "deadline" or entry.value is None:
            raise ProfileMissing(_("The policy profile has no deadline %(key)s.") % {"key": key})
        return int(entry.value)


def _cache_key(code: str) -> str:
    # v2: StepOwner.role; v3: Approval.steps; v4: sources; v5: documents and contract;
    # v6: incidents, after-school services, monthly consultation; v7: joint office, monthly
    # report dates; v9: (stamp, profile), read under the stamp (active_profile)
    return f"policy:profile:v9:{code}"


def build_profile_data(code: str) -> ProfileData:
    from policy.models import MatrixCell, PolicyProfile

    try:
        profile = PolicyProfile.objects.get(code=code)
    except PolicyProfile.DoesNotExist:
        raise ProfileMissing()
    cells: dict[tuple[str, str, str], Cell] = {}
    documents = _documents(profile.content or {})
    for c in MatrixCell.objects.filter(profile=profile).prefetch_related("assists", "steps"):
        cells[(c.region_code, c.category, c.phase)] = Cell(
            category=c.category, phase=c.phase, region_code=c.region_code,
            lead=Duty(c.lead_type, c.lead_duty, c.source),
            assists=tuple(Duty(a.department_type, a.duty, a.source) for a in c.assists.all()),
            steps=tuple(
                StepOwner(s.step, s.owner_type, s.nature, tuple(s.participants or ()),
                          tuple(s.cosigners or ()), s.source, s.role)
                for s in sorted(c.steps.all(), key=lambda s: s.order)),
            documents=documents.get((c.region_code, c.category, c.phase), ()),
        )
    return ProfileData(
        code=profile.code, name=profile.name, name_en=profile.name_en, source=profile.source,
        description=profile.description,
        supervised_categories=tuple(profile.supervised_categories or ()),
        preschool=dict(profile.preschool or {}),
        zombie_combination=profile.zombie_combination,
        supervisors=dict(profile.supervisors or {}),
        cells=cells,
        routes=tuple(Route(r.category, r.topic, r.lead_type, tuple(r.assist_types or ()),
                           r.hotline, r.source) for r in profile.complaint_routes.all()),
        approvals={a.action: Approval(a.action, a.approver, tuple(a.consult or ()),
                                      tuple(a.notify or ()), a.source, tuple(a.steps or ()))
                   for a in profile.licence_approvals.all()},
        rules=_rules(profile),
        academic=dict((profile.content or {}).get("academic") or {}),
        sources=dict((profile.content or {}).get("sources") or {}),
        contract=dict((profile.content or {}).get("contract") or {}),
        incidents=dict((profile.content or {}).get("incidents") or {}),
        after_school=dict((profile.content or {}).get("after_school") or {}),
        monthly_consultation=dict((profile.content or {}).get("monthly_consultation") or {}),
        joint_office=dict((profile.content or {}).get("joint_office") or {}),
        monthly_report=dict((profile.content or {}).get("monthly_report") or {}),
    )


def _documents(content: dict[str, Any]) -> dict[tuple[str, str, str], tuple[Document, ...]]:
    """The documents of each cell, from the loaded content (the cell rows do not hold
    them)."""
    out: dict[tuple[str, str, str], tuple[Document, ...]] = {}
    for name in ("matrix", "county_overrides"):
        for cell in content.get(name) or []:
            key = (str(cell.get("region_code") or ""), cell.get("category"), cell.get("phase"))
            out[key] = tuple(
                Document(d["code"], d["label"], d.get("help", ""), tuple(d.get("actions") or ()),
                         d["source"], bool(d.get("from_seed", True)))
                for d in cell.get("documents") or [])
    return out


def _rules(profile: Any) -> dict[str, Rule]:
    rules = {}
    for r in profile.rules.all():
        try:
            value = parse_rule_value(r.kind, r.value)
        except (ValueError, ArithmeticError, TypeError):
            raise ProfileInvalid(_("The policy profile %(code)s holds an invalid value for "
                                   "%(key)s. Run manage.py load_profiles --force.")
                                 % {"code": profile.code, "key": r.key})
        rules[r.key] = Rule(r.key, r.group, r.kind, value, r.label, r.source, r.from_seed)
    return rules


def _stamp_key(code: str) -> str:
    return f"{_cache_key(code)}:stamp"


#: {code: (stamp, data)}: the profile as this process last read it from the cache.
_local: dict[str, tuple[str, ProfileData]] = {}


def active_profile() -> ProfileData:
    """The profile selected by settings.POLICY_PROFILE.

    Cached in the shared cache with a stamp (a new one whenever it is built), and in the
    process with the stamp it was read under: a request reads only the small stamp, in
    the same round trip as its session (`core.prefetch`), and unpickles the profile (33 KB,
    0.4 ms) only when the stamp has changed (issue 13: the profile was a fourth cache
    round trip and an unpickling on each of an officer's API calls). A change to the
    profile drops both keys (`invalidate_profile_cache`), so every process reads the new
    one on its next request."""
    code = settings.POLICY_PROFILE
    stamp = prefetch.get(_stamp_key(code))
    local = _local.get(code)
    if stamp is not None and local is not None and local[0] == stamp:
        note_read(PROFILE_READ, stamp)
        return local[1]
    entry = cache.get(_cache_key(code))
    if stamp is None or not isinstance(entry, tuple) or entry[0] != stamp:
        try:
            data = build_profile_data(code)
        except ProfileMissing:
            note_read(PROFILE_READ, None)  # a rule built without it is rebuilt once it is
            raise
        stamp = uuid.uuid4().hex
        entry = (stamp, data)
        cache.set_many({_cache_key(code): entry, _stamp_key(code): stamp}, CACHE_TTL)
        prefetch.forget([_stamp_key(code)])
    _local[code] = entry
    note_read(PROFILE_READ, entry[0])
    return entry[1]


#: The name scope rules that read the profile (the matrix) note (`core.versions.note_read`).
PROFILE_READ = "policy-profile"


def _profile_version() -> str | None:
    """The active profile's stamp now (None while there is none)."""
    try:
        active_profile()
    except ProfileMissing:
        return None
    return _local[settings.POLICY_PROFILE][0]


def invalidate_profile_cache() -> None:
    from policy.models import PolicyProfile

    codes = {*PolicyProfile.objects.values_list("code", flat=True), settings.POLICY_PROFILE}
    keys = [k for c in codes for k in (_cache_key(c), _stamp_key(c))]
    cache.delete_many(keys)
    prefetch.forget(keys)
    for code in codes:
        _local.pop(code, None)


prefetch.read_with_session("policy-profile", lambda: _stamp_key(settings.POLICY_PROFILE))
versioned(PROFILE_READ, _profile_version)
