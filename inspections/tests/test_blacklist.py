"""Black list entries (004 §6(4)): listing with reason and evidence, the appeal with its
deadline, decision and reason, and removal after a completed rectification approved by a
department head."""

from __future__ import annotations

import pytest

from core.errors import DomainError, InvalidState, PermissionDenied
from inspections import services
from inspections.models import AppealState, BlacklistEntry, BlacklistState
from inspections.tests.helpers import make_daily
from institutions.models import ListStatus
from institutions.tests.helpers import licensed_with_gate, staff_of
from tests.factories import UserFactory, World

pytestmark = pytest.mark.django_db


def _listed(world: World) -> BlacklistEntry:
    inst = licensed_with_gate(world)
    assert inst.list_status == ListStatus.WHITE
    daily = make_daily(world, institution=inst)
    return services.blacklist_enter(actor=world.a.users["county_admin"], institution=inst,
                                    reason="以美术名义开展学科类培训", daily=daily)


def culture_head(world: World):
    """Kunming: culture-tourism supervises arts institutions (000 §3(1)); its head decides
    on the listings it handles."""
    return UserFactory(username="a_culture_head", role="department_head",
                       department=world.a.users["culture"].department)


def test_listing_leaves_the_white_list_with_reason_evidence_and_case(world: World):
    entry = _listed(world)
    entry.institution.refresh_from_db()
    assert entry.institution.list_status == ListStatus.BLACK
    assert entry.daily is not None and entry.case.number.startswith("HM-")
    with pytest.raises(InvalidState):  # once
        services.blacklist_enter(actor=world.a.users["county_admin"],
                                 institution=entry.institution, reason="再次")
    with pytest.raises(PermissionDenied):
        services.blacklist_enter(actor=world.b.users["county_admin"],
                                 institution=entry.institution, reason="越权")


def test_appeal_granted_lifts_the_listing(world: World):
    entry = _listed(world)
    staff = staff_of(world, entry.institution)
    with pytest.raises(DomainError):
        services.appeal_submit(actor=staff, entry=entry, text="")
    services.appeal_submit(actor=staff, entry=entry, text="所授为书法，非学科类")
    entry.refresh_from_db()
    assert entry.appeal_state == AppealState.PENDING and entry.appeal_due is not None
    assert entry.case.tasks.get().due_date == entry.appeal_due
    with pytest.raises(InvalidState):
        services.appeal_submit(actor=staff, entry=entry, text="再次申诉")
    with pytest.raises(PermissionDenied):
        services.appeal_decide(actor=world.a.users["head"], entry=entry, grant=True,
                               reason="核实")  # education's head: not the department
    services.appeal_decide(actor=culture_head(world), entry=entry, grant=True,
                           reason="经核实课程为书法，不属学科类")
    entry.refresh_from_db()
    entry.institution.refresh_from_db()
    assert entry.state == BlacklistState.REMOVED
    assert entry.institution.list_status == ListStatus.WHITE  # licence and gate still hold


def test_appeal_rejected_keeps_the_listing(world: World):
    entry = _listed(world)
    services.appeal_submit(actor=staff_of(world, entry.institution), entry=entry, text="申诉")
    services.appeal_decide(actor=culture_head(world), entry=entry, grant=False,
                           reason="证据确凿")
    entry.refresh_from_db()
    assert (entry.appeal_state, entry.state) == (AppealState.UPHELD, BlacklistState.LISTED)


def test_removal_needs_a_completed_rectification_and_a_head(world: World):
    entry = _listed(world)
    head = culture_head(world)
    assert entry.department == head.department
    with pytest.raises(InvalidState):
        services.blacklist_remove(actor=head, entry=entry, reason="已整改")
    order = services.order_open(actor=None, department=entry.department,
                                institution=entry.institution, region=entry.institution.region,
                                findings="停止学科类培训")
    services.order_recheck(actor=world.a.users["culture"], order=order, passed=True,
                           note="复查合格")
    for other in (world.a.users["culture"], world.a.users["head"]):  # not a head; not its
        with pytest.raises(PermissionDenied):
            services.blacklist_remove(actor=other, entry=entry, reason="已整改")
    services.blacklist_remove(actor=head, entry=entry, reason="整改到位，科长批准移出")
    entry.refresh_from_db()
    entry.institution.refresh_from_db()
    assert entry.state == BlacklistState.REMOVED
    assert entry.institution.list_status == ListStatus.WHITE
