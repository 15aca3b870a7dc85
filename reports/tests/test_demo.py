"""The demo shows last month's county reports submitted (the forwarding city bureaus'
too, city education's consolidation waiting), this month's being filled in, discipline
inspection's proposals and a notice; a second load changes nothing."""

import pytest
from django.utils import timezone

from governance.models import EvaluationKind, EvaluationRecord, SupervisionProposal
from org.models import RegionLevel
from portal.demo import load_demo
from reports import monthly
from reports.models import MonthlyReport, ReportStatus, education_types

pytestmark = pytest.mark.django_db


def test_demo_monthly_reports_and_discipline_records():
    load_demo()
    today = timezone.localdate()
    this = today.replace(day=1)
    county = MonthlyReport.objects.filter(region__level=RegionLevel.COUNTY).exclude(period=this)
    assert county.exists()
    assert set(county.values_list("status", flat=True)) == {ReportStatus.SUBMITTED}
    assert MonthlyReport.objects.filter(period=this, status=ReportStatus.OPEN).exists()
    city_edu = MonthlyReport.objects.get(region__level=RegionLevel.CITY, period__lt=this,
                                         department__type=education_types()[0])
    assert city_edu.status == ReportStatus.OPEN
    assert monthly.table(city_edu).lines  # there is something to consolidate
    assert SupervisionProposal.objects.filter(follow_ups__rectified=True).exists()
    assert EvaluationRecord.objects.filter(kind=EvaluationKind.NOTICE).exclude(
        tasks=None).exists()
    counts = (MonthlyReport.objects.count(), SupervisionProposal.objects.count(),
              EvaluationRecord.objects.count())
    load_demo()
    assert counts == (MonthlyReport.objects.count(), SupervisionProposal.objects.count(),
                      EvaluationRecord.objects.count())
