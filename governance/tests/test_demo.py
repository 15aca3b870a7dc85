"""The demo shows a meeting with issued minutes and overdue, escalated tasks, minutes
awaiting confirmation, a planned consultation, and a campaign mid-way with its problems in
every state; a second load changes nothing."""

import pytest
from django.utils import timezone

from cases.models import Escalation
from governance.models import (
    AfterSchoolEvaluation,
    AfterSchoolSelection,
    AfterSchoolStatus,
    Campaign,
    FilingKind,
    Incident,
    IncidentStatus,
    Meeting,
    MeetingStatus,
    Problem,
    ProblemStatus,
    RectificationMeasure,
    RosterEntry,
    ScreeningEntity,
    ScreeningOutcome,
    ScreeningOutcomeKind,
    SpotCheck,
    UnitFiling,
)
from org.models import RegionLevel
from portal.demo import load_demo

pytestmark = pytest.mark.django_db


def test_demo_meetings_and_campaigns():
    load_demo()
    counts = (Meeting.objects.count(), Problem.objects.count(), RosterEntry.objects.count())
    assert set(Meeting.objects.values_list("status", flat=True)) == set(MeetingStatus.values)
    assert Escalation.objects.filter(task__case__kind="meeting_decision").exists()
    assert set(Problem.objects.values_list("status", flat=True)) == set(ProblemStatus.values)
    assert RosterEntry.objects.filter(end__isnull=False).exists()
    assert Campaign.objects.filter(region__level=RegionLevel.COUNTY).count() == 2
    # Issue 12: an incident in progress with an overdue, escalated lead task, and an
    # after-school selection evaluated for a term.
    incident = Incident.objects.filter(status=IncidentStatus.OPEN).first()
    assert incident is not None and Escalation.objects.filter(task__case=incident.case).exists()
    assert AfterSchoolEvaluation.objects.filter(
        selection__status=AfterSchoolStatus.SELECTED).exists()
    extras = (Incident.objects.count(), AfterSchoolSelection.objects.count())
    # issue 12, governance part A
    assert RectificationMeasure.objects.filter(done_on__isnull=True,
                                               node__lt=timezone.localdate()).exists()
    assert SpotCheck.objects.count() == 2
    assert set(UnitFiling.objects.values_list("kind", flat=True)) == set(FilingKind.values)
    assert set(ScreeningOutcome.objects.values_list("kind", flat=True)) == set(
        ScreeningOutcomeKind.values)
    assert ScreeningEntity.objects.filter(case__isnull=False, outcome__isnull=True).exists()
    assert ScreeningEntity.objects.filter(institution__isnull=False).exists()
    city = Campaign.objects.get(region__level=RegionLevel.CITY)
    assert city.phases.count() == 5
    assert sorted(p.filed_at is not None for p in city.county_plans.all()) == [False, True]
    outcomes = ScreeningOutcome.objects.count()
    load_demo()
    assert (Meeting.objects.count(), Problem.objects.count(),
            RosterEntry.objects.count()) == counts
    assert (Incident.objects.count(), AfterSchoolSelection.objects.count()) == extras
    assert ScreeningOutcome.objects.count() == outcomes and Campaign.objects.count() == 3
