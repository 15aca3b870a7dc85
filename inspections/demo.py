"""Demo inspections for one county (called by portal.demo.load_demo): last year's arts
round published, this year's arts round being inspected (results in every state) and a
tech round being planned; daily inspections of every kind in every state, a random draw,
rectification orders open and closed, an enforcement case against an individual and a
suspected zombie institution; safety checks with each department's own checklist, a
decided penalty, the towns' stop orders (one kept, one defied and escalated, one open), an
institution with many complaints for the planner's targets; a spot-check result, a fine and
an unlicensed operator on the black list, so that the institution's record and the credit
export have rows. Idempotent: a
county that has a round already is left alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from core.vocab import Category, DepartmentType
from inspections import reference, services
from inspections.models import (
    AnnualInspection,
    AnnualResult,
    DailyInspection,
    DailyMode,
    DailyState,
    InspectionRound,
    InspectionYear,
    Penalty,
    ViolationType,
)
from institutions import services as registry
from institutions.models import Institution
from institutions.uscc import check_character
from org.models import Department, Region, Role, User
from policy.profile import active_profile

ALL_MET = {"licence": True, "premises_safety": True, "teachers": True, "materials": True,
           "hours": True, "fees": True, "contract": True, "training_quality": True}
DAILY_OK = {"licence_display": "ok", "academic_content": "ok", "hours": "ok", "fees": "ok",
            "advertising": "ok", "fire_safety": "ok", "staff": "ok"}


def load(county: Region, users: dict[str, User], key: str, today: dt.date) -> None:
    if InspectionRound.objects.filter(region=county).exists():
        return
    reference.ensure()
    admin, officer = users[f"{key}_admin"], users[f"{key}_officer"]
    culture, culture_head = users[f"{key}_culture"], users[f"{key}_culture_head"]
    depts = {d.type: d for d in Department.objects.filter(region=county)}
    arts = list(Institution.objects.filter(region__path__startswith=county.path,
                                           category=Category.ARTS,
                                           status__in=services.INSPECTED_STATUSES)
                .order_by("uscc"))
    _annual(county, today, culture, culture_head, officer, admin, arts)
    _daily(county, today, users, key, depts)
    _zombie(county, today)
    _lists_and_credit(county, today, users, key)
    _safety_and_penalty(county, today, users, key, depts)
    _stop_orders(county, users, key)
    _complaint_target(county, users, key)


def _zombie(county: Region, today: dt.date) -> None:
    """The institution that missed last year's round missed the year before too: a
    suspected zombie (000 §4(3)), with its cleanup case."""
    absent = AnnualInspection.objects.filter(
        round__region=county, round__year=today.year - 1,
        result=AnnualResult.ABSENT).select_related("institution__region").first()
    if absent is None:
        return
    InspectionYear.objects.get_or_create(institution=absent.institution, year=today.year - 2,
                                         defaults={"inspected": False})
    flags = services.zombie_flags(years={today.year - 2: False, today.year - 1: False},
                                  min_years=2, active=False, unreachable=False)
    services._zombie_open(absent.institution, flags, active_profile().zombie_combination,
                          today)


def _annual(county: Region, today: dt.date, culture: User, culture_head: User, officer: User,
            admin: User, arts: list[Institution]) -> None:
    last = services.round_create(
        actor=culture, county=county, year=today.year - 1, category=Category.ARTS,
        plan="按照年检方案，分两组对全区文化艺术类机构开展现场检查，重点检查培训质量与安全管理。",
        starts_on=dt.date(today.year - 1, 9, 1), ends_on=dt.date(today.year - 1, 11, 30))
    services.group_save(actor=culture, round=last, name="第一组", members=[culture])
    services.round_balance(actor=culture, round=last)
    inspections = list(last.inspections.order_by("institution__uscc"))
    if inspections:
        services.result_record(actor=culture, inspection=inspections[0], answers=ALL_MET,
                               inspected_on=dt.date(today.year - 1, 10, 12))
    if len(inspections) > 1:
        services.result_record(actor=officer, inspection=inspections[1],
                               answers={**ALL_MET, "fees": False, "teachers": False},
                               inspected_on=dt.date(today.year - 1, 10, 15))
    services.round_publish(actor=culture_head, round=last)  # the rest: did not take part

    current = services.round_create(
        actor=culture, county=county, year=today.year, category=Category.ARTS,
        plan="本年度文化艺术类机构年检：培训质量为重要指标，不合格的下达整改通知。",
        starts_on=today - dt.timedelta(days=20), ends_on=today + dt.timedelta(days=40))
    services.group_save(actor=culture, round=current, name="第一组", members=[culture])
    services.group_save(actor=culture, round=current, name="第二组", members=[officer])
    services.round_balance(actor=culture, round=current)
    inspections = list(current.inspections.order_by("institution__uscc"))
    if len(inspections) > 1:
        services.result_record(actor=officer, inspection=inspections[1], answers=ALL_MET)
    if len(inspections) > 2:  # training quality fails it whatever the score (002 §2(4))
        services.result_record(actor=culture, inspection=inspections[2],
                               answers={**ALL_MET, "training_quality": False},
                               notes="课堂教学质量差，学员反映强烈。")
    services.round_create(
        actor=admin, county=county, year=today.year, category=Category.TECH,
        plan="科技类机构年检方案（征求意见稿）。",
        starts_on=today + dt.timedelta(days=30), ends_on=today + dt.timedelta(days=90))


def _daily(county: Region, today: dt.date, users: dict[str, User], key: str,
           depts: dict[str, Department]) -> None:
    admin, officer = users[f"{key}_admin"], users[f"{key}_officer"]
    edu = depts[DepartmentType.EDUCATION_SPORTS]
    licensed = list(Institution.objects.filter(region__path__startswith=county.path,
                                               status__in=services.INSPECTED_STATUSES)
                    .order_by("uscc"))
    if not licensed:
        return
    staff = User.objects.get(pk=users[f"{key}_institution"].pk)
    # The demo institution's staff login belongs to one of them: it answers the order.
    first = next((i for i in licensed if i.pk == staff.institution_id), licensed[0])
    other = next(i for i in reversed(licensed) if i.pk != first.pk) \
        if len(licensed) > 1 else first
    town = county.children.order_by("code").first() or county

    def plan(mode: str, institution: Institution | None = None, departments=None,
             days: int = 0, **kw):  # type: ignore[no-untyped-def]
        return services.daily_open(actor=admin, mode=mode, region=town,
                                   planned_on=today + dt.timedelta(days=days),
                                   departments=departments or [edu], institution=institution,
                                   **kw)

    patrol = plan(DailyMode.PATROL, first, days=-3)
    services.daily_record(actor=officer, inspection=patrol, answers=DAILY_OK,
                          notes="证照公示齐全，课表符合规定。")
    night = plan(DailyMode.NIGHT, first, days=-2)
    services.daily_record(actor=officer, inspection=night,
                          answers={**DAILY_OK, "hours": "problem"},
                          notes="20:50 仍有学员上课。", rectify=True,
                          latitude="25.040600", longitude="102.712300")
    order = night.orders.get()
    if staff.institution_id == first.pk:
        services.order_submit_evidence(actor=staff, order=order,
                                       evidence="已调整课表，所有课程20:00前结束。")
        services.order_recheck(actor=officer, order=order, passed=True,
                               note="复查：课表已调整，整改到位。")
    plan(DailyMode.FOLLOWUP, first, followup_of=night, days=5)
    plan(DailyMode.UNANNOUNCED, other, days=1)
    plan(DailyMode.JOINT, other, departments=[edu, depts[DepartmentType.MARKET_REGULATION],
                                              depts[DepartmentType.PUBLIC_SECURITY]], days=2)
    plan(DailyMode.SAFETY, first, departments=[depts[DepartmentType.FIRE_RESCUE],
                                               depts[DepartmentType.HEALTH], edu], days=4)
    plan(DailyMode.ONLINE, other, days=3)
    covert = plan(DailyMode.COVERT, site_type="flat", site_address=f"{town.name}幸福小区3栋201室",
                  days=-1)
    covert = services.daily_record(actor=officer, inspection=covert,
                                   answers={**DAILY_OK, "academic_content": "problem"},
                                   findings="住宅内以“托管”名义开展一对多学科类培训，已移交执法。")
    services.enforcement_open(
        actor=officer, violation=ViolationType.objects.get(code="offsite_training"),
        region=town, subject_name="王某", findings=covert.findings, mode="joint", daily=covert)
    services.random_draw(actor=admin, region=county, institution_count=2, inspector_count=2,
                         planned_on=today + dt.timedelta(days=7), seed=20260501)


def _decision_pdf() -> Any:
    """A one-page PDF standing in for the scanned decision document."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj" % number + body + b"endobj\n"
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o
                                                         for o in offsets)
    out += b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref
    return SimpleUploadedFile("处罚决定书.pdf", out, content_type="application/pdf")


def _lists_and_credit(county: Region, today: dt.date, users: dict[str, User],
                      key: str) -> None:
    """A spot check done, a fine decided and an unlicensed operator black-listed (004
    §6(4)): the rows of the credit export and of the institutions' records."""
    admin, head = users[f"{key}_admin"], users[f"{key}_head"]
    spot = DailyInspection.objects.filter(region__path__startswith=county.path,
                                          mode=DailyMode.RANDOM, state=DailyState.PLANNED,
                                          institution__isnull=False).order_by("pk").first()
    inspector = spot.inspectors.order_by("pk").first() if spot is not None else None
    if spot is not None and inspector is not None:
        services.daily_record(actor=inspector, inspection=spot,
                              answers={**DAILY_OK, "fees": "problem"},
                              notes="双随机抽查：收费公示不完整。")
    target = Institution.objects.filter(region__path__startswith=county.path,
                                        status__in=services.INSPECTED_STATUSES,
                                        list_status="white").order_by("-uscc").first()
    if target is not None:
        case = services.enforcement_open(
            actor=users[f"{key}_officer"], violation=ViolationType.objects.get(code="hours"),
            region=target.region, institution=target,
            findings="晚间21:10仍在组织线下培训，超出规定时间。")
        services.penalty_decide(actor=head, enforcement=case, penalty=Penalty.FINE,
                                fine_amount=Decimal("2000"),
                                legal_basis="《校外培训行政处罚暂行办法》第十六条",
                                document=_decision_pdf())
    town = county.children.order_by("code").first() or county
    first17 = f"91{county.code}MB{990 + len(key):07d}"[:17]
    operator = registry.institution_register(
        actor=admin, name=f"{town.name}无证美术辅导点", uscc=first17 + check_character(first17),
        nature="for_profit", category=Category.ARTS, legal_representative="赵某",
        safety_person="赵某", address=f"{town.name}幸福小区5栋302室", region=town)
    services.blacklist_enter(actor=admin, institution=operator,
                             reason="未经审批在居民楼内开展培训，已责令停止。")


def _safety_and_penalty(county: Region, today: dt.date, users: dict[str, User], key: str,
                        depts: dict[str, Department]) -> None:
    """Safety checks by police (premises) and market regulation (food), each with its own
    checklist (002 §2(4)); the police check found a problem, fined by the decision."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from reportlab.pdfgen import canvas

    licensed = Institution.objects.filter(region__path__startswith=county.path,
                                          status__in=services.INSPECTED_STATUSES).order_by(
        "-uscc").first()
    if licensed is None:
        return
    admin = users[f"{key}_admin"]
    police, market = depts[DepartmentType.PUBLIC_SECURITY], depts[DepartmentType.MARKET_REGULATION]
    check = services.daily_open(actor=admin, mode=DailyMode.SAFETY, region=licensed.region,
                                planned_on=today - dt.timedelta(days=6), departments=[police],
                                institution=licensed)
    answers = {item.code: "ok" for item in check.template.items.all()}
    answers["physical_defence"] = "problem"
    services.daily_record(actor=users[f"{key}_police"], inspection=check, answers=answers,
                          notes="未安装一键报警装置。")
    services.daily_open(actor=admin, mode=DailyMode.SAFETY, region=licensed.region,
                        planned_on=today + dt.timedelta(days=6), departments=[market],
                        institution=licensed)
    case = services.enforcement_open(
        actor=admin, violation=ViolationType.objects.get(code="advertising"),
        region=licensed.region, institution=licensed, daily=check,
        findings="在小区电梯间发布“保过”“提分”等违规培训广告。")
    pdf = io.BytesIO()
    page = canvas.Canvas(pdf)
    page.drawString(72, 720, f"Decision {case.case.number}")
    page.save()
    head = User.objects.filter(department=case.department, role=Role.DEPARTMENT_HEAD).first() \
        or User.objects.filter(is_superuser=True).first()
    if head is None:
        return
    services.penalty_decide(actor=head, enforcement=case, penalty="fine",
                            fine_amount=Decimal("5000"), legal_basis="《广告法》第二十四条",
                            document=SimpleUploadedFile("decision.pdf", pdf.getvalue()))


def _stop_orders(county: Region, users: dict[str, User], key: str) -> None:
    """A town's stop orders (001 §4(2)19): one kept, one defied and sent up to the joint
    office and the supervising department, one still open."""
    from inspections import stoporders

    grid = users[f"{key}_grid"]
    if grid.region is None or grid.department is None:
        return
    issue = lambda name, category, what: stoporders.stop_order_issue(  # noqa: E731
        actor=grid, region=grid.region, subject_name=name, category=category,
        site_address=f"{grid.region.name}居民楼", activity=what)
    kept = issue("赵某", Category.ARTS, "在自有住宅内无证开办美术培训班")
    stoporders.stop_order_comply(actor=grid, order=kept, note="复查：已停止招生和培训。")
    defied = issue("钱某", Category.SPORTS, "租用车库无证开展跆拳道培训")
    stoporders.stop_order_report_defied(actor=grid, order=defied,
                                        report="经多次警告仍继续培训，并阻挠网格员检查。")
    issue("孙某", Category.TECH, "在小区会所无证开展编程培训")


def _complaint_target(county: Region, users: dict[str, User], key: str) -> None:
    """Enough recent complaints about one institution to make it a target (issue 9)."""
    from complaints import services as complaint_services
    from complaints.models import Channel, Complaint, Topic

    threshold = int(active_profile().rule("complaint_target_threshold"))
    inst = Institution.objects.filter(region__path__startswith=county.path,
                                      status__in=services.INSPECTED_STATUSES).order_by(
        "uscc").first()
    topic = Topic.objects.filter(code="other").first()
    if inst is None or topic is None:
        return
    have = Complaint.objects.filter(case__institution=inst).count()
    for n in range(have, threshold):
        complaint_services.complaint_submit(
            actor=None, channel=Channel.WEB, topic=topic, institution=inst,
            description="机构课后不退费，多次沟通无果。", complainant_name="家长",
            complainant_phone=f"1390871{n:04d}")
