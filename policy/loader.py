"""Load a policy profile file into the database: validated, all or nothing, and only
when its content changed.

The file format is described in `policy/profiles/FORMAT.md`. A city file extends the
national base (`extends: base`); the merged profile is validated by `policy.schema`, and
every error names where in the file it is, so a bad file changes nothing and says why.

One writer (issue 8 §5): the files are the only writer of the profile tables. The admin
shows them read-only, and `load_profile` replaces the rows only when the merged content's
checksum differs from the stored one, writing one `PolicyChange` with the old and new
checksums and a summary of what changed. A restart that runs `load_profiles` again
therefore changes nothing and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.vocab import StepRole
from policy import models as m
from policy.profile import invalidate_profile_cache
from policy.schema import Profile, validate_profile

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"

#: Keys of a base that a profile does not inherit: its identity, and its own flags.
NOT_INHERITED = frozenset({"code", "name", "name_en", "source", "description", "abstract",
                           "extends"})
#: Lists merged entry by entry on this key; every other list is replaced whole.
KEYED_LISTS = {"rules": "key", "deadlines": "key"}


class ProfileFileError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


def profile_path(code: str, directory: Path | None = None) -> Path:
    return (directory or PROFILE_DIR) / f"{code}.yaml"


def _read(text: str) -> tuple[dict[str, Any], list[str]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return {}, [_("Not valid YAML: %(error)s") % {"error": exc}]
    if not isinstance(data, dict):
        return {}, [_("The file must hold a mapping.")]
    return data, []


def _file_text(code: str, text: str | None, directory: Path | None) -> str:
    """The text given, or the profile file's."""
    if text is not None:
        return text
    path = profile_path(code, directory)
    if not path.exists():
        raise ProfileFileError([_("No profile file %(path)s") % {"path": path}])
    return path.read_text(encoding="utf-8")


def available_profiles(directory: Path | None = None) -> list[str]:
    """The selectable profiles: every file but the bases marked `abstract: true`."""
    codes = []
    for path in sorted((directory or PROFILE_DIR).glob("*.yaml")):
        data, _errors = _read(path.read_text(encoding="utf-8"))
        if data.get("abstract") is not True:
            codes.append(path.stem)
    return codes


def merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """The child over its base: mappings merged key by key (recursively), `rules` and
    `deadlines` merged entry by entry on `key` (a child's entry replaces the base's whole),
    every other list replaced whole (FORMAT.md "Extending a base")."""
    out = {k: v for k, v in base.items() if k not in NOT_INHERITED}
    for key, value in child.items():
        old = out.get(key)
        if key in KEYED_LISTS and isinstance(value, list) and isinstance(old, list):
            ident = KEYED_LISTS[key]
            entries = {e.get(ident): e for e in old if isinstance(e, dict)}
            extra = []
            for e in value:
                if isinstance(e, dict) and e.get(ident) in entries:
                    entries[e.get(ident)] = e
                else:
                    extra.append(e)
            out[key] = [*entries.values(), *extra]
        elif isinstance(value, dict) and isinstance(old, dict):
            out[key] = _merge_dicts(old, value)
        else:
            out[key] = value
    return out


def _merge_dicts(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in child.items():
        old = out.get(key)
        out[key] = _merge_dicts(old, value) if isinstance(old, dict) and isinstance(
            value, dict) else value
    return out


def resolve(data: dict[str, Any], directory: Path | None = None,
            chain: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[str]]:
    """The profile with its `extends` chain merged in, and the problems of the chain."""
    base_code = data.get("extends")
    if base_code in (None, ""):
        return data, []
    chain = chain or (str(data.get("code") or "?"),)
    if not isinstance(base_code, str) or base_code in chain:
        return data, [_("extends: %(base)r makes a cycle (%(chain)s)")
                      % {"base": base_code, "chain": " → ".join([*chain, str(base_code)])}]
    path = profile_path(base_code, directory)
    if not path.exists():
        return data, [_("extends: no base profile %(base)r") % {"base": base_code}]
    base, errors = _read(path.read_text(encoding="utf-8"))
    if errors:
        return data, [f"{base_code}.yaml: {e}" for e in errors]
    base, errors = resolve(base, directory, (*chain, base_code))
    return merge(base, data), errors


def effective_data(code: str, text: str | None = None, directory: Path | None = None
                   ) -> dict[str, Any]:
    """The merged, unvalidated content of a profile (its file over its bases)."""
    text = _file_text(code, text, directory)
    data, errors = _read(text)
    if errors:
        raise ProfileFileError(errors)
    data, errors = resolve(data, directory)
    if errors:
        raise ProfileFileError(errors)
    return data


def parse_profile(text: str, directory: Path | None = None) -> Profile:
    """Parse, merge the bases and validate; raise ProfileFileError listing every problem
    found (an `extends` problem too, with whatever the file itself gets wrong)."""
    data, errors = _read(text)
    if errors:
        raise ProfileFileError(errors)
    if data.get("abstract") is True:
        raise ProfileFileError([_("%(code)s is a base for other profiles, not a profile to "
                                  "load.") % {"code": data.get("code")}])
    data, errors = resolve(data, directory)
    profile, problems = validate_profile(data)
    if errors or profile is None:
        raise ProfileFileError([*errors, *problems])
    return profile


def content_hash(profile: Profile) -> str:
    """The checksum of what a profile means, not of how its files are written: comments,
    order of keys and which file says what do not change it."""
    text = json.dumps(profile.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _str_value(value: Any) -> str:
    """A typed rule value as the row stores it (parse_rule_value reads it back)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "strftime"):
        return value.strftime("%H:%M")
    return str(value)


#: How the summary of a change names an entry of each list.
_IDENTITY = {
    "rules": lambda e: e["key"], "deadlines": lambda e: e["key"],
    "licence_approval": lambda e: e["action"],
    "complaint_routing": lambda e: f"{e['category']}/{e['topic']}",
    "matrix": lambda e: f"{e['category']}/{e['phase']}",
    "county_overrides": lambda e: f"{e['region_code']}:{e['category']}/{e['phase']}",
}


def summarize(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed between two contents, for the audit trail: per section the entries
    added, removed and changed (with the old and new value of rules and deadlines)."""
    out: dict[str, Any] = {}
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key in _IDENTITY and isinstance(before, list) and isinstance(after, list):
            ident = _IDENTITY[key]
            b, a = {ident(e): e for e in before}, {ident(e): e for e in after}
            section: dict[str, Any] = {}
            if added := sorted(set(a) - set(b)):
                section["added"] = added
            if removed := sorted(set(b) - set(a)):
                section["removed"] = removed
            changed = sorted(k for k in set(a) & set(b) if a[k] != b[k])
            if changed and key in KEYED_LISTS:
                section["changed"] = {k: [b[k].get("value"), a[k].get("value")]
                                      for k in changed}
            elif changed:
                section["changed"] = changed
            out[key] = section
        else:
            out[key] = [before, after]
    return out


@transaction.atomic
def load_profile(code: str, text: str | None = None, *, directory: Path | None = None,
                 force: bool = False, actor: str = "loader") -> m.PolicyChange | None:
    """Make the stored profile `code` what its file says. Nothing happens, and None is
    returned, when the stored checksum already matches (unless `force`); otherwise the
    rows are replaced and the returned PolicyChange records it."""
    text = _file_text(code, text, directory)
    data = parse_profile(text, directory)
    if data.code != code:
        raise ProfileFileError([_("The file's code %(found)s does not match %(code)s") %
                                {"found": data.code, "code": code}])
    checksum = content_hash(data)
    content = data.model_dump(mode="json")
    profile = m.PolicyProfile.objects.select_for_update().filter(code=code).first()
    if profile is not None and profile.file_sha256 == checksum and not force:
        return None
    old_hash, old_content = (profile.file_sha256, profile.content) if profile else ("", {})
    if profile is None:
        profile = m.PolicyProfile(code=code)
    profile.name, profile.name_en, profile.source = data.name, data.name_en, data.source
    profile.description = data.description
    profile.supervised_categories = list(data.supervised_categories)
    profile.preschool = data.preschool.model_dump(mode="json")
    profile.zombie_combination = data.zombie.combination
    profile.supervisors = dict(data.supervisors)
    profile.file_sha256, profile.content, profile.loaded_at = checksum, content, timezone.now()
    profile.save()
    _replace_rows(profile, data)
    change = m.PolicyChange.objects.create(
        profile_code=code, actor=actor, old_hash=old_hash, new_hash=checksum,
        summary=summarize(old_content, content) if old_content else {"created": True})
    transaction.on_commit(invalidate_profile_cache)
    invalidate_profile_cache()
    return change


def _replace_rows(profile: m.PolicyProfile, data: Profile) -> None:
    profile.cells.all().delete()
    profile.licence_approvals.all().delete()
    profile.complaint_routes.all().delete()
    profile.rules.all().delete()
    cells = [*(("", e) for e in data.matrix),
             *((o.region_code, o) for o in data.county_overrides)]
    for region_code, entry in cells:
        cell = m.MatrixCell.objects.create(
            profile=profile, region_code=region_code, category=entry.category,
            phase=entry.phase, lead_type=entry.lead.department, lead_duty=entry.lead.duty,
            source=entry.lead.source)
        m.MatrixAssist.objects.bulk_create(
            m.MatrixAssist(cell=cell, department_type=a.department, duty=a.duty,
                           source=a.source) for a in entry.assists)
        m.MatrixStep.objects.bulk_create(
            m.MatrixStep(cell=cell, order=n, step=s.step, owner_type=s.owner,
                         role=s.role or StepRole.LEAD, nature=s.nature,
                         participants=list(s.participants), cosigners=list(s.cosigners),
                         source=s.source)
            for n, s in enumerate(entry.steps))
    m.LicenceApproval.objects.bulk_create(
        m.LicenceApproval(profile=profile, action=a.action, approver=a.approver,
                          consult=list(a.consult), notify=list(a.notify), steps=list(a.steps),
                          source=a.source)
        for a in data.licence_approval)
    m.ComplaintRoute.objects.bulk_create(
        m.ComplaintRoute(profile=profile, category=r.category, topic=r.topic,
                         lead_type=r.lead, assist_types=list(r.assists), hotline=r.hotline,
                         source=r.source)
        for r in data.complaint_routing)
    m.RuleParameter.objects.bulk_create(
        [m.RuleParameter(profile=profile, group=m.RuleGroup.RULE, key=r.key, kind=r.kind,
                         value=_str_value(r.value), label=r.label or r.key, source=r.source,
                         from_seed=r.from_seed) for r in data.rules]
        + [m.RuleParameter(profile=profile, group=m.RuleGroup.DEADLINE, key=d.key,
                           kind="workdays", value=str(d.value), label=d.label or d.key,
                           source=d.source, from_seed=d.from_seed) for d in data.deadlines])
