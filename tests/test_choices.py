"""`core.choices.ChoiceLabels` writes what Django's `get_FOO_display()` writes, for every
field with choices of every model that uses it, every choice, a value outside the choices
and an empty one, in both languages (issue 13: the labels from a table per language)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from core.choices import ChoiceLabels


def _models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, ChoiceLabels)]


def test_the_list_pages_models_use_it() -> None:
    names = {m._meta.label for m in _models()}
    assert {"cases.Case", "cases.Task", "complaints.Complaint",
            "institutions.Institution"} <= names


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("model", _models(), ids=lambda m: m._meta.label)
def test_labels_are_djangos(model: type[models.Model], language: str) -> None:
    fields = [f for f in model._meta.concrete_fields if f.choices]
    assert fields, model
    with translation.override(language):
        for field in fields:
            for value in [v for v, _ in field.flatchoices] + ["no-such-value", None]:
                obj = model()
                setattr(obj, field.attname, value)
                ours = getattr(obj, f"get_{field.name}_display")()
                djangos = models.Model._get_FIELD_display(obj, field)
                assert ours == djangos and type(ours) is type(djangos), (field, value)
    # The labels follow the language they are read in.
    field = fields[0]
    value, label = field.flatchoices[-1]
    obj = model()
    setattr(obj, field.attname, value)
    with translation.override("en"):
        english = getattr(obj, f"get_{field.name}_display")()
    with translation.override("zh-hans"):
        chinese = getattr(obj, f"get_{field.name}_display")()
    with translation.override("en"):
        assert english == str(label)
    with translation.override("zh-hans"):
        assert chinese == str(label)
