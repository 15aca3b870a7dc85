"""What a principal may do to an institution's funds, beyond which rows it sees
(`funds.models.funds_scope_q`). The services ask the rule to refuse, the pages to offer."""

from __future__ import annotations

from typing import Any

import rules

from core.abilities import declare
from funds.models import FUNDS_DEPARTMENT_TYPES
from org.abilities import (
    is_department_officer,
    is_institution_staff,
    is_region_admin,
)
from org.scope import scope_of


@rules.predicate
def _funds_department(user: Any) -> bool:
    """Market regulation, financial regulation and education read the funds of their
    county's institutions (issue 11 "Access")."""
    return scope_of(user).department_type in FUNDS_DEPARTMENT_TYPES


@rules.predicate
def _own_institution(user: Any, institution: Any) -> bool:
    """No institution given (a page asking in general) passes; the gateway then limits
    the staff to their own institution."""
    return institution is None or scope_of(user).institution_id == getattr(
        institution, "pk", None)


@rules.predicate
def _funds_client(user: Any) -> bool:
    """A token client with `funds:write` (the institution's or the bank's system); the
    gateway limits it to its regions."""
    scope = scope_of(user)
    return scope.kind == "client" and "funds:write" in scope.client_scopes


#: Reading: the admins, the funds departments and the supervising departments' officers,
#: and the institution's staff (their own).
_readers = is_region_admin | is_department_officer | is_institution_staff


def load() -> None:
    #: The funds pages and the menu entry.
    declare("funds.view", _readers)
    #: Record the supervision arrangement (004 §4(4)): the admins and the officers of the
    #: supervising department (which one: the gateway's CHANGE rule).
    declare("funds.arrange", is_region_admin | is_department_officer)
    #: Sell a course (an order), record class consumption: the institution, or an admin
    #: entering it for the institution.
    declare("funds.sell", is_region_admin | is_institution_staff & _own_institution)
    declare("funds.consume", is_region_admin | is_institution_staff & _own_institution
            | _funds_client)
    #: A parent's dispute of a consumption record, taken by the institution or an officer.
    declare("funds.dispute", _readers)
    #: The supervising department decides a dispute.
    declare("funds.resolve", is_region_admin | is_department_officer)
    #: A refund of the unconsumed hours: the institution agrees, or the supervising
    #: department decides.
    declare("funds.refund", is_region_admin | is_department_officer | (
        is_institution_staff & _own_institution))
    #: Take a parent's refund request on the parent's behalf (the parent asks on the
    #: order page without signing in).
    declare("funds.request_refund", _readers | _funds_client)
    #: Answer a parent's refund request: the institution agrees or refuses (an admin may
    #: enter it for the institution); the supervising department decides a refused one
    #: (`funds.resolve`).
    declare("funds.answer_refund", is_region_admin | is_institution_staff & _own_institution)
    #: The institution's self-inspection of its prepaid fees (004 §4(4) 自查自纠).
    declare("funds.self_inspect", is_region_admin | is_institution_staff & _own_institution)
    #: A key spot check in the 平安消费 action (004 §4(4) 重点抽查): the admins and the
    #: supervising department (the gateway's CHANGE rule picks which officers).
    declare("funds.spot_check", is_region_admin | is_department_officer)
    #: Record the invoice issued for an order (002 §2(4)): the institution, or an admin.
    declare("funds.invoice", is_region_admin | is_institution_staff & _own_institution)
    #: Handle a risk warning (003): the admins and the supervising department (the
    #: gateway's CHANGE rule picks which officers).
    declare("funds.handle_warning", is_region_admin | is_department_officer)
    #: The risk ledger (一企一策, 003): open a plan, record its progress.
    declare("funds.risk_ledger", is_region_admin | is_department_officer)
    #: Import the custodian bank's statement.
    declare("funds.import_statement", is_region_admin | is_department_officer & _funds_department)
