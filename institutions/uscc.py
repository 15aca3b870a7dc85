"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character alphabet (digits and capital letters without I, O, Z,
S and V); the 18th is a check character computed over the first 17 with fixed weights.
The standard is a product decision from national practice, not a statement of the seeds
(DOMAIN.md §2, note on sources).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
FORBIDDEN = "IOZSV"
LENGTH = 18


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    return (code or "").strip().upper()


def validate_uscc(value: str) -> None:
    """Raise ValidationError saying exactly why a code is invalid: wrong length, a
    forbidden character, or a wrong check character."""
    code = normalise(value)
    if len(code) != LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)s."),
            code="uscc_length", params={"n": len(code)})
    for position, char in enumerate(code, start=1):
        if char not in ALPHABET:
            if char in FORBIDDEN:
                message = _("Character %(position)s is %(char)s: the letters I, O, Z, S and V "
                            "are never used in a unified social credit code.")
            else:
                message = _("Character %(position)s (%(char)s) is not allowed: only digits and "
                            "capital letters may be used.")
            raise ValidationError(message, code="uscc_character",
                                  params={"position": position, "char": char})
    if not code[2:8].isdigit():
        raise ValidationError(_("Characters 3 to 8 must be the administrative division code "
                                "(six digits)."), code="uscc_division")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("The check character is wrong: the last character should be %(expected)s, "
              "not %(found)s. Check the code for a mistyped character."),
            code="uscc_check", params={"expected": expected, "found": code[17]})
