"""Policy profiles as data (issue 3 §3; 000 §3, 001 §3 and §4(2)4)."""

import pytest
from django.test import override_settings

from core.vocab import Category, DepartmentType, LicenceAction, Nature, Phase, Step
from policy.loader import ProfileFileError, available_profiles, load_profile, parse_profile
from policy.models import MatrixAssist, MatrixCell, PolicyProfile
from policy.profile import active_profile

pytestmark = pytest.mark.django_db


def test_four_profiles_ship_and_load():
    assert {"kunming", "beichen", "tongzhou", "quanzhou"} <= set(available_profiles())
    assert PolicyProfile.objects.filter(code__in=["kunming", "beichen", "tongzhou",
                                                  "quanzhou"]).count() == 4


def test_kunming_has_every_cell_of_the_matrix():
    """000 §3: arts, tech and sports × licensing, annual inspection, daily supervision."""
    p = active_profile()
    assert p.code == "kunming"
    for cat in (Category.ARTS, Category.TECH, Category.SPORTS):
        for phase in Phase.values:
            assert p.cell(cat, phase) is not None, (cat, phase)
    assert p.lead_type(Category.ARTS, Phase.LICENSING) == DepartmentType.CULTURE_TOURISM
    assert p.lead_type(Category.TECH, Phase.LICENSING) == DepartmentType.SCIENCE_TECHNOLOGY
    assert p.lead_type(Category.SPORTS, Phase.LICENSING) == DepartmentType.EDUCATION_SPORTS
    for cat in (Category.ARTS, Category.TECH, Category.SPORTS):
        assert p.lead_type(cat, Phase.DAILY_SUPERVISION) == DepartmentType.EDUCATION_SPORTS
    # Sports annual inspection has no assisting department (000 §3(3)2).
    assert p.cell(Category.SPORTS, Phase.ANNUAL_INSPECTION).assists == ()


def test_kunming_names_the_owner_of_each_step():
    """000 §3: registration by nature; filing by education-sports; for tech,
    education-sports convenes the on-site inspection with science and police."""
    p = active_profile()
    arts = p.cell(Category.ARTS, Phase.LICENSING)
    assert arts.step_owner(Step.REGISTRATION, Nature.FOR_PROFIT).owner_type == \
        DepartmentType.MARKET_REGULATION
    assert arts.step_owner(Step.REGISTRATION, Nature.NON_PROFIT).owner_type == \
        DepartmentType.CIVIL_AFFAIRS
    assert arts.step_owner(Step.FILING).owner_type == DepartmentType.EDUCATION_SPORTS
    onsite = p.cell(Category.TECH, Phase.LICENSING).step_owner(Step.ONSITE_INSPECTION)
    assert onsite.owner_type == DepartmentType.EDUCATION_SPORTS
    assert {DepartmentType.SCIENCE_TECHNOLOGY, DepartmentType.PUBLIC_SECURITY} <= \
        set(onsite.participants)


def test_switching_to_beichen_moves_sports_supervision_and_licence_approval():
    """001 §3(2): sports institutions are supervised by culture-tourism (sports) in
    Beichen; 001 §4(2)4: the government-services office approves licences."""
    kunming = active_profile()
    assert kunming.supervisor_type(Category.SPORTS) == DepartmentType.EDUCATION_SPORTS
    assert kunming.approver_type(LicenceAction.ESTABLISH, Category.SPORTS) == \
        DepartmentType.EDUCATION_SPORTS
    with override_settings(POLICY_PROFILE="beichen"):
        beichen = active_profile()
        assert beichen.code == "beichen"
        assert beichen.supervisor_type(Category.SPORTS) == DepartmentType.CULTURE_TOURISM
        assert beichen.approver_type(LicenceAction.ESTABLISH, Category.SPORTS) == \
            DepartmentType.GOVERNMENT_SERVICES
        assert "supervisor" in beichen.approval(LicenceAction.ESTABLISH).consult
        assert beichen.approval(LicenceAction.CHANGE).consult == ()
        assert Category.ACADEMIC in beichen.supervised_categories
        assert beichen.preschool["new_institutions_allowed"] is False


def test_a_county_override_changes_only_that_county():
    """000 §3: a county may agree its own split of duties."""
    profile = PolicyProfile.objects.get(code="kunming")
    cell = MatrixCell.objects.create(profile=profile, region_code="530102",
                                     category=Category.SPORTS, phase=Phase.DAILY_SUPERVISION,
                                     lead_type=DepartmentType.CULTURE_TOURISM,
                                     lead_duty="区内约定由文旅牵头", source="000 §3")
    MatrixAssist.objects.create(cell=cell, department_type=DepartmentType.EDUCATION_SPORTS,
                                duty="配合", source="000 §3")
    p = active_profile()  # the cache was invalidated by the save
    assert p.lead_type(Category.SPORTS, Phase.DAILY_SUPERVISION, "530102") == \
        DepartmentType.CULTURE_TOURISM
    assert p.lead_type(Category.SPORTS, Phase.DAILY_SUPERVISION, "530103") == \
        DepartmentType.EDUCATION_SPORTS


def test_rules_carry_value_and_source():
    p = active_profile()
    assert str(p.rule("offline_end_time")) == "20:30:00"
    assert p.rules["offline_end_time"].source.startswith("002")
    assert str(p.rule("charge_max_amount")) == "5000.00"
    assert p.deadline("task_default") >= 1
    assert p.rules["task_default"].from_seed is False


def test_a_bad_profile_file_is_refused_with_every_problem_named():
    text = """
code: broken
name: 坏文件
supervised_categories: [arts, painting]
supervisors: {arts: culture_tourism}
matrix:
  - category: arts
    phase: licensing
    lead: {department: ministry_of_magic, duty: x, source: "000"}
licence_approval: []
complaint_routing: []
rules: []
deadlines: []
"""
    with pytest.raises(ProfileFileError) as exc:
        parse_profile(text)
    joined = "\n".join(exc.value.errors)
    assert "painting" in joined
    assert "ministry_of_magic" in joined
    assert "annual_inspection" in joined  # missing cells are named
    assert "offline_end_time" in joined  # missing rules are named


def test_loading_a_bad_file_changes_nothing():
    before = MatrixCell.objects.filter(profile__code="kunming").count()
    with pytest.raises(ProfileFileError):
        load_profile("kunming", text="code: kunming\nname: x\n")
    assert MatrixCell.objects.filter(profile__code="kunming").count() == before


def test_matrix_page_shows_who_leads_what(client, world):
    client.force_login(world.a.users["officer"])
    response = client.get("/office/policy/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "昆教体办发〔2023〕120号 第三条" in body  # the document, not "000 §3" (issue 14 C10)
    from django.utils import translation

    from core.vocab import label_of

    with translation.override("zh-hans"):
        assert label_of(DepartmentType, DepartmentType.CULTURE_TOURISM) in body
        assert label_of(Category, Category.SPORTS) in body
