"""Demo joint meeting and campaign for one county (called from portal/demo.py's
per-county loop): member units with a roster that changed once, an issued meeting whose
decision's tasks are overdue (the demo's deadline scan escalates them), minutes awaiting
confirmation, a planned monthly consultation (a plenary meeting where the profile holds
none), and a campaign mid-way with problems open, awaiting close-out approval and closed
out; an incident in progress whose lead task runs overdue, and a white-listed institution
selected into a school's after-school services and evaluated. Idempotent: a county with
meetings (incidents, selections) is left alone."""

from __future__ import annotations

import datetime as dt

from cases import services as case_services
from cases.models import TaskRole
from core.vocab import DepartmentType as T
from governance import afterschool, consultation, incidents, services
from governance.models import (
    AfterSchoolSelection,
    EvaluationResult,
    Incident,
    IncidentKind,
    Meeting,
    MeetingKind,
    MemberUnit,
    Phase,
    RosterPosition,
)
from institutions.models import Institution, InstitutionStatus, ListStatus
from org.models import Department, Region, User
from policy import calendar


def load(county: Region, users: dict[str, User], key: str, today: dt.date) -> None:
    _incident(county, users, key, today)
    _after_school(county, users, key, today)
    if Meeting.objects.filter(region=county).exists():
        return
    joint = users[f"{key}_joint"]
    past = lambda n: calendar.add_workdays(today, -n)  # noqa: E731
    depts = {d.type: d for d in Department.objects.filter(region=county)}
    units: dict[str, MemberUnit] = {}
    for i, t in enumerate((T.EDUCATION_SPORTS, T.CULTURE_TOURISM, T.MARKET_REGULATION,
                           T.SCIENCE_TECHNOLOGY, T.PUBLIC_SECURITY)):
        units[t] = MemberUnit.objects.filter(region=county, department=depts[t]).first() or \
            services.unit_add(actor=joint, region=county, department=depts[t],
                              is_convenor=t == T.EDUCATION_SPORTS,
                              hosts_office=t == T.EDUCATION_SPORTS, order=i)
        services.roster_change(actor=joint, unit=units[t], position=RosterPosition.MEMBER,
                               name=f"成员{i + 1}", title="分管副局长", start=dt.date(today.year, 1, 1))
        liaison = services.roster_change(actor=joint, unit=units[t],
                                         position=RosterPosition.LIAISON, name=f"联络员{i + 1}",
                                         title="科长", phone=f"0871-6500{i:04d}",
                                         start=dt.date(today.year, 1, 1))
        if t == T.CULTURE_TOURISM:
            services.roster_change(actor=joint, unit=units[t], position="", name="新任联络员",
                                   title="副科长", start=past(20), replaces=liaison)
    services.roster_change(actor=joint, unit=units[T.EDUCATION_SPORTS],
                           position=RosterPosition.OFFICE_DIRECTOR, name="办公室主任",
                           title="教体局副局长", start=dt.date(today.year, 1, 1))

    present = list(units.values())
    officers = {T.EDUCATION_SPORTS: users[f"{key}_officer"],
                T.CULTURE_TOURISM: users[f"{key}_culture"],
                T.MARKET_REGULATION: users[f"{key}_market"],
                T.SCIENCE_TECHNOLOGY: users[f"{key}_science"],
                T.PUBLIC_SECURITY: users[f"{key}_police"]}

    issued = services.meeting_create(
        actor=joint, region=county, kind=MeetingKind.SPECIAL, title="暑期校外培训治理专题会议",
        held_on=past(15), agenda="一、通报上半年校外培训治理情况\n二、部署暑期联合检查", units=present)
    services.decision_add(actor=joint, meeting=issued, text="开展暑期校外培训联合检查",
                          lead=depts[T.CULTURE_TOURISM],
                          assisting=[depts[T.MARKET_REGULATION], depts[T.PUBLIC_SECURITY]])
    services.decision_add(actor=joint, meeting=issued, text="排查无证托管班并建立台账",
                          lead=depts[T.EDUCATION_SPORTS])
    services.minutes_draft(actor=joint, meeting=issued,
                           minutes="会议议定：文旅局牵头开展暑期联合检查；教体局排查无证托管班。",
                           absent=[units[T.SCIENCE_TECHNOLOGY]])
    for row in issued.attendance.select_related("unit__department").filter(present=True):
        services.minutes_confirm(actor=officers[row.unit.department.type], attendance=row)
    services.minutes_issue(actor=joint, meeting=issued, today=past(15))

    drafted = services.meeting_create(
        actor=joint, region=county, kind=MeetingKind.LIAISON, title="联络员会议",
        held_on=past(2), agenda="通报投诉举报办理情况", units=present[:3])
    services.decision_add(actor=joint, meeting=drafted, text="对重复投诉机构开展回头看",
                          lead=depts[T.MARKET_REGULATION])
    services.minutes_draft(actor=joint, meeting=drafted, minutes="会议议定：对重复投诉机构开展回头看。")
    services.minutes_confirm(actor=officers[T.CULTURE_TOURISM],
                             attendance=drafted.attendance.get(unit=units[T.CULTURE_TOURISM]))
    if consultation.holds_consultation():  # 004 §6(3): the units' reports are prefilled
        services.meeting_create(actor=joint, region=county, kind=MeetingKind.CONSULTATION,
                                title="月度部门联席会商会", held_on=calendar.add_workdays(today, 5),
                                agenda="各成员单位通报上月校外培训信访投诉分析情况和日常管控工作进展",
                                units=present)
    else:
        services.meeting_create(actor=joint, region=county, kind=MeetingKind.PLENARY,
                                title="年度联席会议全体会议", held_on=calendar.add_workdays(today, 5),
                                agenda="总结全年校外培训治理工作，部署下一年度任务", units=present)

    day = dt.timedelta(days=1)
    campaign = services.campaign_create(
        actor=joint, region=county, title=f"{today.year}年校外培训整治攻坚",
        summary_due=today + 40 * day,
        phases={Phase.MOBILISE: (today - 90 * day, today - 61 * day),
                Phase.SELF_CHECK: (today - 60 * day, today - 31 * day),
                Phase.RECTIFY: (today - 30 * day, today + 20 * day),
                Phase.ACCEPT: (today + 21 * day, today + 35 * day),
                Phase.SUMMARISE: (today + 36 * day, today + 40 * day)})
    culture = depts[T.CULTURE_TOURISM]
    open_problem = services.problem_add(
        actor=joint, campaign=campaign, description="未取得办学许可开展舞蹈培训",
        subject="某舞蹈工作室", department=culture, rectify_by=today + 10 * day)
    pending = services.problem_add(
        actor=joint, campaign=campaign, description="收费公示不全", subject="某艺术培训中心",
        department=culture, rectify_by=today + 5 * day)
    services.closeout_request(actor=officers[T.CULTURE_TOURISM], problem=pending,
                              evidence_note="已在前台和网站公示收费项目、标准和退费办法。")
    closed = services.problem_add(
        actor=joint, campaign=campaign, description="消防通道堆放杂物", subject="某体育培训机构",
        department=depts[T.PUBLIC_SECURITY], rectify_by=today - 5 * day)
    services.closeout_request(actor=officers[T.PUBLIC_SECURITY], problem=closed,
                              evidence_note="杂物已清理，复查合格。")
    services.closeout_decide(actor=joint, problem=closed, approve=True)
    del open_problem


def _incident(county: Region, users: dict[str, User], key: str, today: dt.date) -> None:
    """A safety incident registered three working days ago: the assisting tasks are done,
    the lead's is overdue (the demo's deadline scan escalates it)."""
    if Incident.objects.filter(region=county).exists():
        return
    lead, _assists, _missing = incidents.route_departments(county, IncidentKind.INCIDENT)
    if lead is None:
        return
    day = calendar.add_workdays(today, -3)
    incident = incidents.incident_report(
        actor=users[f"{key}_joint"], region=county, kind=IncidentKind.INCIDENT,
        title="某体育培训机构学员训练中受伤送医", description="学员在训练中摔伤，已送医治疗；家长在网上发帖质疑机构安全管理。",
        occurred_on=day, today=day)
    for task in incident.case.tasks.filter(role=TaskRole.ASSIST):
        case_services.task_complete(actor=None, task=task, note="已配合开展现场核查。")


def _after_school(county: Region, users: dict[str, User], key: str, today: dt.date) -> None:
    """A white-listed institution selected into a school's after-school services by the
    department the profile names, evaluated for the last term."""
    if AfterSchoolSelection.objects.filter(region=county).exists():
        return
    officer = users.get(f"{key}_officer")
    decider = afterschool.deciding_department(county, afterschool.SELECT)
    institution = Institution.objects.filter(
        region__path__startswith=county.path, status=InstitutionStatus.LICENSED,
        list_status=ListStatus.WHITE).order_by("id").first()
    if officer is None or decider is None or officer.department_id != decider.pk or \
            institution is None:
        return
    year = today.year if today.month >= 9 else today.year - 1
    selection = afterschool.afterschool_select(
        actor=officer, region=county, institution=institution, school="第一实验小学",
        service="课后服务社团活动", selected_on=dt.date(year - 1, 9, 1))
    afterschool.afterschool_evaluate(actor=officer, selection=selection,
                                     term=f"{year - 1}-{year}-2", result=EvaluationResult.QUALIFIED,
                                     note="学生和家长满意度较高。")
