"""Whether a step owner leads or assists is profile data, not code (000 §3: the lead does
not own every step, and an owner may only assist, as education-sports co-reviews arts
applications, 000 §3(1)1)."""

import pytest
import yaml

from cases.models import TaskRole
from core.vocab import Category, DepartmentType, Phase, Step, StepRole
from institutions.tests.helpers import register
from licensing import services as licensing
from licensing.models import ApplicationAction, LicensingApplication, Stage
from policy.loader import ProfileFileError, load_profile, parse_profile, profile_path
from policy.models import MatrixStep
from policy.profile import active_profile

pytestmark = pytest.mark.django_db


def kunming_with(change):
    """The shipped Kunming file with `change(data)` applied, as YAML text."""
    data = yaml.safe_load(profile_path("kunming").read_text(encoding="utf-8"))
    change(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def arts_licensing_step(data, step):
    cell = next(c for c in data["matrix"]
                if c["category"] == Category.ARTS and c["phase"] == Phase.LICENSING)
    return next(s for s in cell["steps"] if s["step"] == step)


def test_step_roles_use_the_task_role_codes():
    """policy keeps its own vocabulary (cases imports policy), with the same codes."""
    assert set(StepRole.values) == set(TaskRole.values)


def test_an_unknown_role_is_reported_with_the_other_problems():
    def change(data):
        arts_licensing_step(data, Step.CO_REVIEW)["role"] = "boss"
        arts_licensing_step(data, Step.FILING)["owner"] = "ministry_of_magic"

    with pytest.raises(ProfileFileError) as exc:
        parse_profile(kunming_with(change))
    joined = "\n".join(exc.value.errors)
    assert "steps[2].role" in joined and "boss" in joined
    assert "ministry_of_magic" in joined


def test_role_is_loaded_and_defaults_to_lead():
    arts = active_profile().cell(Category.ARTS, Phase.LICENSING)
    assert arts.step_owner(Step.CO_REVIEW).role == StepRole.ASSIST  # written in the file
    assert arts.step_owner(Step.MATERIAL_REVIEW).role == StepRole.LEAD  # omitted
    assert MatrixStep.objects.filter(cell__profile__code="kunming", step=Step.FILING,
                                     role=StepRole.ASSIST).count() == 0


def test_a_profile_override_of_a_role_changes_the_planned_task(world):
    """Education-sports files arts institutions (000 §3(1)1): leading by default, an
    assisting task once the profile says so; the co-review the other way round."""
    inst = register(world, "a", 1, category=Category.ARTS)
    probe = LicensingApplication(institution=inst, action=ApplicationAction.ESTABLISH)

    def roles(stage):
        return {(t["type"], t["step"]): t["role"] for t in licensing.planned_tasks(probe, stage)}

    es = DepartmentType.EDUCATION_SPORTS
    assert roles(Stage.FILING)[(es, Step.FILING)] == TaskRole.LEAD
    assert roles(Stage.REVIEW)[(es, Step.CO_REVIEW)] == TaskRole.ASSIST

    def change(data):
        arts_licensing_step(data, Step.FILING)["role"] = "assist"
        arts_licensing_step(data, Step.CO_REVIEW)["role"] = "lead"

    load_profile("kunming", text=kunming_with(change))
    assert roles(Stage.FILING)[(es, Step.FILING)] == TaskRole.ASSIST
    assert roles(Stage.REVIEW)[(es, Step.CO_REVIEW)] == TaskRole.LEAD
    # participants still assist whatever the owner's role
    assert roles(Stage.ONSITE)[(DepartmentType.PUBLIC_SECURITY, Step.ONSITE_INSPECTION)] == \
        TaskRole.ASSIST


def test_an_admin_edit_of_a_role_changes_the_planned_task(world):
    inst = register(world, "a", 1, category=Category.ARTS)
    probe = LicensingApplication(institution=inst, action=ApplicationAction.ESTABLISH)
    step = MatrixStep.objects.get(cell__profile__code="kunming", cell__region_code="",
                                  cell__category=Category.ARTS, cell__phase=Phase.LICENSING,
                                  step=Step.RECORD_CHECK)
    step.role = StepRole.LEAD
    step.save()  # the signal drops the cached profile
    [task] = [t for t in licensing.planned_tasks(probe, Stage.VERIFICATION)
              if t["step"] == Step.RECORD_CHECK]
    assert (task["type"], task["role"]) == (DepartmentType.PUBLIC_SECURITY, TaskRole.LEAD)


def test_the_matrix_page_shows_each_step_owners_role(client, world):
    from django.utils import translation

    from core.vocab import label_of

    client.force_login(world.a.users["officer"])
    body = client.get("/office/policy/").content.decode()
    with translation.override("zh-hans"):
        assist, lead = label_of(StepRole, StepRole.ASSIST), label_of(StepRole, StepRole.LEAD)
    assert f'text-bg-secondary">{assist}</span>' in body
    assert f'text-bg-primary">{lead}</span>' in body


@pytest.mark.parametrize("category", [Category.ARTS, Category.TECH, Category.SPORTS])
def test_kunming_daily_supervision_is_led_by_education_sports_and_assisted_by_the_others(
        category):
    """000 §3 (「日常监管以教育体育部门为主…各相关部门配合」), issue 14 B5: police, market
    regulation, HR and tax own their steps of daily supervision as assisting departments."""
    cell = active_profile().cell(category, Phase.DAILY_SUPERVISION)
    roles = {s.step: s.role for s in cell.steps}
    assert cell.lead.department_type == DepartmentType.EDUCATION_SPORTS
    for step in (Step.SECURITY, Step.FEES, Step.LABOUR, Step.TAXATION):
        assert roles[step] == StepRole.ASSIST, step
    assert roles[Step.PATROL] == StepRole.LEAD


@pytest.mark.parametrize("category", [Category.ARTS, Category.TECH, Category.SPORTS])
def test_tongzhou_housing_owns_the_premises_approval_step(category):
    """002 §3(1) (「区住建局负责配合校外培训主管部门做好校外培训机构场所建筑、消防安全审批
    工作」), issue 14 B5: housing owns its licensing step, as an assisting department, in
    the on-site stage."""
    from policy.profile import build_profile_data

    load_profile("tongzhou")
    cell = build_profile_data("tongzhou").cell(category, Phase.LICENSING)
    step = cell.step_owner(Step.PREMISES_APPROVAL)
    assert (step.owner_type, step.role, step.source) == (
        DepartmentType.HOUSING, StepRole.ASSIST, "002 §3(1)")
    assert Step.PREMISES_APPROVAL in licensing.STAGE_STEPS[Stage.ONSITE]


@pytest.mark.parametrize("category", [Category.ACADEMIC, Category.ARTS, Category.TECH,
                                      Category.SPORTS])
def test_tongzhou_procuratorate_takes_part_in_the_record_check(category):
    """002 §2(4) (「会同区检察院、公安局等部门建立完善从业人员入职查询和从业禁止制度」),
    issue 14 B5: the procuratorate is a department type and takes part in the staff
    violation-record check of every licensing cell."""
    from policy.profile import build_profile_data

    load_profile("tongzhou")
    cell = build_profile_data("tongzhou").cell(category, Phase.LICENSING)
    assert DepartmentType.PROCURATORATE in {a.department_type for a in cell.assists}
    assert cell.step_owner(Step.RECORD_CHECK).participants == (DepartmentType.PROCURATORATE,)


def test_a_tongzhou_application_plans_the_housing_and_procuratorate_tasks(world, settings):
    """002 §3(1), §2(4), issue 14 B5: under Tongzhou's profile the on-site stage gives
    housing its own assisting task, and the record check asks the procuratorate too."""
    from policy.profile import invalidate_profile_cache

    load_profile("tongzhou")
    settings.POLICY_PROFILE = "tongzhou"
    invalidate_profile_cache()
    try:
        inst = register(world, "a", 1, category=Category.ARTS)
        probe = LicensingApplication(institution=inst, action=ApplicationAction.ESTABLISH)
        onsite = {(t["type"], t["step"]): t["role"]
                  for t in licensing.planned_tasks(probe, Stage.ONSITE)}
        assert onsite[(DepartmentType.HOUSING, Step.PREMISES_APPROVAL)] == TaskRole.ASSIST
        checks = {(t["type"], t["step"]): t["role"]
                  for t in licensing.planned_tasks(probe, Stage.VERIFICATION)}
        assert checks[(DepartmentType.PROCURATORATE, Step.RECORD_CHECK)] == TaskRole.ASSIST
    finally:
        invalidate_profile_cache()  # the settings fixture puts the profile setting back
