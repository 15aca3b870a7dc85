"""City profiles extend the national base (issue 8 §5): the 15 rules and 17 deadlines are
written once in policy/profiles/base.yaml, and each city's effective profile is exactly
what its own file said before the base existed (frozen in fixtures/)."""

import json
from pathlib import Path

import pytest
import yaml

from policy.loader import effective_data, merge, profile_path

BEFORE = json.loads((Path(__file__).parent / "fixtures" / "effective_profiles_before_base.json")
                    .read_text(encoding="utf-8"))


FUNDS_RULES = ("funds_dispute_days", "funds_disbursement_cycle_days",
               "funds_disbursement_retained_percent")


def by_key(entries):
    return {e["key"]: e for e in entries}


def _changed_since(code, before):
    """Changes made on purpose after the base was introduced, applied to the frozen
    profile so that everything else must still be as it was."""
    if code == "kunming":  # issue 14 B5 (000 §3): the other departments assist
        for cell in before["matrix"]:
            if cell["phase"] == "daily_supervision":
                for step in cell["steps"]:
                    if step["step"] in ("security", "fees", "labour", "taxation"):
                        step["role"] = "assist"
    return before


@pytest.mark.parametrize("code", sorted(BEFORE))
def test_each_city_means_what_it_meant_before_the_base(code):
    now = effective_data(code)
    before = _changed_since(code, BEFORE[code])
    assert now.pop("extends") == "base"
    # Added after the base (issue 14 B1): new academic institutions, written in the base as
    # a documented default and by Beichen from its seed.
    academic = now.pop("academic")
    assert academic["new_institutions_allowed"] is False
    assert academic["source"] == ("001 §3(1)" if code == "beichen" else "default")
    # Added after the base (issue 11): the funds parameters, documented defaults.
    rules = {k: v for k, v in by_key(now.pop("rules")).items() if k not in FUNDS_RULES}
    assert rules == by_key(before.pop("rules"))
    assert by_key(now.pop("deadlines")) == by_key(before.pop("deadlines"))
    assert now == before


def test_the_base_holds_the_shared_rules_and_deadlines_once():
    base = yaml.safe_load(profile_path("base").read_text(encoding="utf-8"))
    assert base["abstract"] is True
    assert len(base["rules"]) == 15 + len(FUNDS_RULES) and len(base["deadlines"]) == 17
    for code in BEFORE:
        own = yaml.safe_load(profile_path(code).read_text(encoding="utf-8"))
        assert own["extends"] == "base"
        assert "deadlines" not in own
        assert len(own.get("rules") or []) <= 1  # beichen: its own government-guided price


def test_merge_semantics():
    """Mappings merge by key, rules and deadlines by their key, other lists are replaced,
    and a base's identity is not inherited (FORMAT.md "Extending a base")."""
    base = {"code": "base", "name": "基础", "abstract": True,
            "zombie": {"combination": "any", "source": "default"},
            "supervised_categories": ["arts", "tech"],
            "rules": [{"key": "a", "value": 1}, {"key": "b", "value": 2}]}
    child = {"code": "city", "extends": "base", "zombie": {"source": "000 §4(3)"},
             "supervised_categories": ["sports"], "rules": [{"key": "b", "value": 3},
                                                              {"key": "c", "value": 4}]}
    assert merge(base, child) == {
        "code": "city", "extends": "base",
        "zombie": {"combination": "any", "source": "000 §4(3)"},
        "supervised_categories": ["sports"],
        "rules": [{"key": "a", "value": 1}, {"key": "b", "value": 3}, {"key": "c", "value": 4}],
    }
