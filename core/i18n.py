"""Texts the system stores (duty texts, notes, reasons) are written in the deployment's
language, not in the language of whoever's request happened to trigger them."""

from typing import Any

from django.conf import settings
from django.utils import translation


def stored(message: Any, **params: Any) -> str:
    """Render a (lazy) translatable message in the default language, with %-params."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message)
        return text % params if params else text
