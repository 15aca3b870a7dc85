"""The case kinds this app owns: annual-inspection rounds (年检, "NJ-…"), daily
inspections (日常检查, "JC-…") and rectification orders (整改, "ZG-…"). None is opened by
hand; each is opened by its service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.kinds import CaseKindSpec, steps_of
from core.vocab import Step
from org.models import Role
from org.scope import Action

if TYPE_CHECKING:
    from org.scope import Scope

ANNUAL = "annual_inspection"
DAILY = "daily_inspection"
RECTIFICATION = "rectification"
ZOMBIE = "zombie_cleanup"
ENFORCEMENT = "enforcement"
BLACKLIST = "blacklist"
STOP_ORDER = "stop_order"


def _staff(scope: Scope) -> bool:
    return scope.kind == "user" and scope.role == Role.INSTITUTION_STAFF and \
        bool(scope.institution_id)


def _daily_visible(scope: Scope, action: str, prefix: str) -> Q | None:
    """An institution's staff read the daily inspections of their institution, but an
    unannounced one (四不两直: no notice, straight to the site, 002 §2(2)) only once it is
    done."""
    if not _staff(scope) or action != Action.VIEW:
        return None
    return Q(**{f"{prefix}institution_id": scope.institution_id}) & (
        ~Q(**{f"{prefix}daily_inspection__mode": "unannounced"}) |
        Q(**{f"{prefix}daily_inspection__state": "done"}))


def _order_visible(scope: Scope, action: str, prefix: str) -> Q | None:
    """An institution's staff read their rectification orders and write on them (their
    evidence); the officers' notes stay internal (cases.models._outsider_q)."""
    if _staff(scope) and action in (Action.VIEW, Action.CHANGE):
        return Q(**{f"{prefix}institution_id": scope.institution_id})
    return None


def specs() -> list[CaseKindSpec]:
    from inspections import services

    return [
        CaseKindSpec(
            code=ANNUAL, prefix="NJ", label=_("Annual inspection round"),
            steps=steps_of([Step.PLAN, Step.GROUPING, Step.INSPECTION, Step.PUBLISH_RESULTS],
                           dict(Step.choices)),
            audit_labels={
                "inspections.round.create": _("Annual inspection round planned"),
                "inspections.group.save": _("Inspection group saved"),
                "inspections.assign": _("Institutions assigned to groups"),
                "inspections.result": _("Annual inspection result recorded"),
                "inspections.publish": _("Annual inspection results published"),
            }),
        CaseKindSpec(
            code=DAILY, prefix="JC", label=_("Daily inspection"),
            steps=steps_of([Step.PATROL, Step.SECURITY, Step.FEES, Step.ENFORCEMENT],
                           dict(Step.choices)),
            audit_labels={
                "inspections.daily.create": _("Daily inspection planned"),
                "inspections.daily.record": _("Inspection form submitted"),
                "inspections.draw": _("Random draw made"),
            },
            visible_to=_daily_visible, on_task_done=services.on_daily_task_done),
        CaseKindSpec(
            code=RECTIFICATION, prefix="ZG", label=_("Rectification order"),
            steps=steps_of([Step.ENFORCEMENT], dict(Step.choices)),
            audit_labels={
                "inspections.order.open": _("Rectification ordered"),
                "inspections.order.evidence": _("Rectification evidence submitted"),
                "inspections.order.extend": _("Rectification deadline extended"),
                "inspections.order.recheck": _("Rectification re-checked"),
            },
            visible_to=_order_visible),
        CaseKindSpec(
            code=ZOMBIE, prefix="QL", label=_("Zombie institution cleanup"),
            steps=steps_of([Step.PATROL, Step.ENFORCEMENT, Step.REGISTRATION],
                           dict(Step.choices)),
            audit_labels={
                "inspections.zombie.flag": _("Flagged as a suspected zombie institution"),
                "inspections.zombie.close": _("Zombie cleanup concluded"),
            }),
        CaseKindSpec(
            code=ENFORCEMENT, prefix="ZF", label=_("Enforcement case"),
            steps=steps_of([Step.ENFORCEMENT], dict(Step.choices)),
            audit_labels={
                "inspections.enforcement.open": _("Handed to the competent department"),
                "inspections.penalty": _("Penalty decided"),
            }),
        CaseKindSpec(
            code=BLACKLIST, prefix="HM", label=_("Black list entry"),
            steps=steps_of([Step.ENFORCEMENT], dict(Step.choices)),
            audit_labels={
                "inspections.blacklist.enter": _("Put on the black list"),
                "inspections.appeal.submit": _("Appeal submitted"),
                "inspections.appeal.decide": _("Appeal decided"),
                "inspections.blacklist.remove": _("Taken off the black list"),
            },
            visible_to=_order_visible),
        CaseKindSpec(
            code=STOP_ORDER, prefix="TZ", label=_("Stop order"),
            steps=steps_of([Step.PATROL, Step.ENFORCEMENT], dict(Step.choices)),
            audit_labels={
                "inspections.stop.issue": _("Ordered to stop training"),
                "inspections.stop.comply": _("Training found stopped"),
                "inspections.stop.defied": _("Stop order defied: escalated"),
            }),
    ]
