"""Stop orders by a town (责令停止, 001 §4(2)19): a town's grid officers order unlicensed
training to stop; if the operator defies the order (不听警告、继续培训且暴力抗法), the town
reports it and it goes up at once, on the shared task engine, to the joint office
(区"双减"专班办公室), which organises joint enforcement, and to the supervising department
of the training's category (对应业务主管部门, the profile's `supervisors`).

Services here follow the rest of the app (inspections.services): atomic, checked with the
app's abilities, audited, cases and tasks opened through `cases.services` as the system.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import services as case_services
from cases.audit import audit_record, snapshot
from cases.models import Notification, Task, TaskRole, TaskStatus
from core.abilities import require
from core.errors import DomainError, InvalidState
from core.vocab import Category, DepartmentType, Phase, Step
from inspections.kinds import STOP_ORDER
from inspections.models import DailyInspection, StopOrder, StopOrderState, ViolationType
from inspections.services import department_of
from institutions.models import Institution
from org.models import Department, Region, RegionLevel, Role, User
from org.scope import scope_of
from policy.profile import active_profile

#: The taxonomy's item for training without a licence (inspections.reference.VIOLATIONS).
UNLICENSED = "unlicensed"
FIELDS = ["region", "department", "institution", "subject_name", "site_address", "category",
          "activity", "daily", "state", "report", "supervisor"]


def issuing_department(actor: User, region: Region) -> Department:
    """The town (镇/街道) that issues: the actor's own town department, or for a system
    administrator the town government serving the region."""
    if actor.department_id and actor.department.type == DepartmentType.TOWN_GOVERNMENT:
        return actor.department
    if scope_of(actor).unrestricted:
        return department_of(DepartmentType.TOWN_GOVERNMENT, region)
    raise DomainError(_("Only a town or street government orders training to stop."))


def supervisor_of(category: str, region: Region) -> Department:
    """The supervising department of the category (001 §3(2): the profile's
    `supervisors`); where the profile names none (academic training, which no city
    licenses anew), the lead of its daily supervision, else the competent department of
    unlicensed training in the violation taxonomy (000 §4(2); 004 §5)."""
    profile = active_profile()
    kind = profile.supervisor_type(category) or profile.lead_type(
        category, Phase.DAILY_SUPERVISION, region.county_code) or ViolationType.objects.filter(
        code=UNLICENSED).values_list("competent_department", flat=True).first()
    if kind is None:
        raise DomainError(_("The policy profile names no supervising department for this "
                            "category."), field="category")
    return department_of(kind, region)


@transaction.atomic
def stop_order_issue(*, actor: User, region: Region, activity: str, category: str = "",
                     institution: Institution | None = None, subject_name: str = "",
                     site_address: str = "", daily: DailyInspection | None = None
                     ) -> StopOrder:
    """001 §4(2)19: the town orders the operator to stop; its own task is to see that the
    training stops."""
    if institution is not None:
        region = institution.region
        category = category or institution.category
    require(actor, "inspections.stop_order", region)
    if region.level < RegionLevel.TOWN:
        raise DomainError(_("A stop order is issued in a town or grid."), field="region")
    if institution is None and not subject_name.strip():
        raise DomainError(_("Name the institution or the operator."), field="subject_name")
    if category not in Category.values:
        raise DomainError(_("Say what kind of training it is."), field="category")
    if not activity.strip():
        raise DomainError(_("Describe the training that must stop."), field="activity")
    department = issuing_department(actor, region)
    if not region.path.startswith(department.region.path):
        raise DomainError(_("This town does not serve the region."), field="region")
    subject = institution.name if institution is not None else subject_name.strip()
    case = case_services.case_open(
        actor=None, kind=STOP_ORDER, region=region, institution=institution, category=category,
        phase=Phase.DAILY_SUPERVISION, title=_("Stop order: %(subject)s") % {"subject": subject},
        description=activity.strip())
    case_services.task_assign(actor=None, case=case, department=department, role=TaskRole.LEAD,
                              step=Step.PATROL,
                              duty=_("See that the training has stopped, or report it defied"))
    order = StopOrder.objects.create(
        case=case, region=region, department=department, institution=institution,
        subject_name=subject_name.strip() if institution is None else "",
        site_address=site_address.strip(), category=category, activity=activity.strip(),
        daily=daily, issued_by=actor)
    audit_record(actor=actor, action="inspections.stop.issue", case=case, obj=order,
                 after=snapshot(order, FIELDS))
    return order


def _locked(order: StopOrder) -> StopOrder:
    locked = StopOrder.objects.select_for_update(of=("self",)).select_related(
        "case__region", "region", "department").get(pk=order.pk)
    if locked.state != StopOrderState.ISSUED:
        raise InvalidState(_("This stop order has already been concluded."))
    return locked


def _lead_task(order: StopOrder) -> Task | None:
    return Task.objects.filter(case=order.case, role=TaskRole.LEAD,
                               status=TaskStatus.OPEN).first()


@transaction.atomic
def stop_order_comply(*, actor: User, order: StopOrder, note: str) -> StopOrder:
    """The town found the training stopped: its task is done and the case closes."""
    require(actor, "inspections.stop_order", order)
    order = _locked(order)
    if not note.strip():
        raise DomainError(_("Say what was found."), field="note")
    before = snapshot(order, FIELDS)
    order.state = StopOrderState.COMPLIED
    order.report = note.strip()
    order.reported_at = timezone.now()
    order.save(update_fields=["state", "report", "reported_at"])
    task = _lead_task(order)
    if task is not None:
        case_services.task_complete(actor=None, task=task, note=note.strip())
    case_services.case_close(actor=None, case=order.case, reason=note.strip())
    audit_record(actor=actor, action="inspections.stop.comply", case=order.case, obj=order,
                 before=before, after=snapshot(order, FIELDS))
    return order


@transaction.atomic
def stop_order_report_defied(*, actor: User, order: StopOrder, report: str) -> list[Task]:
    """001 §4(2)19: 对不听警告、继续培训且暴力抗法的……及时上报区"双减"专班办公室和对应业务
    主管部门，组织相关监管部门联合执法. The town's task is done with its report; the joint
    office (at its host department) gets a task to organise joint enforcement, and the
    supervising department of the category a task to take the case up. The office's staff
    are told."""
    require(actor, "inspections.stop_order", order)
    order = _locked(order)
    if not report.strip():
        raise DomainError(_("Describe how the order was defied."), field="report")
    before = snapshot(order, FIELDS)
    supervisor = supervisor_of(order.category, order.region)
    # The office sits at the department the profile names (001 §4(1): 联席会议办公室设在区
    # 教育局): its task goes to that department of the county; the office's staff are told.
    host = department_of(active_profile().joint_office_host, order.region)
    order.state = StopOrderState.DEFIED
    order.report = report.strip()
    order.reported_at = timezone.now()
    order.supervisor = supervisor
    order.save(update_fields=["state", "report", "reported_at", "supervisor"])
    task = _lead_task(order)
    if task is not None:
        case_services.task_complete(actor=None, task=task, note=report.strip())
    tasks = [case_services.task_assign(
        actor=None, case=order.case, department=host, role=TaskRole.LEAD,
        step=Step.ENFORCEMENT,
        duty=_("Joint office: organise joint enforcement against the defied stop order"))]
    if supervisor.pk != host.pk:
        tasks.append(case_services.task_assign(
            actor=None, case=order.case, department=supervisor, role=TaskRole.ASSIST,
            step=Step.ENFORCEMENT,
            duty=_("Supervising department: take up the defied stop order")))
    office = User.objects.filter(role=Role.JOINT_OFFICE, is_active=True,
                                 region__code__in=order.region.ancestor_codes())
    case_services.notify(recipients=list(office), kind=Notification.Kind.ESCALATION,
                         title=gettext_lazy("Stop order defied: %(number)s"),
                         title_params={"number": order.case.number}, body=report.strip(),
                         case=order.case)
    audit_record(actor=actor, action="inspections.stop.defied", case=order.case, obj=order,
                 before=before, after={**snapshot(order, FIELDS),
                                       "tasks": [t.department_id for t in tasks]})
    return tasks
