"""What a principal may do with cases and tasks, beyond which rows it sees."""

from __future__ import annotations

from core.abilities import declare
from org.abilities import (
    has_department,
    in_region,
    is_coordinator,
    is_department_head,
    is_region_admin,
    owns_department,
)


def load() -> None:
    #: Open a case by hand (the case-open form), in a region of one's own.
    declare("cases.open_case", is_coordinator & in_region)
    #: Hand a task to another department (a head reassigns within the department only).
    declare("cases.move_task", is_region_admin)
    #: Pick people and departments across the region when assigning (a head picks within
    #: the department).
    declare("cases.assign_across_departments", is_coordinator)
    #: Assign a new task to a department: coordinators anywhere in their region, a head
    #: within the department.
    declare("cases.assign_to_department", is_coordinator | (is_department_head &
                                                            owns_department))
    #: The county overview and bulk assignment of the tasks one may assign.
    declare("cases.oversee_tasks", is_region_admin | is_department_head)
    #: The county's (or city's) figures on the dashboard.
    declare("cases.view_county_overview", is_region_admin)
    #: Bulk assignment on the department's queue.
    declare("cases.bulk_assign_department", is_department_head)
    #: The department's queue.
    declare("cases.view_department_tasks", has_department)
