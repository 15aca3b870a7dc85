"""Demo records of discipline inspection and of the office's evaluation for one county
(called from portal/demo.py's per-county loop, after governance/demo.py): a proposal of
last month followed up to completed rectification, an open proposal of this month whose
reply is a task, a notice of last month linked to the lagging tasks, an interview, an
accountability record and a commendation. Idempotent: a county with proposals is left
alone."""

from __future__ import annotations

import datetime as dt

from cases.models import Task, TaskStatus
from core.vocab import DepartmentType as T
from governance import discipline
from governance.models import Campaign, EvaluationKind, SupervisionProposal
from org.models import Department, Region, User
from policy import calendar


def load(county: Region, users: dict[str, User], key: str, today: dt.date) -> None:
    if SupervisionProposal.objects.filter(region=county).exists():
        return
    insp, joint = users[f"{key}_discipline"], users[f"{key}_joint"]
    depts = {d.type: d for d in Department.objects.filter(region=county)}
    campaign = Campaign.objects.filter(region=county).order_by("created_at").first()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    p1 = discipline.proposal_issue(
        actor=insp, region=county, department=depts[T.CULTURE_TOURISM], campaign=campaign,
        title="关于加强无证艺术培训机构巡查的建议", number=f"{county.name}纪建〔{today.year}〕3号",
        content="针对暑期无证开展艺术培训的问题，建议文旅部门建立巡查台账，每周开展一次夜查。",
        issued_on=last_month, today=last_month)
    discipline.followup_add(actor=insp, proposal=p1, checked_on=last_month + dt.timedelta(days=8),
                            note="已建立巡查台账，夜查制度落实到位，整改完成。", rectified=True)
    discipline.proposal_issue(
        actor=insp, region=county, department=depts[T.MARKET_REGULATION], campaign=campaign,
        title="关于规范培训机构预收费公示的建议", number=f"{county.name}纪建〔{today.year}〕4号",
        content="建议市场监管部门督促培训机构在显著位置公示收费项目、标准和退费办法。",
        issued_on=calendar.add_workdays(today, -3), today=calendar.add_workdays(today, -3))
    lagging = list(Task.objects.filter(case__region__path__startswith=county.path,
                                       status=TaskStatus.OPEN, due_date__lt=today)
                   .select_related("department").order_by("due_date")[:2])
    discipline.evaluation_record(
        actor=joint, region=county, kind=EvaluationKind.NOTICE, campaign=campaign,
        title="关于部分单位校外培训治理任务推进不力的通报", issued_on=last_month,
        content="经督查，部分单位存在责任不落实、措施不到位的问题，现予通报。",
        departments=[depts[T.CULTURE_TOURISM]], tasks=lagging, cases_count=2)
    discipline.evaluation_record(
        actor=joint, region=county, kind=EvaluationKind.INTERVIEW, campaign=campaign,
        title="约谈任务逾期单位负责人", issued_on=calendar.add_workdays(today, -1),
        content="就逾期任务约谈有关单位分管负责人，明确整改时限。", tasks=lagging)
    discipline.evaluation_record(
        actor=joint, region=county, kind=EvaluationKind.ACCOUNTABILITY, campaign=campaign,
        title="对监管失职人员的问责", issued_on=last_month, measure="criticism", persons=1,
        content="对巡查不到位的责任人进行批评教育。", departments=[depts[T.CULTURE_TOURISM]])
    discipline.evaluation_record(
        actor=joint, region=county, kind=EvaluationKind.COMMENDATION,
        title="表彰校外培训治理先进集体", issued_on=calendar.add_workdays(today, -2),
        content="对在暑期联合检查中表现突出的单位予以表彰。",
        departments=[depts[T.PUBLIC_SECURITY]])
