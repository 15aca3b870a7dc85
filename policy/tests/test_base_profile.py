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
               "funds_disbursement_retained_percent",
               # The risk warnings' thresholds and windows (issue 11; documented defaults).
               "risk_reconciliation_yuan",
               "risk_reconciliation_window_days",
               "risk_refund_spike_count",
               "risk_refund_spike_window_days",
               "risk_sales_surge_factor",
               "risk_sales_surge_window_days",
               "risk_complaints_count",
               "risk_complaints_window_days",
               "risk_disbursement_percent",
               "risk_disbursement_window_days",
               "risk_refused_charges_count",
               "risk_refused_charges_window_days",
               "risk_closing_balance_yuan",
               "risk_closing_window_days",
               "risk_fee_loans_count",
               "risk_fee_loans_window_days",
               "risk_outside_account_yuan",
               "risk_outside_account_window_days",
               )
#: Added after the base (issue 9: the complaint-heavy inspection targets, documented
#: defaults).
INSPECTIONS_RULES = ("complaint_target_threshold", "complaint_target_window_days")


def by_key(entries):
    return {e["key"]: e for e in entries}


#: Deadlines added to the base after it was introduced (issue 10: the complaint
#: hand-offs, documented defaults), which every city inherits.
ADDED_TO_BASE = ("complaint_accept", "complaint_reply", "complaint_review",
                 "complaint_rating_wait", "complaint_report_back")


def _changed_since(code, before):
    """Changes made on purpose after the base was introduced, applied to the frozen
    profile so that everything else must still be as it was."""
    base = yaml.safe_load(profile_path("base").read_text(encoding="utf-8"))
    before["deadlines"] = [*before["deadlines"], *(
        e for e in base["deadlines"] if e["key"] in ADDED_TO_BASE)]
    if code == "kunming":  # issue 14 B5 (000 §3): the other departments assist
        for cell in before["matrix"]:
            if cell["phase"] == "daily_supervision":
                for step in cell["steps"]:
                    if step["step"] in ("security", "fees", "labour", "taxation"):
                        step["role"] = "assist"
    if code == "kunming":  # issue 14 B6: citations that did not support their content
        _kunming_b6(before)
    if code == "beichen":  # issue 14 B6: the topic assists cite their duties in 001 §4(2)
        for route in before["complaint_routing"]:
            if route["topic"] != "general":
                route["source"] = BEICHEN_ROUTE_SOURCES[route["topic"]]
    if code == "tongzhou":  # issue 14 B5 (002 §2(4), §3(1)): procuratorate and housing
        _tongzhou_b5(before)
    # Issue 9: the deadline keys inspections declared, written once in the base.
    base = yaml.safe_load(profile_path("base").read_text(encoding="utf-8"))
    before["deadlines"] = before["deadlines"] + [
        d for d in base["deadlines"] if d["key"] in INSPECTIONS_DEADLINES]
    return before


INSPECTIONS_DEADLINES = {"daily_inspection", "zombie_cleanup", "enforcement_decision",
                         "blacklist_appeal",
                         # governance (issue 12), appended to the base likewise
                         "meeting_decision", "screening_check",
                         "incident_response", "public_opinion_response", "online_takedown",
                         # issue 12: discipline's proposals, the monthly report
                         "supervision_proposal_reply", "monthly_report_consolidate"}


BEICHEN_ROUTE_SOURCES = {
    "advertising": "001 §5(3), §4(2)5", "contract": "001 §5(3), §4(2)5",
    "price": "001 §5(3), §4(2)5, 7", "safety": "001 §5(3), §4(2)9, 13",
    "refund": "001 §5(3), §4(2)5, 17", "unlicensed": "001 §5(3), §4(2)5, 19"}

DEFAULT = {"source": "default", "from_seed": False}


def _kunming_b6(data):
    for rule in data["licence_approval"]:
        if rule["action"] in ("change", "terminate"):
            rule.update(DEFAULT)
    for cell in data["matrix"]:
        if cell["phase"] != "licensing":
            continue
        for step in cell["steps"]:
            if step["step"] == "fund_account":
                if step.get("role") == "assist":
                    step.update(DEFAULT)
                else:
                    step["source"] = "000 §3(3)1, §4(3)"
            if step["step"] == "material_review" and cell["category"] == "sports":
                step.update(DEFAULT)


def _tongzhou_b5(data):
    for cell in data["matrix"]:
        if cell["phase"] != "licensing":
            continue
        at = next(i for i, a in enumerate(cell["assists"])
                  if a["department"] == "public_security") + 1
        cell["assists"].insert(at, {
            "department": "procuratorate",
            "duty": "会同教育体育、文广旅、科技等主管部门和公安局建立完善从业人员入职查询和从业禁止制度，严把入口关",
            "source": "002 §2(4)"})
        steps = cell["steps"]
        for step in steps:
            if step["step"] == "record_check":
                step["participants"] = ["procuratorate"]
        onsite = [i for i, s in enumerate(steps) if s["step"] == "onsite_inspection"]
        if onsite:
            steps.insert(onsite[0] + 1, {"step": "premises_approval", "owner": "housing",
                                         "role": "assist", "source": "002 §3(1)"})


@pytest.mark.parametrize("code", sorted(BEFORE))
def test_each_city_means_what_it_meant_before_the_base(code):
    now = effective_data(code)
    before = _changed_since(code, BEFORE[code])
    assert now.pop("extends") == "base"
    # Added after the base (issue 14 B1): new academic institutions, written in the base as
    # a documented default and by Beichen from its seed.
    academic = now.pop("academic")
    assert set(now.pop("sources")) == {"000", "001", "002", "003", "004"}  # issue 14 C10
    assert academic["new_institutions_allowed"] is False
    assert academic["source"] == ("001 §3(1)" if code == "beichen" else "default")
    # Added by issue 14 C1 and B7: each licensing cell's documents, and the model contract
    # written once in the base.
    assert now.pop("contract")["version"] == "2021"
    # Added by issue 12: incident routes, after-school deciders, the monthly consultation
    # (written in the base; where education is a bureau of its own, the city says so).
    incidents, after_school = now.pop("incidents"), now.pop("after_school")
    assert incidents["public_opinion"]["lead"] == "publicity"
    assert after_school["select"]["department"] in ("education", "education_sports")
    assert now.pop("monthly_consultation")["enabled"] is (code == "quanzhou")
    # The joint office's host (001 §4(1): 联席会议办公室设在区教育局): education, whatever
    # its type is in the city; the monthly report's dates (004 annex 2 note 1).
    joint_office = now.pop("joint_office")
    assert joint_office["host"] == after_school["select"]["department"]
    monthly_report = now.pop("monthly_report")
    assert (monthly_report["submit_day"], monthly_report["forward_day"]) == (1, 3)
    assert monthly_report["forwarding"] == ["science_technology", "culture_tourism", "sports"]
    assert "market_regulation" in monthly_report["reporting"]
    assert monthly_report["consolidating"] == ["education_sports", "education"]
    assert monthly_report["source"] == "004 annex 2"  # its note 1
    for cell in now["matrix"]:
        documents = cell.pop("documents", [])
        assert bool(documents) == (cell["phase"] == "licensing")
    # Added after the base (issue 11): the funds parameters, documented defaults.
    rules = {k: v for k, v in by_key(now.pop("rules")).items()
             if k not in FUNDS_RULES + INSPECTIONS_RULES}
    assert rules == by_key(before.pop("rules"))
    assert by_key(now.pop("deadlines")) == by_key(before.pop("deadlines"))
    assert now == before


def test_the_base_holds_the_shared_rules_and_deadlines_once():
    base = yaml.safe_load(profile_path("base").read_text(encoding="utf-8"))
    assert base["abstract"] is True
    assert len(base["rules"]) == 15 + len(FUNDS_RULES) + len(INSPECTIONS_RULES) and len(base["deadlines"]) == (
        17 + len(ADDED_TO_BASE) + len(INSPECTIONS_DEADLINES))
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
