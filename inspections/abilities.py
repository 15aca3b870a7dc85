"""What a principal may do in annual and daily inspections and rectification, beyond
which rows it sees. Round abilities take `(region, category)` as their target."""

from __future__ import annotations

from typing import Any

import rules

from core.abilities import declare
from org.abilities import (
    has_role,
    in_region,
    is_coordinator,
    is_department_head,
    is_department_officer,
    is_institution_staff,
    is_unrestricted,
)
from org.models import Role
from org.scope import scope_of

OFFICE_ROLES = (Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.JOINT_OFFICE, Role.DISCIPLINE,
                Role.OFFICER, Role.DEPARTMENT_HEAD, Role.GRID_OFFICER, Role.SOCIAL_SUPERVISOR)


def _annual_cells(user: Any, target: Any) -> list[Any]:
    from core.vocab import Phase
    from policy.profile import active_profile

    scope = scope_of(user)
    profile = active_profile()
    if isinstance(target, tuple):
        county, categories = target[0].county_code, (target[1],)
    else:
        county, categories = scope.county_code, profile.supervised_categories
    cells = [profile.cell(c, Phase.ANNUAL_INSPECTION, county) for c in categories]
    return [c for c in cells if c is not None]


@rules.predicate
def _leads_annual(user: Any, target: Any) -> bool:
    """The lead department of the (category, annual inspection) cell (000 §3(1)2, (2)2,
    (3)2: it makes the plan and groups, coordinates and publishes the results). No
    target: the lead of some supervised category in the user's county."""
    kind = scope_of(user).department_type
    return any(cell.lead.department_type == kind for cell in _annual_cells(user, target))


@rules.predicate
def _in_annual_cell(user: Any, target: Any) -> bool:
    """The lead or an assisting department of the cell (000 §3: 教育体育部门配合开展年检)."""
    kind = scope_of(user).department_type
    return any(kind in cell.department_types() for cell in _annual_cells(user, target))


@rules.predicate
def _on_inspection(user: Any, inspection: Any) -> bool:
    """A department with a task on the inspection's case, or a named inspector."""
    if inspection is None:
        return True
    scope = scope_of(user)
    return inspection.case.tasks.filter(department_id=scope.department_id).exists() or \
        inspection.inspectors.filter(pk=scope.user_id).exists()


@rules.predicate
def _own_order(user: Any, order: Any) -> bool:
    return order is not None and order.institution_id is not None and \
        scope_of(user).institution_id == order.institution_id


@rules.predicate
def _order_department(user: Any, order: Any) -> bool:
    """The department an order (or an enforcement case) belongs to; no object passes."""
    return order is None or scope_of(user).department_id == order.department_id


@rules.predicate
def _town_officer(user: Any, target: Any) -> bool:
    """A town's (镇/街道) officers and grid officers; on a stop order, those of the town
    that issued it (001 §4(2)19)."""
    from core.vocab import DepartmentType

    scope = scope_of(user)
    if scope.department_type != DepartmentType.TOWN_GOVERNMENT:
        return False
    order_department = getattr(target, "department_id", None)
    return order_department is None or order_department == scope.department_id


def load() -> None:
    #: The office pages of inspections: every office role.
    declare("inspections.view", is_unrestricted | has_role(*OFFICE_ROLES))
    #: Rectification orders: the office, and an institution's staff its own.
    declare("inspections.view_orders",
            is_unrestricted | has_role(*OFFICE_ROLES) | is_institution_staff)
    #: Plan a round, form its groups, assign institutions: the admins and the lead
    #: department's officers (000 §3(1)2).
    declare("inspections.plan_round", is_unrestricted | in_region & (
        has_role(Role.COUNTY_ADMIN, Role.CITY_ADMIN) | is_department_officer & _leads_annual))
    #: Record an institution's result: officers of the lead or assisting departments.
    declare("inspections.record_result",
            is_unrestricted | in_region & is_department_officer & _in_annual_cell)
    #: Publish the results: the head of the lead department (000 §3: 负责公示年检结果).
    declare("inspections.publish_results",
            is_unrestricted | in_region & is_department_head & _leads_annual)
    #: Plan a daily inspection: coordinators, department officers and grid officers
    #: (002 §2(2): 网格化排查).
    declare("inspections.open_daily", is_unrestricted | in_region & (
        is_coordinator | is_department_officer | has_role(Role.GRID_OFFICER)))
    #: Fill the inspection form on site.
    declare("inspections.inspect", is_unrestricted | (
        has_role(Role.OFFICER, Role.DEPARTMENT_HEAD, Role.GRID_OFFICER) & _on_inspection))
    #: Draw a random check (双随机): coordinators and department heads.
    declare("inspections.random_draw",
            is_unrestricted | in_region & (is_coordinator | is_department_head))
    #: The institution submits its rectification evidence through its portal.
    declare("inspections.submit_evidence", is_institution_staff & _own_order)
    #: Conclude a zombie cleanup (000 §4(3)): the admins and department heads.
    declare("inspections.close_zombie",
            is_unrestricted | in_region & (has_role(Role.COUNTY_ADMIN, Role.CITY_ADMIN) |
                                           is_department_head))
    #: Hand a finding to enforcement: coordinators and department officers.
    declare("inspections.open_enforcement",
            is_unrestricted | in_region & (is_coordinator | is_department_officer))
    #: Decide the penalty: the head of the competent department.
    declare("inspections.decide_penalty",
            is_unrestricted | is_department_head & _order_department)
    #: Black-list an institution (004 §6(4)): the admins and department officers (the
    #: register's own rule then asks for the institution's supervising department).
    declare("inspections.blacklist", is_unrestricted | in_region & (
        has_role(Role.COUNTY_ADMIN, Role.CITY_ADMIN) | is_department_officer))
    #: Appeal (申诉): the institution's own staff.
    declare("inspections.appeal", is_institution_staff & _own_order)
    #: Decide an appeal, approve a removal: the head of the listing department.
    declare("inspections.decide_blacklist",
            is_unrestricted | is_department_head & _order_department)
    #: Order unlicensed training to stop, and report the order kept or defied: the town's
    #: officers and grid officers (001 §4(2)19: 强化网格员日常巡查……责令停止).
    declare("inspections.stop_order", is_unrestricted | in_region & has_role(
        Role.OFFICER, Role.DEPARTMENT_HEAD, Role.GRID_OFFICER) & _town_officer)
    #: Re-check an order: the officers of the department that issued it.
    declare("inspections.recheck", is_unrestricted | is_department_officer & _order_department)
    #: Download the credit export (licences, penalties, spot checks, black list) for the
    #: credit systems: the coordinators and department heads, of their region.
    declare("inspections.credit_export",
            is_unrestricted | in_region & (is_coordinator | is_department_head))
