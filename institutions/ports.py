"""What the registry needs to know from the licensing app above it.

The registry sits below licensing in the layers (DESIGN.md), so it cannot import it. The
licensing app declares these facts and actions and registers them here in its
`AppConfig.ready()`; the registry asks through `licensing()`. Without the app (a
deployment or a test that leaves it out) nothing is ever in an application.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Expression, Value

from core.errors import InvalidState


def _none(*_args: Any, **_kwargs: Any) -> None:
    return None


def _false(*_args: Any, **_kwargs: Any) -> bool:
    return False


def _never() -> Expression:
    return Value(False, output_field=BooleanField())


def _refuse(**_kwargs: Any) -> Any:
    from django.utils.translation import gettext as _

    raise InvalidState(_("Licensing is not installed: a licensed course cannot change."))


@dataclass(frozen=True)
class LicensingFacts:
    #: `(user, institution) -> application | None`: the application in progress, as the
    #: user may see it.
    running_application: Callable[..., Any] = _none
    #: `(course) -> bool`: a change application in progress carries this course.
    course_in_application: Callable[..., bool] = _false
    #: `() -> expression`: annotate institutions with whether re-licensing approved them
    #: (重新审批登记, 004), over `OuterRef("pk")`.
    relicensed: Callable[[], Any] = _never
    #: `(*, actor, course, **values) -> application`: a licensed course changes through a
    #: change application (变更).
    course_change_submit: Callable[..., Any] = _refuse
    #: `(*, actor, course) -> application`: a course added after the licence is listed
    #: through a change application.
    course_listing_submit: Callable[..., Any] = _refuse


_licensing = LicensingFacts()


def register_licensing(facts: LicensingFacts) -> None:
    global _licensing
    _licensing = facts


def licensing() -> LicensingFacts:
    return _licensing
