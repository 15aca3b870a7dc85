"""What a principal may do to a licensing application, beyond which rows it sees."""

from __future__ import annotations

from typing import Any

import rules

from core.abilities import declare
from org.abilities import is_department_head


@rules.predicate
def _heads_the_task_department(user: Any, task: Any) -> bool:
    return task is not None and user.department_id == task.department_id


def load() -> None:
    #: The conclusion, by the head of the approving department (001 §4(2)4; 000 §3).
    declare("licensing.conclude", is_department_head & _heads_the_task_department)
