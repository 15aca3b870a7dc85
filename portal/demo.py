"""Realistic demo data for `make run` (issue 3 §8): Kunming with two districts, towns,
communities and grids, every department type at city and county level, a user for every
role in each district, and cases and tasks in every state, overdue ones included.
Idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Case, TaskRole
from complaints import demo as complaints_demo
from core.vocab import Category, DepartmentType, Phase
from funds import demo as funds_demo
from funds import services as funds_services
from governance import demo as governance_demo
from governance import discipline_demo
from inspections import demo as inspections_demo
from institutions import services as inst
from institutions.models import Institution, InstitutionStatus
from institutions.rules import Slot, model_contract_version, required_clauses
from institutions.uscc import check_character
from org.models import Department, Region, RegionLevel, Role, User
from policy import calendar
from policy.models import CalendarYear
from reports import demo as reports_demo

DEMO_PASSWORD = "Demo-2026-xwpx"

DEPT_NAMES = {
    DepartmentType.EDUCATION_SPORTS: "教育体育局",
    DepartmentType.EDUCATION: "教育局",
    DepartmentType.SPORTS: "体育局",
    DepartmentType.CULTURE_TOURISM: "文化和旅游局",
    DepartmentType.SCIENCE_TECHNOLOGY: "科学技术局",
    DepartmentType.PUBLIC_SECURITY: "公安分局",
    DepartmentType.CIVIL_AFFAIRS: "民政局",
    DepartmentType.HUMAN_RESOURCES: "人力资源和社会保障局",
    DepartmentType.MARKET_REGULATION: "市场监督管理局",
    DepartmentType.TAX: "税务局",
    DepartmentType.FIRE_RESCUE: "消防救援大队",
    DepartmentType.EMERGENCY: "应急管理局",
    DepartmentType.HEALTH: "卫生健康局",
    DepartmentType.GOVERNMENT_SERVICES: "政务服务管理局",
    DepartmentType.DEVELOPMENT_REFORM: "发展和改革局",
    DepartmentType.FINANCIAL_REGULATION: "金融监管局",
    DepartmentType.INTERNET_INFORMATION: "网信办",
    DepartmentType.PUBLICITY: "宣传部",
    DepartmentType.POLITICAL_LEGAL: "政法委",
    DepartmentType.JUSTICE: "司法局",
    DepartmentType.HOUSING: "住房和城乡建设局",
    DepartmentType.URBAN_MANAGEMENT: "城市管理局",
    DepartmentType.COMMERCE: "商务局",
    DepartmentType.WOMENS_FEDERATION: "妇女联合会",
    DepartmentType.DISCIPLINE_INSPECTION: "纪委监委",
    DepartmentType.TOWN_GOVERNMENT: "街道办事处",
    DepartmentType.PROCURATORATE: "人民检察院",
}

PROVINCE = ("53", "云南省", "省")
CITY = ("530100", "昆明市", "市")
DISTRICTS = {
    "wuhua": ("530102", "五华区", [("530102001", "华山街道"), ("530102002", "护国街道")]),
    "panlong": ("530103", "盘龙区", [("530103001", "拓东街道"), ("530103002", "鼓楼街道")]),
}


def _region(code: str, name: str, level: int, parent: Region | None, kind: str = "") -> Region:
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "kind": kind})
    return region


def _dept(region: Region, type_: str, prefix: str) -> Department:
    name = prefix + DEPT_NAMES[type_]
    defaults: dict[str, Any] = {"name": name}
    if region.level == RegionLevel.COUNTY:
        defaults.update(
            responsible_office={"education_sports": "校外培训监管科",
                                "culture_tourism": "文化市场管理科",
                                "science_technology": "科技服务科"}.get(type_, "综合科"),
            office_head={"education_sports": "李明", "culture_tourism": "王芳",
                         "science_technology": "赵强"}.get(type_, "张伟"),
            consultation_address=f"{region.name}人民政府{DEPT_NAMES[type_]}办公楼",
            consultation_phone=f"0871-{abs(hash((region.code, type_))) % 9000000 + 1000000}",
        )
    dept, _ = Department.objects.get_or_create(region=region, type=type_, defaults=defaults)
    return dept


def _user(username: str, role: str, *, full_name: str, department: Department | None = None,
          region: Region | None = None, superuser: bool = False) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, full_name=full_name, department=department,
                    region=region, email=f"{username}@demo.xwpx.local",
                    is_superuser=superuser, is_staff=superuser)
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def ensure_calendar(today: dt.date) -> None:
    calendar.seed_calendar()
    for year in (today.year, today.year + 1):
        if not CalendarYear.objects.filter(year=year).exists():
            calendar.add_year_with_weekends(
                year, note="demo: weekdays only; mark legal holidays and make-up days")


@transaction.atomic
def load_demo() -> dict[str, Any]:
    today = timezone.localdate()
    ensure_calendar(today)
    province = _region(*PROVINCE[:2], RegionLevel.PROVINCE, None, PROVINCE[2])
    city = _region(*CITY[:2], RegionLevel.CITY, province, CITY[2])
    for type_ in DepartmentType.values:
        if type_ != DepartmentType.TOWN_GOVERNMENT:
            _dept(city, type_, "昆明市")
    _user("admin", Role.SYSTEM_ADMIN, full_name="系统管理员", superuser=True)
    _user("kunming_admin", Role.CITY_ADMIN, full_name="市级管理员", region=city)
    _user("kunming_edu", Role.OFFICER, full_name="市教体局干部",
          department=Department.objects.get(region=city, type=DepartmentType.EDUCATION_SPORTS))
    users: dict[str, User] = {}
    parent_orders: list[tuple[str, str, str]] = []
    for key, (code, name, towns) in DISTRICTS.items():
        county = _region(code, name, RegionLevel.COUNTY, city, "区")
        depts = {t: _dept(county, t, name) for t in DepartmentType.values
                 if t != DepartmentType.TOWN_GOVERNMENT}
        first_grid = None
        for town_code, town_name in towns:
            town = _region(town_code, town_name, RegionLevel.TOWN, county, "街道")
            _dept(town, DepartmentType.TOWN_GOVERNMENT, town_name)
            village = _region(f"{town_code}001", f"{town_name[:2]}社区", RegionLevel.VILLAGE,
                              town, "社区")
            grid = _region(f"{town_code}001G01", f"{town_name[:2]}社区第一网格", RegionLevel.GRID,
                           village, "网格")
            first_grid = first_grid or (town, grid)
        edu = depts[DepartmentType.EDUCATION_SPORTS]
        town, grid = first_grid
        town_dept = Department.objects.get(region=town, type=DepartmentType.TOWN_GOVERNMENT)
        users[f"{key}_officer"] = _user(f"{key}_officer", Role.OFFICER, full_name=f"{name}教体干部",
                                        department=edu)
        users[f"{key}_head"] = _user(f"{key}_head", Role.DEPARTMENT_HEAD,
                                     full_name=f"{name}教体科长", department=edu)
        users[f"{key}_culture"] = _user(f"{key}_culture", Role.OFFICER,
                                        full_name=f"{name}文旅干部",
                                        department=depts[DepartmentType.CULTURE_TOURISM])
        users[f"{key}_culture_head"] = _user(f"{key}_culture_head", Role.DEPARTMENT_HEAD,
                                             full_name=f"{name}文旅科长",
                                             department=depts[DepartmentType.CULTURE_TOURISM])
        users[f"{key}_science"] = _user(f"{key}_science", Role.OFFICER,
                                        full_name=f"{name}科技干部",
                                        department=depts[DepartmentType.SCIENCE_TECHNOLOGY])
        users[f"{key}_police"] = _user(f"{key}_police", Role.OFFICER, full_name=f"{name}公安民警",
                                       department=depts[DepartmentType.PUBLIC_SECURITY])
        users[f"{key}_market"] = _user(f"{key}_market", Role.OFFICER,
                                       full_name=f"{name}市场监管干部",
                                       department=depts[DepartmentType.MARKET_REGULATION])
        users[f"{key}_admin"] = _user(f"{key}_admin", Role.COUNTY_ADMIN,
                                      full_name=f"{name}管理员", region=county)
        users[f"{key}_joint"] = _user(f"{key}_joint", Role.JOINT_OFFICE,
                                      full_name=f"{name}联席办", region=county)
        users[f"{key}_discipline"] = _user(f"{key}_discipline", Role.DISCIPLINE,
                                           full_name=f"{name}纪检监察员", region=county)
        users[f"{key}_grid"] = _user(f"{key}_grid", Role.GRID_OFFICER, full_name=f"{name}网格员",
                                     department=town_dept, region=grid)
        users[f"{key}_supervisor"] = _user(f"{key}_supervisor", Role.SOCIAL_SUPERVISOR,
                                           full_name=f"{name}社会监督员", department=town_dept)
        users[f"{key}_institution"] = _user(f"{key}_institution", Role.INSTITUTION_STAFF,
                                            full_name=f"{name}机构工作人员", region=county)
        if not Case.objects.filter(region__path__startswith=county.path).exists():
            _demo_cases(county, depts, users, key, today)
        if not Institution.objects.filter(region__path__startswith=county.path).exists():
            towns_list = list(county.children.order_by("code"))
            _demo_institutions(county, towns=towns_list,
                               admin=users[f"{key}_admin"], head=users[f"{key}_head"],
                               staff_user=users[f"{key}_institution"], key=key)
            _demo_staged_applications(county, towns_list, users[f"{key}_admin"])
            _demo_records(users, key)
        complaints_demo.load(county, users, key, today)
        inspections_demo.load(county, users, key, today)
        funds_demo.load(county, users[f"{key}_admin"])
        parent_orders += funds_demo.parent_codes(county)
        governance_demo.load(county, users, key, today)
        discipline_demo.load(county, users, key, today)
    governance_demo.load_city(city, today)
    reports_demo.load(User.objects.get(username="kunming_admin"),
                      {u.region.code: u for k, u in users.items() if k.endswith("_admin")},
                      today)
    services.deadline_scan(today=today)
    return {"users": sorted(users) + ["admin", "kunming_admin", "kunming_edu"],
            "password": DEMO_PASSWORD, "parent_orders": parent_orders}


def _demo_cases(county: Region, depts: dict[str, Department], users: dict[str, User], key: str,
                today: dt.date) -> None:
    admin = users[f"{key}_admin"]
    edu = depts[DepartmentType.EDUCATION_SPORTS]
    culture = depts[DepartmentType.CULTURE_TOURISM]
    science = depts[DepartmentType.SCIENCE_TECHNOLOGY]
    police = depts[DepartmentType.PUBLIC_SECURITY]
    market = depts[DepartmentType.MARKET_REGULATION]
    town = county.children.order_by("code").first()
    past = lambda n: calendar.add_workdays(today, -n)  # noqa: E731

    def open_case(title: str, category: str, phase: str, region: Region = county) -> Case:
        return services.case_open(actor=admin, kind="supervision", title=title,
                                  region=region, category=category, phase=phase,
                                  description=f"{county.name}{title}。")

    # 1. Open: fresh tasks, one due this week.
    c1 = open_case("暑期文化艺术类培训机构联合巡查", Category.ARTS, Phase.DAILY_SUPERVISION)
    services.task_assign(actor=admin, case=c1, department=edu, role=TaskRole.LEAD,
                         duty="牵头组织联合巡查，汇总检查情况", workdays=10)
    services.task_assign(actor=admin, case=c1, department=culture, role=TaskRole.ASSIST,
                         duty="配合巡查，核对机构备案信息", workdays=3,
                         assignee=users[f"{key}_culture"])
    # 2. In progress: one done, one overdue at level 1, one overdue at level 2.
    c2 = open_case("科技类培训机构消防安全专项检查", Category.TECH, Phase.DAILY_SUPERVISION, town)
    t = services.task_assign(actor=admin, case=c2, department=police, role=TaskRole.ASSIST,
                             duty="检查人防、物防、技防条件", workdays=5, today=past(15))
    services.task_complete(actor=users[f"{key}_police"], task=t, note="已完成现场检查，未发现隐患。")
    services.task_assign(actor=admin, case=c2, department=edu, role=TaskRole.LEAD,
                         duty="牵头督促整改并汇总", workdays=3, today=past(5),
                         assignee=users[f"{key}_officer"])
    services.task_assign(actor=admin, case=c2, department=science, role=TaskRole.ASSIST,
                         duty="核查机构科技课程内容", workdays=5, today=past(12),
                         assignee=users[f"{key}_science"])
    town_dept = Department.objects.get(region=town, type=DepartmentType.TOWN_GOVERNMENT)
    services.task_assign(actor=admin, case=c2, department=town_dept, role=TaskRole.ASSIST,
                         duty="网格巡查：核实机构周边安全隐患", workdays=5)
    # 3. Closed: all tasks done.
    c3 = open_case("体育类培训机构收费公示检查", Category.SPORTS, Phase.DAILY_SUPERVISION)
    t = services.task_assign(actor=admin, case=c3, department=market, role=TaskRole.ASSIST,
                             duty="检查收费公示与合同文本", workdays=5, today=past(20))
    services.task_complete(actor=users[f"{key}_market"], task=t, note="收费公示规范，合同使用示范文本。")
    t = services.task_assign(actor=admin, case=c3, department=edu, role=TaskRole.LEAD,
                             duty="汇总检查结果并报送", workdays=5, today=past(18))
    services.task_complete(actor=users[f"{key}_head"], task=t, note="已汇总上报。")
    services.case_close(actor=admin, case=c3, reason="检查完成")
    # 4. Cancelled.
    c4 = open_case("重复录入的巡查事项", Category.ARTS, Phase.DAILY_SUPERVISION)
    services.task_assign(actor=admin, case=c4, department=edu, role=TaskRole.LEAD,
                         duty="巡查", workdays=5)
    services.case_cancel(actor=admin, case=c4, reason="与其他事项重复，予以撤销")
    # 5. Open with a returned task waiting for reassignment, and a comment.
    c5 = open_case("群众反映某培训机构违规招生核查", Category.ARTS, Phase.DAILY_SUPERVISION)
    t = services.task_assign(actor=admin, case=c5, department=market, role=TaskRole.LEAD,
                             duty="核查招生宣传是否违规", workdays=5)
    services.task_return(actor=users[f"{key}_market"], task=t,
                         reason="不涉及广告、价格问题，建议由教育体育部门牵头核查")
    services.comment_add(actor=admin, case=c5, body="请教育体育部门牵头，文旅部门配合。")


def demo_uscc(county_code: str, serial: int, nature: str = "for_profit") -> str:
    head = ("91" if nature == "for_profit" else "52") + county_code
    first17 = head + f"MA{serial:07d}"
    return first17 + check_character(first17)


def demo_id_number(serial: int) -> str:
    from institutions.idnumbers import check_digit

    first17 = f"53010219{80 + serial % 20:02d}0101{serial % 1000:03d}"
    return first17 + check_digit(first17)


INSTITUTIONS = [
    # name, category, nature, target status, gate met, black-list reason
    ("青苗美术培训中心", "arts", "for_profit", InstitutionStatus.LICENSED, True, ""),
    ("星火编程科技培训学校", "tech", "for_profit", InstitutionStatus.LICENSED, False, ""),
    ("飞跃体育培训有限公司", "sports", "for_profit", InstitutionStatus.APPLYING, False, ""),
    ("和声音乐艺术培训中心", "arts", "non_profit", InstitutionStatus.SUSPENDED, True, ""),
    ("未来机器人科技培训中心", "tech", "for_profit", InstitutionStatus.REVOKED, False, ""),
    ("强健武术体育培训学校", "sports", "non_profit", InstitutionStatus.TERMINATED, False, ""),
    ("博雅书法艺术培训中心", "arts", "for_profit", InstitutionStatus.LICENSED, True,
     "以书法名义开展学科类培训（隐形变异）"),
]


def _demo_institutions(county: Region, *, towns: list[Region], admin: User, head: User,
                       staff_user: User, key: str) -> None:
    edu = Department.objects.get(region=county, type=DepartmentType.EDUCATION_SPORTS)
    for n, (name, category, nature, status, gate, black) in enumerate(INSTITUTIONS, start=1):
        town = towns[n % len(towns)]
        institution = inst.institution_register(
            actor=admin, name=f"{county.name[:2]}{name}", uscc=demo_uscc(county.code, n, nature),
            nature=nature, category=category, legal_representative="陈" + "明华建国志强"[n % 6],
            safety_person="陈" + "明华建国志强"[n % 6], address=f"{town.name}人民路{n * 11}号",
            region=town, phone=f"0871-6{n:06d}",
            premises_area=300 + n * 20, fire_safety_documents="消防验收合格意见书",
            public_commitments="不开展学科类培训；不超时培训；预收费全部进入监管账户。")
        inst.staff_hire(actor=admin, institution=institution, name=f"教师{n}",
                        id_number=demo_id_number(n + (0 if key == "wuhua" else 50)),
                        credential_kind="professional_ability", credential_number=f"ZY{n:05d}")
        course = inst.course_create(
            actor=admin, institution=institution, name={"arts": "少儿美术基础", "tech":
                                                         "图形化编程入门", "sports": "青少年篮球"}[category],
            mode="offline", is_academic=False, lesson_minutes=60, break_minutes=10,
            class_hours=48, price=3600, slots=[Slot(2, dt.time(18, 30), dt.time(20, 0)),
                                               Slot(5, dt.time(9, 0), dt.time(10, 30))])
        inst.fee_plan_create(actor=admin, course=course, name="一期（48课时）", amount=3600,
                             months=3, class_hours=48, refund_terms="未消课时按比例全额退费。",
                             contract_version=model_contract_version(),
                             contract_clauses=required_clauses())
        if gate:
            funds_services.arrangement_record(
                actor=admin, institution=institution, mode="bank_custody",
                custodian_bank=f"中国农业银行{county.name}支行", account_number=f"6217{n:012d}",
                payment_channel="监管平台统一收费")
            inst.gate_record(actor=admin, institution=institution,
                             national_platform_account=f"QG{county.code}{n:04d}")
            inst.course_list_on_platform(actor=admin, course=course)
        if status != InstitutionStatus.APPLYING:
            inst.institution_set_status(actor=admin, institution=institution,
                                        status=InstitutionStatus.LICENSED, reason="审核通过",
                                        licence_number=f"教民{county.code}{n:05d}号", issuer=edu)
            if status != InstitutionStatus.LICENSED:
                inst.institution_set_status(actor=admin, institution=institution, status=status,
                                            reason={"suspended": "消防隐患整改期间暂停招生",
                                                    "revoked": "违规收费，吊销办学许可证",
                                                    "terminated": "举办者申请终止办学"}[status])
        if black:
            inst.blacklist_add(actor=admin, institution=institution, reason=black)
        if n == 1 and staff_user.institution_id is None:
            User.objects.filter(pk=staff_user.pk).update(institution=institution)
        if status == InstitutionStatus.APPLYING:
            _demo_application(institution, admin)


def _demo_document(code: str) -> Any:
    """A one-page PDF standing in for a scanned document of a demo application."""
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
    return SimpleUploadedFile(f"{code}.pdf", out, content_type="application/pdf")


def _demo_application(institution: Institution, admin: User, stop: str = "review",
                      action: str = "establish") -> None:
    """An application (establishment unless `action` says otherwise) worked by the
    departments up to the `stop` stage."""
    from cases.models import TaskStatus
    from cases.services import task_complete
    from licensing import services as licensing

    app = licensing.application_submit(
        actor=admin, institution=institution, action=action,
        documents={d.code: _demo_document(d.code)
                   for d in licensing.required_documents(institution, action)})

    def person(task: Any, head: bool = False) -> User | None:
        role = Role.DEPARTMENT_HEAD if head else Role.OFFICER
        return User.objects.filter(department=task.department, role=role).first()

    for _round in range(12):
        app.refresh_from_db()
        if app.stage == stop or app.stage in licensing.TERMINAL:
            return
        for task in list(app.case.tasks.filter(status=TaskStatus.OPEN)
                         .select_related("department")):
            app.refresh_from_db()
            actor = person(task, head=task.step == "conclusion" and task.role == "lead")
            if actor is None:
                return
            if task.role == "lead" and task.step in licensing.DECISION_STEPS:
                if task.step == "acceptance":
                    licensing.application_accept(actor=actor, application=app, accept=True)
                elif task.step == "onsite_inspection":
                    licensing.application_record_onsite(
                        actor=actor, application=app, note="场地、消防、安防符合要求",
                        checklist={"premises": True, "fire_safety": True, "security": True})
                elif task.step == "conclusion":
                    if app.case.tasks.filter(status=TaskStatus.OPEN).exclude(
                            pk=task.pk).exists():
                        continue
                    if stop == "rejected":  # the institution shows as not approved
                        licensing.application_conclude(
                            actor=actor, application=app, approve=False,
                            reason="现场勘验发现消防通道被占用，整改前不予设立")
                        continue
                    licensing.application_conclude(actor=actor, application=app, approve=True,
                                                   reason="材料齐全，现场勘验符合要求，同意设立")
                elif task.step == "registration":
                    licensing.application_record_registration(
                        actor=actor, application=app, registration_number=institution.uscc,
                        certificate=_demo_document("registration_certificate"))
                elif task.step == "licence_issue":
                    licensing.application_issue_licence(
                        actor=actor, application=app,
                        licence_number=f"文旅民{institution.region.county_code}{app.pk:04d}号")
            else:
                task_complete(actor=actor, task=task, note="已按职责办理")


STAGED = [("acceptance", "启航舞蹈培训中心"), ("onsite", "童心戏剧培训中心"),
          ("verification", "墨香国画培训中心"), ("conclusion", "弦歌古筝培训中心"),
          ("registration", "彩虹合唱艺术中心"), ("filing", "律动街舞培训中心"),
          ("licence", "画境油画培训中心"), ("completed", "翰墨书画艺术中心"),
          ("rejected", "远帆美术培训中心")]


def _demo_staged_applications(county: Region, towns: list[Region], admin: User) -> None:
    """Arts applications at every stage of the licensing workflow (000 §3(1)1)."""
    for n, (stop, name) in enumerate(STAGED, start=20):
        town = towns[n % len(towns)]
        institution = inst.institution_register(
            actor=admin, name=f"{county.name[:2]}{name}", uscc=demo_uscc(county.code, n),
            nature="for_profit", category="arts", legal_representative="周立",
            safety_person="周立", address=f"{town.name}文化路{n}号", region=town)
        _demo_application(institution, admin, stop=stop)


def _demo_records(users: dict[str, User], key: str) -> None:
    """The white-listed institution of the staff login: its staff checks on record, a
    completed re-licensing (so it shows as re-approved), learners enrolled, and a course
    change waiting in a change application."""
    from funds.models import Order
    from licensing import services as licensing

    staff_user = User.objects.get(pk=users[f"{key}_institution"].pk)
    institution = Institution.objects.get(pk=staff_user.institution_id)
    for member in institution.staff.all():
        inst.staff_check(actor=users[f"{key}_officer"], staff=member, kind="credential",
                         passed=True, note="证书原件与系统信息一致")
        inst.staff_check(actor=users[f"{key}_police"], staff=member, kind="record",
                         passed=True, note="无违法犯罪记录")
    _demo_application(institution, users[f"{key}_admin"], stop="completed", action="relicense")
    course = institution.courses.get(is_listed=True)
    plan = course.fee_plans.first()
    if plan is not None and not Order.objects.filter(institution=institution).exists():
        # Learners enrol through orders of the funds app (issue 11), under the fee plan.
        for n, (learner, guardian) in enumerate([("李小萌", "李华"), ("王子涵", "王芳"),
                                                 ("张一诺", "张伟")]):
            funds_services.order_create(
                actor=staff_user, institution=institution, course=course,
                learner_name=learner, guardian_name=guardian, guardian_phone=f"1380871{n:04d}",
                class_hours=plan.class_hours, months=plan.months, amount=plan.amount)
    slots = [Slot(s.weekday, s.start, s.end) for s in course.slots.all()]
    licensing.course_change_submit(
        actor=staff_user, course=course, name=course.name, mode=course.mode,
        is_academic=course.is_academic, lesson_minutes=course.lesson_minutes,
        break_minutes=course.break_minutes, class_hours=course.class_hours,
        price=course.price + 200, slots=slots, starts_on=course.starts_on,
        ends_on=course.ends_on)
