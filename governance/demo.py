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
from typing import Any

from cases import services as case_services
from cases.models import TaskRole
from core.vocab import DepartmentType as T
from governance import afterschool, consultation, incidents, services
from governance.models import (
    AfterSchoolSelection,
    Campaign,
    EvaluationResult,
    FilingKind,
    Incident,
    IncidentKind,
    Meeting,
    MeetingKind,
    MemberUnit,
    Phase,
    Problem,
    RosterPosition,
    ScreeningEntity,
)
from institutions.models import Institution, InstitutionStatus, ListStatus
from org.models import Department, Region, Role, User
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
    _load_part_a(county, users, key, today, units, open_problem, pending, closed)


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


def _load_part_a(county: Region, users: dict[str, User], key: str, today: dt.date,
                 units: dict[str, MemberUnit], open_problem: Problem, pending: Problem,
                 closed: Problem) -> None:
    """Issue 12, governance part A: the rectification ledger with one time node overdue,
    discipline inspection's spot-check of the closed-out problem, the member units'
    filings with the office, and a screening import with each outcome and one check
    still open."""
    day = dt.timedelta(days=1)
    joint, culture = users[f"{key}_joint"], users[f"{key}_culture"]
    services.measure_add(actor=culture, problem=open_problem, measure="责令停止招生",
                         node=today - 3 * day)
    services.measure_add(actor=culture, problem=open_problem, measure="指导申办办学许可",
                         node=today + 10 * day)
    done = services.measure_add(actor=culture, problem=pending, measure="补充公示收费标准",
                                node=today - 2 * day)
    services.measure_done(actor=culture, measure=done, done_on=today - 2 * day)
    services.spotcheck_record(actor=users[f"{key}_discipline"], campaign=closed.campaign,
                              checked_on=today - day, sample=[closed], result="passed",
                              remarks="现场抽查，消防通道畅通，整改属实。")
    services.filing_submit(actor=culture, unit=units[T.CULTURE_TOURISM],
                           kind=FilingKind.SUPERVISION_PLAN, year=today.year,
                           text=f"{today.year}年文化艺术类校外培训机构监管工作计划：季度巡查、暑期专项检查。")
    services.filing_submit(actor=joint, unit=units[T.EDUCATION_SPORTS],
                           kind=FilingKind.WORKING_GROUP, year=today.year,
                           text="组长：教体局分管副局长\n成员：文旅、市场监管、公安、科技各一人")

    from governance.screening import screening_import, screening_outcome_record
    from institutions.uscc import check_character

    def demo_uscc(serial: int) -> str:  # as portal.demo's, for a for-profit company
        first17 = f"91{county.code}MA{serial:07d}"
        return first17 + check_character(first17)

    rows = [(demo_uscc(901 + i), name, county.code, f"示范路{i + 1}号")
            for i, name in enumerate(["星辰教育咨询有限公司", "启明教育科技有限公司",
                                      "彩虹文化传播有限公司", "远航教育咨询有限公司"])]
    registered = Institution.objects.filter(region__path__startswith=county.path).first()
    if registered is not None:
        rows.append((registered.uscc, registered.name, county.code, registered.address))
    screening_import(actor=joint, upload=_xlsx(rows))
    entity = {r[0]: ScreeningEntity.objects.get(credit_code=r[0]) for r in rows[:4]}
    screening_outcome_record(actor=users[f"{key}_officer"], entity=entity[rows[0][0]],
                             kind="licensed_elsewhere", other_reference="教民153010010000001号")
    screening_outcome_record(actor=users[f"{key}_market"], entity=entity[rows[1][0]],
                             kind="not_training", note="经核查仅从事教育软件销售，未开展培训。")
    screening_outcome_record(actor=users[f"{key}_admin"], entity=entity[rows[2][0]],
                             kind="unlicensed", note="现场发现开设少儿美术班，未取得办学许可。",
                             category="arts", legal_representative="王某")


def _xlsx(rows: list[tuple[str, str, str, str]]) -> Any:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "名称", "区县代码", "地址"])
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("市场监管局排查名单.xlsx", buf.getvalue())


def load_city(city: Region, today: dt.date) -> None:
    """A city campaign whose counties were asked for their plans (DOMAIN.md §4.8): the
    first county filed, the other not yet. Idempotent."""
    admin = User.objects.filter(role=Role.CITY_ADMIN, region=city, is_active=True).first()
    if admin is None or Campaign.objects.filter(region=city).exists():
        return
    day = dt.timedelta(days=1)
    campaign = services.campaign_create(
        actor=admin, region=city, title=f"{today.year}年全市校外培训专项治理",
        summary_due=today + 60 * day,
        phases={Phase.MOBILISE: (today - 20 * day, today + 5 * day),
                Phase.SELF_CHECK: (today + 6 * day, today + 25 * day),
                Phase.RECTIFY: (today + 26 * day, today + 45 * day),
                Phase.ACCEPT: (today + 46 * day, today + 55 * day),
                Phase.SUMMARISE: (today + 56 * day, today + 60 * day)})
    plans = services.plan_call(actor=admin, campaign=campaign, due=today + 14 * day,
                               today=today)
    if plans:
        first = plans[0]
        county_admin = User.objects.filter(role=Role.COUNTY_ADMIN, region=first.county,
                                           is_active=True).first()
        if county_admin is not None:
            services.plan_file(actor=county_admin, plan=first,
                               text=f"{first.county.name}专项治理实施方案：一、工作目标；二、"
                                    "时间安排；三、责任分工；四、工作要求。")
