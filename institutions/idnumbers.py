"""Resident ID numbers (GB 11643) of staff and of the employment-ban register: checked,
stored only as a keyed hash, and shown masked."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import DomainError


def hash_id_number(id_number: str) -> str:
    """ID numbers are stored only as a keyed hash (and a masked form for display)."""
    normalised = id_number.strip().upper()
    return hmac.new(settings.ID_HASH_KEY.encode(), normalised.encode(),
                    hashlib.sha256).hexdigest()


def mask_id_number(id_number: str) -> str:
    value = id_number.strip().upper()
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "****"


def check_digit(first17: str) -> str:
    """GB 11643's check character of the first 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def validate_id_number(id_number: str) -> str:
    """Resident ID number (GB 11643): 18 characters, the last a check digit or X."""
    value = id_number.strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise DomainError(_("An ID number has 17 digits followed by a digit or X."),
                          field="id_number")
    if value[17] != check_digit(value[:17]):
        raise DomainError(_("The ID number's check digit is wrong."), field="id_number")
    return value
