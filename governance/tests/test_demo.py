"""The demo shows a meeting with issued minutes and overdue, escalated tasks, minutes
awaiting confirmation, a planned consultation, and a campaign mid-way with its problems in
every state; a second load changes nothing."""

import pytest

from cases.models import Escalation
from governance.models import (
    AfterSchoolEvaluation,
    AfterSchoolSelection,
    AfterSchoolStatus,
    Campaign,
    Incident,
    IncidentStatus,
    Meeting,
    MeetingStatus,
    Problem,
    ProblemStatus,
    RosterEntry,
)
from portal.demo import load_demo

pytestmark = pytest.mark.django_db


def test_demo_meetings_and_campaigns():
    load_demo()
    counts = (Meeting.objects.count(), Problem.objects.count(), RosterEntry.objects.count())
    assert set(Meeting.objects.values_list("status", flat=True)) == set(MeetingStatus.values)
    assert Escalation.objects.filter(task__case__kind="meeting_decision").exists()
    assert set(Problem.objects.values_list("status", flat=True)) == set(ProblemStatus.values)
    assert RosterEntry.objects.filter(end__isnull=False).exists()
    assert Campaign.objects.count() == 2  # one per district
    # Issue 12: an incident in progress with an overdue, escalated lead task, and an
    # after-school selection evaluated for a term.
    incident = Incident.objects.filter(status=IncidentStatus.OPEN).first()
    assert incident is not None and Escalation.objects.filter(task__case=incident.case).exists()
    assert AfterSchoolEvaluation.objects.filter(
        selection__status=AfterSchoolStatus.SELECTED).exists()
    extras = (Incident.objects.count(), AfterSchoolSelection.objects.count())
    load_demo()
    assert (Meeting.objects.count(), Problem.objects.count(),
            RosterEntry.objects.count()) == counts
    assert (Incident.objects.count(), AfterSchoolSelection.objects.count()) == extras
