"""Load a policy profile file into the database (all or nothing).

The file format is described in `policy/profiles/FORMAT.md`. Every code is checked
against `core.vocab`, and every error names where in the file it is, so a bad file
changes nothing and says why.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
from policy import models as m
from policy.profile import DEADLINE_KEYS, RULE_KINDS, invalidate_profile_cache

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


class ProfileFileError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def code(self, where: str, value: Any, choices: type, extra: tuple[str, ...] = ()) -> str:
        if value not in set(choices.values) | set(extra):
            self.errors.append(_("%(where)s: unknown code %(value)r") %
                               {"where": where, "value": value})
        return str(value)

    def required(self, where: str, data: dict[str, Any], key: str) -> Any:
        if key not in data or data[key] in (None, ""):
            self.errors.append(_("%(where)s: %(key)s is required") % {"where": where, "key": key})
            return ""
        return data[key]


def profile_path(code: str) -> Path:
    return PROFILE_DIR / f"{code}.yaml"


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


def parse_profile(text: str) -> dict[str, Any]:
    """Parse and validate; raise ProfileFileError listing every problem found."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileFileError([_("Not valid YAML: %(error)s") % {"error": exc}])
    if not isinstance(data, dict):
        raise ProfileFileError([_("The file must hold a mapping.")])
    c = _Checker()
    for key in ("code", "name", "supervised_categories", "supervisors", "matrix", "rules",
                "deadlines", "licence_approval", "complaint_routing"):
        c.required("profile", data, key)
    categories = data.get("supervised_categories") or []
    for cat in categories:
        c.code("supervised_categories", cat, Category)
    for cat, dept in (data.get("supervisors") or {}).items():
        c.code("supervisors", cat, Category)
        c.code(f"supervisors.{cat}", dept, DepartmentType)
    seen_cells: set[tuple[str, str, str]] = set()
    for i, entry in enumerate([*(data.get("matrix") or []),
                               *(data.get("county_overrides") or [])]):
        where = f"matrix[{i}]"
        region = str(entry.get("region_code") or "")
        cat = c.code(where + ".category", entry.get("category"), Category)
        phase = c.code(where + ".phase", entry.get("phase"), Phase)
        if (region, cat, phase) in seen_cells:
            c.errors.append(_("%(where)s: duplicate cell") % {"where": where})
        seen_cells.add((region, cat, phase))
        lead = entry.get("lead") or {}
        c.code(where + ".lead.department", lead.get("department"), DepartmentType)
        c.required(where + ".lead", lead, "duty")
        c.required(where + ".lead", lead, "source")
        for j, a in enumerate(entry.get("assists") or []):
            c.code(f"{where}.assists[{j}]", a.get("department"), DepartmentType)
            c.required(f"{where}.assists[{j}]", a, "source")
        for j, s in enumerate(entry.get("steps") or []):
            sw = f"{where}.steps[{j}]"
            c.code(sw + ".step", s.get("step"), Step)
            c.code(sw + ".owner", s.get("owner"), DepartmentType)
            if s.get("nature"):
                c.code(sw + ".nature", s.get("nature"), Nature)
            if "role" in s:  # optional, lead when omitted (FORMAT.md)
                c.code(sw + ".role", s.get("role"), StepRole)
            for t in [*(s.get("participants") or []), *(s.get("cosigners") or [])]:
                c.code(sw, t, DepartmentType)
            c.required(sw, s, "source")
    for cat in categories:
        for phase in Phase.values:
            if ("", cat, phase) not in seen_cells:
                c.errors.append(_("matrix: no cell for %(cat)s / %(phase)s") %
                                {"cat": cat, "phase": phase})
    for i, a in enumerate(data.get("licence_approval") or []):
        where = f"licence_approval[{i}]"
        c.code(where + ".action", a.get("action"), LicenceAction)
        c.code(where + ".approver", a.get("approver"), DepartmentType, ("lead",))
        for t in [*(a.get("consult") or []), *(a.get("notify") or [])]:
            c.code(where, t, DepartmentType, ("supervisor", "lead"))
        steps = a.get("steps") or []  # optional: the steps the action runs (FORMAT.md)
        if not isinstance(steps, list):
            c.errors.append(_("%(where)s: steps must be a list of step codes") %
                            {"where": where + ".steps"})
            continue
        for j, code in enumerate(steps):
            c.code(f"{where}.steps[{j}]", code, Step)
        if steps and Step.CONCLUSION not in steps:
            c.errors.append(_("%(where)s: steps must include conclusion") %
                            {"where": where + ".steps"})
    for i, r in enumerate(data.get("complaint_routing") or []):
        where = f"complaint_routing[{i}]"
        c.code(where + ".category", r.get("category"), Category, ("*",))
        c.code(where + ".topic", r.get("topic"), ComplaintTopic)
        c.code(where + ".lead", r.get("lead"), DepartmentType)
        for t in r.get("assists") or []:
            c.code(where + ".assists", t, DepartmentType)
    rule_keys = set()
    for i, r in enumerate(data.get("rules") or []):
        where = f"rules[{i}]"
        key = c.required(where, r, "key")
        rule_keys.add(key)
        if key not in RULE_KINDS:
            c.errors.append(_("%(where)s: unknown rule %(key)s") % {"where": where, "key": key})
        c.required(where, r, "source")
    for key in RULE_KINDS:
        if key not in rule_keys:
            c.errors.append(_("rules: %(key)s is missing") % {"key": key})
    deadline_keys = {d.get("key") for d in data.get("deadlines") or []}
    for key in DEADLINE_KEYS:
        if key not in deadline_keys:
            c.errors.append(_("deadlines: %(key)s is missing") % {"key": key})
    for i, d in enumerate(data.get("deadlines") or []):
        if not isinstance(d.get("value"), int) or d["value"] < 0:
            c.errors.append(_("deadlines[%(i)s]: value must be a whole number of working days")
                            % {"i": i})
    if c.errors:
        raise ProfileFileError(c.errors)
    return data


def _str_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@transaction.atomic
def load_profile(code: str, text: str | None = None) -> m.PolicyProfile:
    """Replace the stored profile `code` with the file's content."""
    if text is None:
        path = profile_path(code)
        if not path.exists():
            raise ProfileFileError([_("No profile file %(path)s") % {"path": path}])
        text = path.read_text(encoding="utf-8")
    data = parse_profile(text)
    if data["code"] != code:
        raise ProfileFileError([_("The file's code %(found)s does not match %(code)s") %
                                {"found": data["code"], "code": code}])
    profile, _created = m.PolicyProfile.objects.update_or_create(
        code=code,
        defaults=dict(
            name=data["name"], name_en=data.get("name_en", ""), source=data.get("source", ""),
            description=data.get("description", ""),
            supervised_categories=list(data["supervised_categories"]),
            preschool=data.get("preschool") or {},
            zombie_combination=(data.get("zombie") or {}).get("combination", "any"),
            supervisors=dict(data["supervisors"]),
            file_sha256=hashlib.sha256(text.encode()).hexdigest(),
            loaded_at=timezone.now(),
        ),
    )
    profile.cells.all().delete()
    profile.licence_approvals.all().delete()
    profile.complaint_routes.all().delete()
    profile.rules.all().delete()
    for entry in [*data["matrix"], *(data.get("county_overrides") or [])]:
        lead = entry["lead"]
        cell = m.MatrixCell.objects.create(
            profile=profile, region_code=str(entry.get("region_code") or ""),
            category=entry["category"], phase=entry["phase"], lead_type=lead["department"],
            lead_duty=lead["duty"], source=lead["source"])
        m.MatrixAssist.objects.bulk_create(
            m.MatrixAssist(cell=cell, department_type=a["department"], duty=a.get("duty", ""),
                           source=a["source"]) for a in entry.get("assists") or [])
        m.MatrixStep.objects.bulk_create(
            m.MatrixStep(cell=cell, order=n, step=s["step"], owner_type=s["owner"],
                         role=s.get("role") or StepRole.LEAD, nature=s.get("nature") or "",
                         participants=s.get("participants") or [],
                         cosigners=s.get("cosigners") or [], source=s["source"])
            for n, s in enumerate(entry.get("steps") or []))
    m.LicenceApproval.objects.bulk_create(
        m.LicenceApproval(profile=profile, action=a["action"], approver=a["approver"],
                          consult=a.get("consult") or [], notify=a.get("notify") or [],
                          steps=a.get("steps") or [], source=a.get("source", "default"))
        for a in data["licence_approval"])
    m.ComplaintRoute.objects.bulk_create(
        m.ComplaintRoute(profile=profile, category=r["category"], topic=r["topic"],
                         lead_type=r["lead"], assist_types=r.get("assists") or [],
                         hotline=str(r.get("hotline") or ""), source=r.get("source", "default"))
        for r in data["complaint_routing"])
    m.RuleParameter.objects.bulk_create(
        [m.RuleParameter(profile=profile, group=m.RuleGroup.RULE, key=r["key"],
                         kind=RULE_KINDS[r["key"]], value=_str_value(r.get("value")),
                         label=r.get("label", r["key"]), source=r["source"],
                         from_seed=bool(r.get("from_seed", True))) for r in data["rules"]]
        + [m.RuleParameter(profile=profile, group=m.RuleGroup.DEADLINE, key=d["key"],
                           kind="workdays", value=str(d["value"]), label=d.get("label", d["key"]),
                           source=d.get("source", "default"),
                           from_seed=bool(d.get("from_seed", False))) for d in data["deadlines"]])
    transaction.on_commit(invalidate_profile_cache)
    invalidate_profile_cache()
    return profile
