"""The demo shows complaints through every channel but Open311 and in every state, with a
merged repeat and an overdue one, and a second load changes nothing."""

import pytest

from cases.models import Task
from complaints.models import (
    Channel,
    Complaint,
    ComplaintFile,
    ComplaintStatus,
    FileStage,
    Outcome,
    ReportBack,
)
from portal.demo import load_demo

pytestmark = pytest.mark.django_db


def test_demo_complaints_cover_channels_and_states():
    load_demo()
    count = Complaint.objects.count()
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert statuses == set(ComplaintStatus.values)
    channels = set(Complaint.objects.values_list("channel", flat=True))
    assert channels == set(Channel.values) - {Channel.OPEN311}
    assert Task.objects.filter(case__kind="complaint", overdue_since__isnull=False).exists()
    # handling opened real records, evidence was filed, forwarded ones reported back up
    kinds = set(Complaint.objects.exclude(outcome_link_kind="").values_list(
        "outcome_link_kind", flat=True))
    assert Outcome.RECTIFICATION in kinds
    assert ComplaintFile.objects.filter(stage=FileStage.VERIFICATION).exists()
    assert ReportBack.objects.filter(reported_at__isnull=False).exists()
    assert ReportBack.objects.filter(reported_at__isnull=True).exists()
    assert Complaint.objects.exclude(explanation="").exists()
    load_demo()
    assert Complaint.objects.count() == count
