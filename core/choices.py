"""`get_FOO_display()` from a table per field and language (issue 13).

Django's own `_get_FIELD_display` rebuilds a dict of every choice on each call, hashing
each lazy label, which is a translation look-up per choice: on the office complaints page
(two labels per row, 50 rows) it was an eighth of the page's time. `ChoiceLabels` keeps,
per field and language, the labels already translated; the text is the same as Django's
(`core/tests/test_choices.py` compares them for every field of the models that use it).

A field whose choices are a callable (read afresh each time) keeps Django's way."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import get_language


@lru_cache(maxsize=1024)
def _labels(field: models.Field, language: str | None) -> dict[Any, str]:
    return {value: force_str(label) for value, label in field.flatchoices}


class ChoiceLabels:
    """Mixin for a model, before `models.Model` in its bases (Django binds
    `get_FOO_display` to the class's `_get_FIELD_display` when the field is added)."""

    def _get_FIELD_display(self, field: models.Field) -> Any:
        value = getattr(self, field.attname)
        if not isinstance(field.choices, list | tuple):  # a callable's, read afresh
            return super()._get_FIELD_display(field)  # type: ignore[misc]
        try:
            return _labels(field, get_language()).get(value, value)
        except TypeError:  # an unhashable value: as Django does it
            return super()._get_FIELD_display(field)  # type: ignore[misc]
