"""The demo (portal.demo.load_demo) shows inspections in every state (issue 9 "Done
when": a round in progress, daily inspections of every kind, open and closed orders)."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from inspections.models import (
    AnnualResult,
    DailyInspection,
    DailyMode,
    DailyState,
    InspectionRound,
    InspectionYear,
    OrderState,
    RandomDraw,
    RectificationOrder,
    RoundState,
    ZombieCleanup,
)
from inspections.services import draw_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _complaint_topics(db):  # type: ignore[no-untyped-def]
    """The demo files complaints: their topics are migration data, which a transactional
    browser test elsewhere flushes."""
    from complaints.tests.conftest import seed_taxonomy

    seed_taxonomy()


def test_demo_has_inspections_in_every_state_and_is_idempotent():
    call_command("load_demo", verbosity=0)
    counts = (InspectionRound.objects.count(), DailyInspection.objects.count(),
              RectificationOrder.objects.count())
    call_command("load_demo", verbosity=0)
    assert counts == (InspectionRound.objects.count(), DailyInspection.objects.count(),
                      RectificationOrder.objects.count())
    assert set(InspectionRound.objects.values_list("state", flat=True)) == set(RoundState.values)
    results = {r for rnd in InspectionRound.objects.all()
               for r in rnd.inspections.values_list("result", flat=True)}
    assert results == set(AnnualResult.values)
    assert set(DailyInspection.objects.values_list("mode", flat=True)) == set(DailyMode.values)
    assert set(DailyInspection.objects.values_list("state", flat=True)) == \
        set(DailyState.values)
    assert DailyInspection.objects.filter(institution__isnull=True).exists()
    assert {OrderState.OPEN, OrderState.CLOSED} <= \
        set(RectificationOrder.objects.values_list("state", flat=True))
    assert InspectionYear.objects.filter(inspected=False).exists()
    assert all(draw_verify(d) for d in RandomDraw.objects.all())
    assert ZombieCleanup.objects.filter(outcome="").exists()


def test_demo_has_rows_for_the_credit_export_and_the_records():
    """A spot-check result, a decided fine and an unlicensed operator black-listed by an
    entry with its case (004 §6(4))."""
    from inspections.models import BlacklistEntry, Enforcement
    from institutions.models import InstitutionStatus

    call_command("load_demo", verbosity=0)
    assert DailyInspection.objects.filter(mode=DailyMode.RANDOM,
                                          state=DailyState.DONE).exists()
    assert Enforcement.objects.filter(penalty="fine", institution__isnull=False).exists()
    assert BlacklistEntry.objects.filter(
        state="listed", institution__status=InstitutionStatus.APPLYING).exists()


def test_demo_shows_safety_checklists_stop_orders_penalties_and_targets():
    from core.vocab import DepartmentType
    from inspections import targets
    from inspections.models import Enforcement, StopOrder, StopOrderState
    from org.models import User
    from policy.profile import active_profile

    call_command("load_demo", verbosity=0)
    safety = DailyInspection.objects.filter(mode=DailyMode.SAFETY)
    assert {DepartmentType.PUBLIC_SECURITY, DepartmentType.MARKET_REGULATION,
            DepartmentType.FIRE_RESCUE} <= set(safety.values_list("template__department_type",
                                                                   flat=True))
    assert set(StopOrder.objects.values_list("state", flat=True)) == set(StopOrderState.values)
    assert Enforcement.objects.filter(penalty="fine", fine_amount__gt=0).exists()
    admin = User.objects.filter(username__endswith="_admin", role="county_admin").first()
    assert active_profile().rule("complaint_target_threshold")
    assert targets.complaint_targets(admin, today=timezone.localdate()).rows
