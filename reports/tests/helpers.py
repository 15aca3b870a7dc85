"""Builders for the monthly-report tests: a county's June 2026 in records (a campaign, its
problem ledger, discipline inspection's proposals, notices and accountability records,
some outside the month or the department so that the figures must filter them out)."""

from __future__ import annotations

import datetime as dt

from core.vocab import DepartmentType
from governance import discipline
from governance import services as gov
from governance.models import EvaluationKind
from governance.tests.helpers import campaign, units
from reports import services
from reports.models import MonthlyReport
from tests.clock import on_day
from tests.factories import World

D = dt.date
JUNE = D(2026, 6, 1)
CULTURE = DepartmentType.CULTURE_TOURISM
MARKET = DepartmentType.MARKET_REGULATION
EDU = DepartmentType.EDUCATION_SPORTS

#: What the scenario's culture report must show, column by column.
EXPECTED = {"5": 2, "6": 2, "7": 1, "8": 2, "9": 1, "11": 2, "12": 1, "13a": 1, "13b": 3}


def june(world: World, key: str = "a") -> None:
    county = world.county(key)
    joint, insp = county.users["joint"], county.users["discipline"]
    culture = county.depts[CULTURE]
    units(world, key)
    with on_day(D(2026, 5, 20)):
        c = campaign(world, key, title=f"{county.region.name}校外培训整治")
        old = gov.problem_add(actor=joint, campaign=c, description="五月发现", subject="甲机构",
                              department=culture, rectify_by=D(2026, 9, 1))
        discipline.proposal_issue(actor=insp, region=county.region, department=culture,
                                  title="五月建议书", content="内容", issued_on=D(2026, 5, 20),
                                  campaign=c)
    with on_day(D(2026, 6, 10)):
        p1 = gov.problem_add(actor=joint, campaign=c, description="无证培训", subject="乙机构",
                             department=culture, rectify_by=D(2026, 9, 1))
        gov.problem_add(actor=joint, campaign=c, description="超时培训", subject="丙机构",
                        department=culture, rectify_by=D(2026, 9, 1))
        gov.problem_add(actor=joint, campaign=c, description="虚假广告", subject="丁机构",
                        department=county.depts[MARKET], rectify_by=D(2026, 9, 1))
        for p in (p1, old):
            gov.closeout_request(actor=county.users["culture"], problem=p, evidence_note="已整改")
        gov.closeout_decide(actor=joint, problem=p1, approve=True)
        a1 = discipline.proposal_issue(actor=insp, region=county.region, department=culture,
                                       title="六月建议书一", content="内容",
                                       issued_on=D(2026, 6, 10), campaign=c)
        discipline.proposal_issue(actor=insp, region=county.region, department=culture,
                                  title="六月建议书二", content="内容", issued_on=D(2026, 6, 11),
                                  campaign=c)
        discipline.proposal_issue(actor=insp, region=county.region, department=culture,
                                  title="不属专项的建议书", content="内容",
                                  issued_on=D(2026, 6, 11))
        discipline.followup_add(actor=insp, proposal=a1, checked_on=D(2026, 6, 25),
                                note="整改完成", rectified=True)
        rec = discipline.evaluation_record
        rec(actor=joint, region=county.region, kind=EvaluationKind.NOTICE, title="六月通报",
            content="通报", issued_on=D(2026, 6, 12), campaign=c, departments=[culture],
            cases_count=3)
        rec(actor=joint, region=county.region, kind=EvaluationKind.INTERVIEW, title="约谈",
            content="约谈", issued_on=D(2026, 6, 12), campaign=c, departments=[culture])
        rec(actor=joint, region=county.region, kind=EvaluationKind.ACCOUNTABILITY,
            title="问责一", content="问责", issued_on=D(2026, 6, 13), campaign=c,
            departments=[culture], measure="criticism", persons=2)
        rec(actor=joint, region=county.region, kind=EvaluationKind.ACCOUNTABILITY,
            title="问责二", content="问责", issued_on=D(2026, 6, 14), campaign=c,
            departments=[culture], measure="sanction", persons=1)
        rec(actor=joint, region=county.region, kind=EvaluationKind.NOTICE, title="市场通报",
            content="通报", issued_on=D(2026, 6, 15), campaign=c,
            departments=[county.depts[MARKET]], cases_count=5)


def open_june(today: D | None = None) -> int:
    today = today or D(2026, 6, 20)
    with on_day(today):
        return services.monthly_open(period=JUNE, today=today)


def report(world: World, key: str = "a", dept: str = CULTURE) -> MonthlyReport:
    return MonthlyReport.objects.get(department=world.county(key).depts[dept], period=JUNE)
