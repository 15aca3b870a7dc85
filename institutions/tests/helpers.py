"""Builders shared by the tests of institutions and of the apps above it: a registered or
licensed institution, an import workbook, the records of an institution and a licensing
application brought to its conclusion."""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from cases.models import Task, TaskStatus
from core.vocab import Category, DepartmentType
from funds import services as funds_services
from institutions import imports, services
from institutions.models import InstitutionStatus
from institutions.rules import Slot, required_clauses
from licensing import services as licensing
from licensing.models import ApplicationAction, Stage
from org.models import Role
from portal.demo import demo_uscc
from tests.factories import UserFactory


def application_documents(institution, action=ApplicationAction.ESTABLISH):
    """A real PDF for every document the profile's licensing cell asks of the action
    (issue 14 C1)."""
    from tests.samplefiles import pdf

    return {d.code: SimpleUploadedFile(f"{d.code}.pdf", pdf(), content_type="application/pdf")
            for d in licensing.required_documents(institution, action)}


def register(world, key="a", n=1, category=Category.ARTS, **kw):
    county = world.county(key)
    args = dict(actor=county.users["county_admin"], name=f"机构{n}",
                uscc=demo_uscc(county.region.code, n), nature="for_profit", category=category,
                legal_representative="张三", safety_person="张三", address="人民路1号",
                region=county.town)
    args.update(kw)
    return services.institution_register(**args)


def licensed_with_gate(world, key="a", n=1, **kw):
    county = world.county(key)
    admin = county.users["county_admin"]
    inst = register(world, key, n, **kw)
    course = services.course_create(actor=admin, institution=inst, name="美术", mode="offline",
                                    is_academic=False, lesson_minutes=60, break_minutes=10,
                                    class_hours=40, price=Decimal("3000"),
                                    slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))])
    funds_services.arrangement_record(actor=admin, institution=inst, mode="bank_custody",
                                      custodian_bank="农行", account_number="6217",
                                      payment_channel="平台")
    services.gate_record(actor=admin, institution=inst, national_platform_account="QG1")
    services.course_list_on_platform(actor=admin, course=course)
    return services.institution_set_status(
        actor=admin, institution=inst, status=InstitutionStatus.LICENSED, reason="审核通过",
        licence_number="教民001号", issuer=county.depts[DepartmentType.EDUCATION_SPORTS])


def workbook_bytes(rows):
    """A register workbook in the template's columns, as bytes."""
    wb = Workbook()
    sheet = wb.active
    sheet.append([str(label) for _k, label in imports.COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook(rows):
    return SimpleUploadedFile("register.xlsx", workbook_bytes(rows))


def good_row(world, n, licence=""):
    return [f"导入机构{n}", demo_uscc(world.a.region.code, 100 + n), "for_profit", "arts", "张三",
            "张三", "人民路1号", world.a.town.code, "0871-1", licence]


def login(user):
    client = Client()
    client.force_login(user)
    return client


def staff_of(world, inst, key="a"):
    user = world.county(key).users["institution"]
    user.institution = inst
    user.save()
    return user


def plan_for(actor, course, amount="3000", hours=40):
    return services.fee_plan_create(
        actor=actor, course=course, name="一期", amount=Decimal(amount), months=3,
        class_hours=hours, refund_terms="未上课时按比例退费", contract_version="2021",
        contract_clauses=required_clauses())


def course_for(actor, inst, name="美术", price="3000", **kw):
    return services.course_create(actor=actor, institution=inst, name=name, mode="offline",
                                  is_academic=False, lesson_minutes=60, break_minutes=10,
                                  class_hours=40, price=Decimal(price),
                                  slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))], **kw)


def _to_conclusion(world, inst, submitter=None):
    # Imported here: tests.licensing_driver registers institutions through this module.
    from tests.licensing_driver import Driver

    app = licensing.application_submit(actor=submitter or world.a.users["county_admin"],
                                       institution=inst, action=ApplicationAction.ESTABLISH, documents=application_documents(inst, ApplicationAction.ESTABLISH))
    return Driver(world).advance_to(app, Stage.CONCLUSION)


def _finish_cosign(world, app):
    from cases.services import task_complete

    for task in Task.objects.filter(case=app.case, status=TaskStatus.OPEN, role="assist"):
        task_complete(actor=UserFactory(role=Role.OFFICER, department=task.department),
                      task=task, note="会签")
