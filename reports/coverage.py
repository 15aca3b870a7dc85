"""The coverage targets of 004 §2, measured per county from the records.

004 §2: 「到2023年12月底前，对校外培训监管数据稽核率达100%，证照齐全的校外培训机构100%纳入全国
监管平台进行监管，培训机构预收费资金监管100%全覆盖」. Each target is a share of one base, the
institutions with complete licences (证照齐全) the reader may open, and each is defined so that
it can be counted:

- ``platform``: a licensed institution is on the national platform when the registry records
  its national-platform account (``Institution.national_platform_account``, the account the
  enrollment gate of 000 §4(3) asks for).
- ``funds``: a share of money, not of institutions: the prepaid fees paid into supervision
  (the payments the fund ledger recorded, into custody or the dedicated account of a risk
  deposit, 004 §4(4)) against every prepaid fee the platform knows of (those payments plus
  the fees that self-inspections and spot checks found collected outside the supervised
  account), summed over the licensed institutions whose funds the reader may read
  (``funds.selectors.coverage`` and ``funds.selectors.prepaid``, one definition for the
  figure and its records). An institution meets it when it has a supervision arrangement
  (bank custody or risk deposit) and nothing was found collected outside it.
- ``audit``: its supervision data is audited when its ledger was reconciled with the
  custodian bank's balance (``funds.Reconciliation``, the daily reconciliation) within the
  last ``AUDIT_WINDOW_DAYS`` days. Assumption: the reconciliation is the one audit (稽核) of
  supervision data the system records; an institution under a risk deposit, whose bank
  reports no balance, counts as not audited, which is the gap the figure should show.

"Complete licences" is read as a licence in force: licensed or suspended
(``institutions.selectors.LICENSED_STATES``); an institution still applying, refused,
revoked or terminated has no complete licence. Every figure is read through the scope
gateway (``restrict()``), so a reader never counts an institution it may not open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from funds import selectors as funds_selectors
from funds.models import Arrangement, Reconciliation
from institutions.models import Institution
from institutions.selectors import LICENSED_STATES
from org.scope import Action

#: A reconciliation older than this no longer counts as an audit of today's data.
AUDIT_WINDOW_DAYS = 31


@dataclass(frozen=True)
class Target:
    key: str
    label: Any
    definition: Any


TARGETS: dict[str, Target] = {t.key: t for t in (
    Target("platform", _("On the national platform"),
           _("Licensed institutions whose national-platform account is recorded.")),
    Target("funds", _("Prepaid funds supervised"),
           _("Prepaid fees paid into supervision against all prepaid fees known (those paid "
             "in plus those self-inspections and spot checks found collected outside the "
             "supervised account), for the licensed institutions whose funds you may read. "
             "An institution meets it with a supervision arrangement and nothing collected "
             "outside it.")),
    Target("audit", _("Supervision data audited"),
           _("Licensed institutions whose fund ledger was reconciled with the bank in the "
             "last 31 days.")),
)}


def base(user: Any) -> QuerySet[Institution]:
    """The institutions with complete licences that `user` may open."""
    return Institution.objects.restrict(user, Action.VIEW).filter(status__in=LICENSED_STATES)


def annotated(user: Any, today: dt.date | None = None) -> QuerySet[Institution]:
    """The base, each row marked with whether it meets each target (one query)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=AUDIT_WINDOW_DAYS)
    arrangements = Arrangement.objects.restrict(user, Action.VIEW).filter(
        institution=OuterRef("pk"))
    audits = Reconciliation.objects.restrict(user, Action.VIEW).filter(
        institution=OuterRef("pk"), day__gt=since, day__lte=today)
    return base(user).annotate(
        met_platform=ExpressionWrapper(~Q(national_platform_account=""),
                                        output_field=BooleanField()),
        met_funds=Exists(arrangements),
        met_audit=Exists(audits))


def institutions(user: Any, *, target: str, county: str = "", met: bool | None = None,
                 today: dt.date | None = None) -> QuerySet[Institution]:
    """The records behind one coverage figure: the base of a county, optionally only those
    that meet (or miss) `target`; each row's `met` says whether it meets it."""
    qs = annotated(user, today).select_related("region")
    if target == "funds":
        qs = funds_selectors.prepaid(
            qs.filter(pk__in=funds_selectors.fund_institutions(user).values("pk"))
        ).annotate(met=ExpressionWrapper(Q(met_funds=True, prepaid_outside=0),
                                         output_field=BooleanField()))
    else:
        qs = qs.annotate(met=F(f"met_{target}"))
    if county:
        qs = qs.filter(region__path__contains=f"/{county}/")
    if met is not None:
        qs = qs.filter(met=met)
    return qs.order_by("name", "id")
