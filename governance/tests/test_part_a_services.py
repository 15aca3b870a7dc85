"""Issue 12, governance part A, the services: screening outcomes (004 §6(2)3), editing
units and campaigns, county plans filed with the city (DOMAIN.md §4.8), the
rectification ledger with time nodes (003 §3), discipline inspection's acceptance
spot-checks (003 §6), and the member units' filings (001 §6(1))."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseState, Task, TaskStatus
from core.errors import DomainError, InvalidState, PermissionDenied
from governance import services
from governance.models import (
    Campaign,
    CountyPlan,
    Phase,
    ProblemStatus,
    ScreeningEntity,
    ScreeningOutcome,
    SpotCheck,
    UnitFiling,
)
from governance.screening import screening_import, screening_outcome_record
from governance.tests.helpers import CULTURE, EDU, campaign, problem, units
from governance.tests.test_screening import xlsx
from inspections.models import BlacklistEntry, Enforcement
from institutions.models import Institution, InstitutionStatus, ListStatus
from portal.demo import demo_uscc
from tests import samplefiles
from tests.factories import World

pytestmark = pytest.mark.django_db


def _entities(world: World) -> dict[str, ScreeningEntity]:
    rows = [(demo_uscc("530191", 71), "某教育咨询有限公司", "530191", "人民路7号"),
            (demo_uscc("530191", 72), "某教育科技有限公司", "530191", "人民路8号"),
            (demo_uscc("530191", 73), "某文化传播有限公司", "530191", "人民路9号"),
            (demo_uscc("530192", 74), "乙县文化传播有限公司", "530192", "北京路1号")]
    screening_import(actor=world.city_admin, upload=xlsx(rows))
    return {r[0]: ScreeningEntity.objects.get(credit_code=r[0]) for r in rows}


def test_outcomes_close_the_check_and_unlicensed_opens_blacklist_and_enforcement(world: World):
    found = list(_entities(world).values())
    officer = world.a.users["officer"]  # education-sports leads the check
    elsewhere = screening_outcome_record(actor=officer, entity=found[0],
                                         kind="licensed_elsewhere", other_reference="教民1234")
    assert elsewhere.other_reference == "教民1234" and elsewhere.enforcement is None
    assert not Task.objects.filter(case=found[0].case, status=TaskStatus.OPEN).exists()
    assert Case.objects.get(pk=found[0].case_id).state == CaseState.CLOSED
    screening_outcome_record(actor=world.a.users["market"], entity=found[1],
                             kind="not_training", note="仅从事企业咨询")
    unlicensed = screening_outcome_record(
        actor=world.a.users["county_admin"], entity=found[2], kind="unlicensed",
        note="现场发现开展美术培训", category="arts", legal_representative="李四")
    inst = Institution.objects.get(uscc=found[2].credit_code)
    assert inst.status == InstitutionStatus.NOT_APPROVED and inst.list_status == ListStatus.BLACK
    assert unlicensed.enforcement == Enforcement.objects.get(institution=inst)
    assert unlicensed.enforcement.violation.code == "unlicensed"
    assert unlicensed.blacklist == BlacklistEntry.objects.get(institution=inst)
    assert unlicensed.blacklist.enforcement == unlicensed.enforcement
    with pytest.raises(InvalidState):
        screening_outcome_record(actor=officer, entity=found[0], kind="not_training")


def test_outcome_needs_its_particulars_and_bad_input_changes_nothing(world: World):
    found = list(_entities(world).values())
    officer = world.a.users["officer"]
    for kwargs, field in [({"kind": "licensed_elsewhere"}, "other_reference"),
                          ({"kind": "whatever"}, "kind"),
                          ({"kind": "unlicensed"}, "note"),
                          ({"kind": "unlicensed", "note": "培训"}, "category"),
                          ({"kind": "unlicensed", "note": "培训", "category": "arts"},
                           "legal_representative")]:
        with pytest.raises(DomainError) as exc:
            screening_outcome_record(actor=officer, entity=found[0], **kwargs)
        assert exc.value.field == field
    assert not ScreeningOutcome.objects.exists()
    assert not Institution.objects.filter(uscc=found[0].credit_code).exists()
    assert Task.objects.filter(case=found[0].case, status=TaskStatus.OPEN).exists()


def test_outcome_permission_and_county_scope(world: World):
    found = list(_entities(world).values())
    for role in ("culture", "health", "discipline", "grid"):
        with pytest.raises((PermissionDenied, ScreeningEntity.DoesNotExist)):
            screening_outcome_record(actor=world.a.users[role], entity=found[0],
                                     kind="not_training")
    with pytest.raises(ScreeningEntity.DoesNotExist):  # county B's entity: as if missing
        screening_outcome_record(actor=world.a.users["county_admin"], entity=found[3],
                                 kind="not_training")
    assert not ScreeningOutcome.objects.exists()


def test_units_and_campaigns_are_edited(world: World):
    unit = units(world)
    joint = world.a.users["joint"]
    services.unit_update(actor=joint, unit=unit[CULTURE], is_convenor=False,
                         hosts_office=False, order=7)
    unit[CULTURE].refresh_from_db()
    assert unit[CULTURE].order == 7
    c = campaign(world)
    d = dt.date
    services.campaign_update(actor=joint, campaign=c, title="新标题", summary_due=d(2026, 11, 25),
                             phases={Phase.MOBILISE: (d(2026, 5, 1), d(2026, 5, 10)),
                                     Phase.SELF_CHECK: (d(2026, 5, 11), d(2026, 5, 31))})
    assert list(c.phases.values_list("phase", flat=True)) == ["mobilise", "self_check"]
    with pytest.raises(DomainError) as exc:
        services.campaign_update(actor=joint, campaign=c, title="x", summary_due=d(2026, 11, 25),
                                 phases={Phase.MOBILISE: (d(2026, 5, 1), d(2026, 5, 10)),
                                         Phase.RECTIFY: (d(2026, 5, 5), d(2026, 5, 31))})
    assert exc.value.field == "rectify"
    c.refresh_from_db()
    assert c.title == "新标题" and c.phases.count() == 2
    for role in ("discipline", "culture"):
        with pytest.raises((PermissionDenied, Campaign.DoesNotExist)):
            services.campaign_update(actor=world.a.users[role], campaign=c, title="y",
                                     summary_due=d(2026, 11, 25),
                                     phases={Phase.MOBILISE: (d(2026, 5, 1), d(2026, 5, 2))})
    with pytest.raises(Campaign.DoesNotExist):
        services.campaign_update(actor=world.b.users["joint"], campaign=c, title="y",
                                 summary_due=d(2026, 11, 25),
                                 phases={Phase.MOBILISE: (d(2026, 5, 1), d(2026, 5, 2))})


def _city_campaign(world: World) -> Campaign:
    d = dt.date
    return services.campaign_create(
        actor=world.city_admin, region=world.city, title="全市暑期专项治理",
        summary_due=d(2026, 11, 25),
        phases={Phase.MOBILISE: (d(2026, 6, 1), d(2026, 7, 15))})


def test_county_plans_are_called_filed_and_listed(world: World):
    city = _city_campaign(world)
    today = timezone.localdate()
    due = today + dt.timedelta(days=20)
    plans = services.plan_call(actor=world.city_admin, campaign=city, due=due, today=today)
    assert {p.county for p in plans} == {world.a.region, world.b.region}
    assert services.plan_call(actor=world.city_admin, campaign=city, due=due, today=today) == []
    plan_a = CountyPlan.objects.get(county=world.a.region)
    task = plan_a.case.tasks.get()
    assert task.department.type == EDU and task.due_date <= due and task.status == "open"
    # the task engine reminds before the date and marks the county's filing overdue after it
    assert task.remind_on is not None and task.remind_on < task.due_date
    case_services.deadline_scan(today=task.remind_on)
    case_services.deadline_scan(today=task.due_date + dt.timedelta(days=1))
    task.refresh_from_db()
    assert task.reminded_at is not None and task.overdue_since is not None
    with pytest.raises(DomainError) as exc:
        services.plan_file(actor=world.a.users["county_admin"], plan=plan_a, text="方案",
                           upload=SimpleUploadedFile("x.exe", b"MZ\x90\x00junk"))
    assert exc.value.field == "file"
    for actor in (world.b.users["county_admin"],):
        with pytest.raises(CountyPlan.DoesNotExist):
            services.plan_file(actor=actor, plan=plan_a, text="方案")
    for role in ("discipline", "officer"):
        with pytest.raises((PermissionDenied, CountyPlan.DoesNotExist)):
            services.plan_file(actor=world.a.users[role], plan=plan_a, text="方案")
    services.plan_file(actor=world.a.users["joint"], plan=plan_a, text="甲县工作方案",
                       upload=SimpleUploadedFile("p.pdf", samplefiles.pdf()))
    plan_a.refresh_from_db()
    assert plan_a.filed_at and plan_a.file_type == "application/pdf"
    assert plan_a.case.tasks.get().status == "done"
    assert Case.objects.get(pk=plan_a.case_id).state == CaseState.CLOSED
    assert CountyPlan.objects.restrict(world.a.users["county_admin"]).count() == 1
    assert CountyPlan.objects.restrict(world.city_admin).filter(filed_at__isnull=False
                                                                 ).count() == 1
    with pytest.raises(DomainError):  # a county campaign asks nobody
        services.plan_call(actor=world.a.users["joint"], campaign=campaign(world), due=due,
                           today=today)


def test_rectification_ledger_with_time_nodes(world: World):
    p = problem(world)
    culture = world.a.users["culture"]
    today = timezone.localdate()
    late = services.measure_add(actor=culture, problem=p, measure="停止招生",
                                node=today - dt.timedelta(days=3))
    soon = services.measure_add(actor=world.a.users["joint"], problem=p, measure="补办许可",
                                node=today + dt.timedelta(days=3))
    assert late.is_overdue(today) and not soon.is_overdue(today)
    services.measure_done(actor=culture, measure=late)
    late.refresh_from_db()
    assert not late.is_overdue(today)
    with pytest.raises(DomainError):
        services.measure_add(actor=culture, problem=p, measure=" ", node=today)
    for role in ("discipline", "market"):
        with pytest.raises(PermissionDenied):
            services.measure_add(actor=world.a.users[role], problem=p, measure="x", node=today)
    with pytest.raises(Exception):  # noqa: B017 - county B sees no such problem
        services.measure_add(actor=world.b.users["joint"], problem=p, measure="x", node=today)
    assert p.measures.count() == 2


def _closed(world: World, key: str = "a"):
    p = problem(world, key)
    county = world.county(key)
    services.closeout_request(actor=county.users["culture"], problem=p, evidence_note="已整改")
    return services.closeout_decide(actor=county.users["joint"], problem=p, approve=True)


def test_discipline_records_spot_checks_only(world: World):
    p = _closed(world)
    open_problem = problem(world, c=p.campaign)
    discipline = world.a.users["discipline"]
    today = timezone.localdate()
    check = services.spotcheck_record(actor=discipline, campaign=p.campaign, checked_on=today,
                                      sample=[p], result="passed", remarks="抽查属实")
    assert list(check.sample.all()) == [p]
    with pytest.raises(DomainError) as exc:
        services.spotcheck_record(actor=discipline, campaign=p.campaign, checked_on=today,
                                  sample=[open_problem], result="passed")
    assert exc.value.field == "sample"
    with pytest.raises(DomainError) as exc:
        services.spotcheck_record(actor=discipline, campaign=p.campaign, checked_on=today,
                                  sample=[p], result="failed")
    assert exc.value.field == "remarks"
    for role in ("joint", "county_admin", "culture"):
        with pytest.raises(PermissionDenied):
            services.spotcheck_record(actor=world.a.users[role], campaign=p.campaign,
                                      checked_on=today, sample=[p], result="passed")
    with pytest.raises(Campaign.DoesNotExist):
        services.spotcheck_record(actor=world.b.users["discipline"], campaign=p.campaign,
                                  checked_on=today, sample=[p], result="passed")
    assert SpotCheck.objects.count() == 1
    # ... and writes nothing else of governance.
    unit = units(world)
    d = dt.date
    writes = [
        lambda: services.unit_add(actor=discipline, region=world.a.region,
                                  department=world.a.depts["health"]),
        lambda: services.unit_update(actor=discipline, unit=unit[CULTURE], is_convenor=False,
                                     hosts_office=False, order=1),
        lambda: services.roster_change(actor=discipline, unit=unit[CULTURE], position="member",
                                       name="某人", start=d(2026, 1, 1)),
        lambda: services.meeting_create(actor=discipline, region=world.a.region,
                                        kind="special", title="t", held_on=d(2026, 6, 1),
                                        agenda="a", units=[]),
        lambda: services.campaign_create(actor=discipline, region=world.a.region, title="t",
                                         summary_due=d(2026, 11, 25),
                                         phases={Phase.MOBILISE: (d(2026, 5, 1),
                                                                  d(2026, 5, 2))}),
        lambda: services.problem_add(actor=discipline, campaign=p.campaign, description="d",
                                     subject="s", department=world.a.depts[CULTURE],
                                     rectify_by=d(2026, 9, 1)),
        lambda: services.closeout_request(actor=discipline, problem=open_problem,
                                          evidence_note="e"),
        lambda: services.measure_add(actor=discipline, problem=open_problem, measure="m",
                                     node=d(2026, 9, 1)),
        lambda: services.filing_submit(actor=discipline, unit=unit[CULTURE],
                                       kind="supervision_plan", year=2026, text="t"),
        lambda: services.summary_submit(actor=discipline, campaign=p.campaign),
    ]
    for write in writes:
        with pytest.raises((PermissionDenied, Exception)) as exc:
            write()
        assert not isinstance(exc.value, DomainError) or isinstance(exc.value, PermissionDenied)
    assert not UnitFiling.objects.exists() and not open_problem.measures.exists()
    open_problem.refresh_from_db()
    assert open_problem.status == ProblemStatus.OPEN


def test_member_units_file_plans_and_rosters(world: World):
    unit = units(world)
    culture = world.a.users["culture"]
    plan = services.filing_submit(actor=culture, unit=unit[CULTURE], kind="supervision_plan",
                                  year=2026, text="文旅局2026年校外培训监管计划",
                                  upload=SimpleUploadedFile("p.pdf", samplefiles.pdf()))
    assert plan.file_type == "application/pdf"
    services.filing_submit(actor=world.a.users["joint"], unit=unit[EDU], kind="working_group",
                           year=2026, text="组长：张三；成员：李四、王五")
    with pytest.raises(PermissionDenied):  # culture files only for its own unit
        services.filing_submit(actor=culture, unit=unit[EDU], kind="supervision_plan",
                               year=2026, text="x")
    with pytest.raises(DomainError) as exc:
        services.filing_submit(actor=culture, unit=unit[CULTURE], kind="working_group",
                               year=2026, text="")
    assert exc.value.field == "text"
    with pytest.raises(Exception):  # noqa: B017 - county B's unit is not there
        services.filing_submit(actor=world.b.users["joint"], unit=unit[CULTURE],
                               kind="working_group", year=2026, text="x")
    assert UnitFiling.objects.count() == 2


def test_the_checking_education_officer_records_unlicensed_training(world: World):
    from core.abilities import may
    from core.vocab import Category

    entity = list(_entities(world).values())[0]
    officer = world.a.users["officer"]
    # a category the education department accepts or supervises under the profile; the
    # registry's own rule refuses the others (institutions.register)
    category = next(c for c in Category.values
                    if may(officer, "institutions.register", (world.a.region, c)))
    outcome = screening_outcome_record(
        actor=officer, entity=entity, kind="unlicensed",
        note="违规开展培训", category=category, legal_representative="赵六")
    assert outcome.blacklist.institution.uscc == entity.credit_code
    assert outcome.enforcement.department.type == EDU


def test_discipline_holds_no_governance_write_ability_but_the_spot_check(world: World):
    """003 §6; issue 12: discipline inspection reads everything in its region and writes
    only its own records; asked with each object it could name."""
    from core.abilities import declared, may

    discipline = world.a.users["discipline"]
    p = problem(world)
    unit = units(world)[CULTURE]
    targets = [None, world.a.region, p, unit, p.campaign]
    # the meetings', campaigns', screening's and filings' abilities (the other sections
    # of governance declare their own discipline records)
    ours = {"governance.view", "governance.manage_meetings", "governance.confirm_minutes",
            "governance.manage_campaigns", "governance.request_closeout",
            "governance.approve_closeout", "governance.import_screening",
            "governance.record_screening_outcome", "governance.file_county_plan",
            "governance.record_spotcheck", "governance.file_unit_filing"}
    assert ours <= set(declared())
    allowed = {name for name in ours if any(may(discipline, name, t) for t in targets)}
    assert allowed == {"governance.view", "governance.record_spotcheck"}


def test_a_screened_entity_links_only_the_cases_its_reader_may_open(world: World):
    """An unlicensed outcome opens an enforcement case and a black-list entry (004
    §6(2)3); the entity's page links them for whom they open, and names them for the
    others (the browser audit of 2 December: links that answer 404)."""
    import re

    from django.test import Client

    entity = list(_entities(world).values())[2]
    screening_outcome_record(actor=world.a.users["county_admin"], entity=entity,
                             kind="unlicensed", note="现场发现开展美术培训", category="arts",
                             legal_representative="李四")
    seen = {}
    for role in ("county_admin", "joint", "officer", "market", "culture", "head"):
        client = Client()
        client.force_login(world.a.users[role])
        response = client.get(f"/office/governance/screening/{entity.pk}/")
        if response.status_code != 200:
            continue
        page = response.content.decode()
        links = re.findall(r'href="(/office/cases/[^"/]+/)"', page)
        for link in links:
            assert client.get(link).status_code == 200, (role, link)
        seen[role] = len(links)
    assert seen.get("county_admin") == 3 and min(seen.values()) < 3, seen
