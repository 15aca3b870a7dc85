"""Builders for the dashboards' tests: rows made straight in the tables (the figures are
read-only views of them), so a test can grow a county by hundreds of rows quickly."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from cases.models import Task
from core.vocab import Category, DepartmentType
from funds.models import Arrangement, Mode, Reconciliation
from institutions.models import Institution, InstitutionStatus
from portal.demo import demo_uscc
from tests.factories import make_case


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def institution(world, key="a", n=1, *, status=InstitutionStatus.LICENSED,
                category=Category.ARTS, platform=False, funds=False, audited=False,
                supervisor=DepartmentType.CULTURE_TOURISM):
    """An institution of county `key`; licensed ones with a licence number; on the
    platform, under fund supervision and reconciled recently as asked."""
    county = world.county(key)
    licensed = status in (InstitutionStatus.LICENSED, InstitutionStatus.SUSPENDED)
    inst = Institution.objects.create(
        name=f"{county.region.name}机构{n}", uscc=demo_uscc(county.region.code, n),
        nature="for_profit", category=category, legal_representative="张三",
        safety_person="张三", address="人民路1号", region=county.town, status=status,
        licence_number=f"教民{key}{n:04d}号" if licensed else "",
        supervising_department=county.depts[supervisor],
        national_platform_account=f"QG{n}" if platform else "")
    if funds or audited:
        Arrangement.objects.create(institution=inst, mode=Mode.BANK_CUSTODY,
                                   custodian_bank="农业银行", account_number=f"6228{n:08d}")
    if audited:
        Reconciliation.objects.create(institution=inst, day=timezone.localdate(),
                                      bank_balance=0, ledger_balance=0, difference=0)
    return inst


def overdue_task(world, key="a", *, dept=DepartmentType.EDUCATION_SPORTS, days=3,
                 escalated=False) -> Task:
    """An open task of county `key` whose due date passed `days` ago."""
    county = world.county(key)
    case = make_case(county)
    task = Task.objects.create(case=case, department=county.depts[dept], role="lead",
                               duty="办理事项",
                               due_date=timezone.localdate() - dt.timedelta(days=days),
                               escalation_level=1 if escalated else 0)
    return task


def rows_behind(client, link: str) -> int:
    """How many rows the list at `link` shows: its paginator's count, or, for a keyset
    list (issue 13: no COUNT(*)), the rows of every page followed by `after`."""
    response = client.get(link)
    assert response.status_code == 200, link
    page = response.context["page"]
    if not getattr(page, "keyset", False):
        return page.paginator.count
    total = len(page.object_list)
    while page.has_next:
        sep = "&" if "?" in link else "?"
        page = client.get(f"{link}{sep}after={page.next_token}").context["page"]
        total += len(page.object_list)
    return total
