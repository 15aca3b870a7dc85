"""Which steps a licence action runs is profile data (`licence_approval[].steps`), not code:
change (变更) and termination (终止) run through the same engine as establishment, with
the steps that the profile gives them."""

import pytest
from django.core.exceptions import ValidationError

from core.vocab import Category, LicenceAction, Step
from core.vocab import DepartmentType as D
from licensing import services as licensing
from licensing.models import ApplicationAction, Stage
from policy.loader import ProfileFileError, load_profile, parse_profile
from policy.models import LicenceApproval
from policy.profile import active_profile
from policy.tests.test_step_roles import kunming_with
from tests.licensing_driver import Driver, submit

pytestmark = pytest.mark.django_db


def approval(data, action):
    return next(a for a in data["licence_approval"] if a["action"] == action)


def with_steps(action, steps):
    """The Kunming file with `steps` of `action` replaced (None: omitted)."""
    def change(data):
        entry = approval(data, action)
        entry.pop("steps", None)
        if steps is not None:
            entry["steps"] = [str(s) for s in steps] if isinstance(steps, list) else steps
    return kunming_with(change)


def licensed(world, category=Category.ARTS):
    app = Driver(world).run(submit(world, category))
    assert app.stage == Stage.COMPLETED
    return app.institution


def run_change(world, inst, **details):
    app = licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                       action=ApplicationAction.CHANGE,
                                       change_details=details or {"address": "新华路8号"})
    driver = Driver(world)
    app = driver.run(app)
    assert app.stage == Stage.COMPLETED
    return driver


def test_an_unknown_step_is_reported_with_the_other_problems():
    def change(data):
        approval(data, LicenceAction.CHANGE)["steps"] = ["acceptance", "teleport",
                                                         "conclusion"]
        approval(data, LicenceAction.TERMINATE)["approver"] = "ministry_of_magic"

    with pytest.raises(ProfileFileError) as exc:
        parse_profile(kunming_with(change))
    joined = "\n".join(exc.value.errors)
    assert "licence_approval[1].steps[1]" in joined and "teleport" in joined
    assert "ministry_of_magic" in joined


def test_steps_must_be_a_list_that_includes_the_conclusion():
    with pytest.raises(ProfileFileError) as exc:
        parse_profile(with_steps(LicenceAction.CHANGE, [Step.ACCEPTANCE, Step.FILING]))
    assert any("licence_approval[1].steps" in e and "conclusion" in e for e in exc.value.errors)
    with pytest.raises(ProfileFileError) as exc:
        parse_profile(with_steps(LicenceAction.TERMINATE, "conclusion"))
    assert any("licence_approval[2].steps" in e for e in exc.value.errors)


def test_steps_are_loaded_and_optional():
    profile = active_profile()
    assert Step.CONCLUSION in profile.approval(LicenceAction.CHANGE).steps
    assert Step.ONSITE_INSPECTION not in profile.approval(LicenceAction.TERMINATE).steps
    assert profile.approval(LicenceAction.ESTABLISH).steps == ()  # omitted: every stage


def test_a_change_runs_only_the_steps_its_rule_lists(world):
    inst = licensed(world)
    load_profile("kunming", text=with_steps(
        LicenceAction.CHANGE, [Step.ACCEPTANCE, Step.MATERIAL_REVIEW, Step.CONCLUSION,
                               Step.FILING]))
    driver = run_change(world, inst)
    assert [stage for stage, _tasks in driver.stages] == [
        Stage.ACCEPTANCE, Stage.REVIEW, Stage.CONCLUSION, Stage.FILING]
    # only the listed steps of a stage: no co-review by education-sports (000 §3(1)1)
    assert driver.stage(Stage.REVIEW) == [(D.CULTURE_TOURISM, "lead", Step.MATERIAL_REVIEW)]
    # the conclusion keeps its co-signer
    assert driver.stage(Stage.CONCLUSION) == sorted([
        (D.CULTURE_TOURISM, "lead", Step.CONCLUSION),
        (D.EDUCATION_SPORTS, "assist", Step.CONCLUSION)])
    inst.refresh_from_db()
    assert inst.address == "新华路8号"


def test_omitted_steps_keep_the_short_run_of_a_change(world):
    inst = licensed(world)
    shipped = run_change(world, inst, address="新华路8号").stages
    load_profile("kunming", text=with_steps(LicenceAction.CHANGE, None))
    assert active_profile().approval(LicenceAction.CHANGE).steps == ()
    omitted = run_change(world, inst, address="新华路9号").stages
    assert omitted == shipped
    assert [stage for stage, _tasks in omitted] == [
        Stage.ACCEPTANCE, Stage.REVIEW, Stage.CONCLUSION, Stage.REGISTRATION, Stage.FILING]


def test_a_listed_step_brings_its_participants(world):
    """A profile may send a change on site: the inspection's participants still join."""
    inst = licensed(world)
    load_profile("kunming", text=with_steps(
        LicenceAction.CHANGE, [Step.ACCEPTANCE, Step.ONSITE_INSPECTION, Step.CONCLUSION]))
    driver = run_change(world, inst)
    assert [stage for stage, _tasks in driver.stages] == [
        Stage.ACCEPTANCE, Stage.ONSITE, Stage.CONCLUSION]
    assert driver.stage(Stage.ONSITE) == sorted([
        (D.CULTURE_TOURISM, "lead", Step.ONSITE_INSPECTION),
        (D.EDUCATION_SPORTS, "assist", Step.ONSITE_INSPECTION),
        (D.PUBLIC_SECURITY, "assist", Step.ONSITE_INSPECTION)])


def test_a_profile_edit_does_not_strand_a_running_application(world):
    inst = licensed(world)
    app = licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                       action=ApplicationAction.CHANGE,
                                       change_details={"address": "新华路8号"})
    driver = Driver(world)
    app = driver.advance_to(app, Stage.REVIEW)
    load_profile("kunming", text=with_steps(
        LicenceAction.CHANGE, [Step.ACCEPTANCE, Step.CONCLUSION, Step.FILING]))
    app = driver.run(app)
    assert app.stage == Stage.COMPLETED
    assert [stage for stage, _tasks in driver.stages] == [
        Stage.REVIEW, Stage.CONCLUSION, Stage.FILING]


def test_an_admin_edit_of_steps_is_checked():
    rule = LicenceApproval.objects.get(profile__code="kunming", action=LicenceAction.CHANGE)
    rule.steps = [Step.ACCEPTANCE, "teleport", Step.CONCLUSION]
    with pytest.raises(ValidationError):
        rule.full_clean()
    rule.steps = [Step.ACCEPTANCE, Step.FILING]
    with pytest.raises(ValidationError):
        rule.full_clean()
    rule.steps = []
    rule.full_clean()
    rule.steps = [Step.ACCEPTANCE, Step.CONCLUSION]
    rule.full_clean()
    rule.save()  # the signal drops the cached profile
    assert active_profile().approval(LicenceAction.CHANGE).steps == (Step.ACCEPTANCE,
                                                                      Step.CONCLUSION)


def test_the_matrix_page_shows_the_steps_run(client, world):
    from django.utils import translation

    from core.vocab import label_of

    client.force_login(world.a.users["officer"])
    body = client.get("/office/policy/").content.decode()
    with translation.override("zh-hans"):
        assert label_of(Step, Step.APPROVAL_NOTICE) in body
