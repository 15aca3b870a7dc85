"""A profile is validated by a typed schema and refused at load with every problem named
(issue 8 §5): a bad time, bad money, an unknown key, a misspelt deadline, an unknown or
cyclic base."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from policy.deadlines import declared
from policy.loader import ProfileFileError, load_profile, parse_profile
from policy.models import PolicyChange, RuleParameter
from policy.tests.test_step_roles import kunming_with

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are checked in their English source (zh-hans is the default)."""
    with translation.override("en"):
        yield


def rule(data, key):
    return next(r for r in data.setdefault("rules", []) if r["key"] == key)


def refused(text, directory=None):
    with pytest.raises(ProfileFileError) as exc:
        parse_profile(text, directory)
    return "\n".join(exc.value.errors)


def with_rules(data, **values):
    """Write rule values into the file itself (they override the base's)."""
    data.setdefault("rules", [])
    for key, value in values.items():
        data["rules"].append({"key": key, "value": value, "source": "test"})


def test_the_shipped_values_are_typed_by_kind():
    """002 §2(4): offline training ends by 20:30; one charge is at most 5000 yuan."""
    profile = parse_profile(kunming_with(lambda d: None))
    rules = {r.key: r.value for r in profile.rules}
    assert rules["offline_end_time"] == dt.time(20, 30)
    assert rules["charge_max_amount"] == Decimal("5000.00")
    assert rules["charge_max_months"] == 3
    assert rules["academic_forbidden_on_rest_days"] is True
    assert rules["government_guided_price"] is None


def test_a_malformed_profile_is_refused_with_all_its_problems_at_once():
    def change(data):
        with_rules(data, offline_end_time="25:99", charge_max_amount="abc")
        data["zombie"]["colour"] = "red"  # unknown key
        data.setdefault("deadlines", []).append({"key": "licensing_reveiw", "value": 10})

    before = RuleParameter.objects.get(profile__code="kunming", key="offline_end_time").value
    changes = PolicyChange.objects.count()
    text = kunming_with(change)
    joined = refused(text)
    assert "(offline_end_time).value: '25:99' is not a time of day" in joined
    assert "(charge_max_amount).value: 'abc' is not an amount of money" in joined
    assert "zombie.colour: unknown key" in joined
    assert "'licensing_reveiw' (misspelt?)" in joined
    with pytest.raises(ProfileFileError):
        load_profile("kunming", text=text)
    assert RuleParameter.objects.get(profile__code="kunming",
                                     key="offline_end_time").value == before
    assert PolicyChange.objects.count() == changes


@pytest.mark.parametrize(("value", "problem"), [
    (2030, "'HH:MM' in quotes"),  # unquoted 20:30 reaches us as the integer 1230
    ("8:30", "'HH:MM' in quotes"),
    ("24:00", "not a time of day"),
])
def test_times_are_times(value, problem):
    assert problem in refused(kunming_with(lambda d: with_rules(d, offline_end_time=value)))


@pytest.mark.parametrize(("value", "problem"), [
    (5000.5, "quoted decimal"),  # never through float
    ("-1", "at most two decimals"),
    ("10.001", "at most two decimals"),
])
def test_money_is_decimal_yuan(value, problem):
    assert problem in refused(kunming_with(lambda d: with_rules(d, charge_max_amount=value)))


@pytest.mark.parametrize(("key", "value"), [
    ("charge_max_months", 0), ("charge_max_months", "3"), ("online_lesson_max_minutes", True),
    ("coverage_funds_percent", 101), ("academic_forbidden_on_rest_days", "yes"),
    ("offline_end_time", None),
])
def test_each_kind_refuses_what_does_not_fit(key, value):
    assert f"({key}).value" in refused(kunming_with(lambda d: with_rules(d, **{key: value})))


def test_a_rule_of_the_wrong_kind_or_unknown_key_is_refused():
    def change(data):
        data["rules"] = [{"key": "charge_max_amount", "value": "1.00", "kind": "hours",
                          "source": "x"},
                         {"key": "charge_max_amont", "value": "1.00", "source": "x"}]

    joined = refused(kunming_with(change))
    assert "the kind of charge_max_amount is yuan" in joined
    assert "unknown rule 'charge_max_amont'" in joined


def test_every_deadline_key_is_declared_by_an_app_and_required():
    """cases declares the scan's keys, institutions the licensing ones; a profile that
    lacks one is refused rather than falling back to task_default."""
    keys = declared()
    assert keys["escalation_level2_after"].owner == "cases"
    assert keys["licensing_onsite"].owner == "licensing"

    def change(data):
        data["deadlines"] = [{"key": "licensing_onsite", "value": -1}]

    joined = refused(kunming_with(change))
    assert "(licensing_onsite).value: a whole number of working days (got -1)" in joined
    # the base's list is merged by key: only keys absent everywhere are missing
    assert "deadlines: licensing_onsite is missing" not in joined


def test_a_missing_deadline_is_named(tmp_path):
    (tmp_path / "base.yaml").write_text("code: base\nabstract: true\ndeadlines: []\n")
    joined = refused(kunming_with(lambda d: d.pop("deadlines", None)), tmp_path)
    assert "deadlines: licensing_filing is missing" in joined
    assert "deadlines: task_default is missing" in joined


def test_an_unknown_base_is_refused_with_the_other_problems():
    def change(data):
        data["extends"] = "national"
        data["supervisors"]["sports"] = "ministry_of_magic"

    joined = refused(kunming_with(change))
    assert "extends: no base profile 'national'" in joined
    assert "ministry_of_magic" in joined
    assert "rules: offline_end_time is missing" in joined  # nothing inherited


def test_a_cycle_of_bases_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("code: a\nabstract: true\nextends: b\n")
    (tmp_path / "b.yaml").write_text("code: b\nabstract: true\nextends: a\n")
    joined = refused(kunming_with(lambda d: d.update(extends="a")), tmp_path)
    assert "cycle (kunming → a → b → a)" in joined


def test_a_base_is_not_a_loadable_profile():
    from policy.loader import available_profiles, profile_path

    assert "base" not in available_profiles()
    assert "a base for other profiles" in refused(profile_path("base").read_text())


def test_a_deadline_is_never_guessed_from_task_default():
    """Before, an unknown key silently fell back to task_default."""
    from policy.profile import ProfileMissing, active_profile

    profile = active_profile()
    assert profile.deadline("licensing_onsite") == 10
    with pytest.raises(ProfileMissing):
        profile.deadline("licensing_reveiw")
    with pytest.raises(ProfileMissing):
        profile.deadline("charge_max_months")  # a rule, not a deadline
