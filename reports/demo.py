"""Demo monthly reports (called from portal/demo.py after the counties): last month's
county reports filled in and submitted, the city science, culture-tourism and sports
bureaus' forwarded, city education's consolidation waiting (so the demo shows it being
done), and this month's reports being filled in. Idempotent: the beat job opens each
report once, and a submitted report is left alone."""

from __future__ import annotations

import datetime as dt

from org.models import RegionLevel, User
from reports import services
from reports.models import MonthlyReport, ReportStatus, education_types


def load(city_admin: User, county_admins: dict[str, User], today: dt.date) -> None:
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    services.monthly_open(period=last, today=today)
    services.monthly_open(period=today, today=today)
    for report in MonthlyReport.objects.filter(
            period=last, status=ReportStatus.OPEN, region__level=RegionLevel.COUNTY
    ).select_related("region", "department"):
        admin = county_admins.get(report.region.code)
        if admin is None:
            continue
        rows = {row.pk: {"key_problems": "无证培训、超标超前培训、预收费资金未纳入监管",
                         "systems": 1, "effects": "排查整治有序推进，群众投诉明显下降。",
                         "shortcomings": "部分机构整改进度偏慢。"}
                for row in report.rows.all()}
        services.monthly_save(actor=admin, report=report, rows=rows, fields={
            "post": "科长", "contact": "0871-65000000", "typical_batches": 1,
            "typical_cases": 2, "results_batches": 1, "results_projects": 1})
        services.monthly_submit(actor=admin, report=report)
    for report in MonthlyReport.objects.filter(
            period=last, status=ReportStatus.OPEN, region__level=RegionLevel.CITY
    ).exclude(department__type__in=education_types()).select_related("region", "department"):
        services.monthly_submit(actor=city_admin, report=report)
