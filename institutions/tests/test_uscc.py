"""GB 32100-2015 unified social credit codes (issue 4: the code validator)."""

import pytest
from django.core.exceptions import ValidationError

from institutions.uscc import ALPHABET, check_character, validate_uscc

VALID = [
    "91350100M000100Y43",  # a commonly cited example code
    "91110000802100433B",
    "12100000400000770U",
]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code):
    validate_uscc(code)
    validate_uscc(code.lower())  # case is normalised


@pytest.mark.parametrize("code", VALID)
def test_every_single_changed_character_is_caught(code):
    for i in range(18):
        for replacement in "0A9Y":
            if replacement == code[i]:
                continue
            changed = code[:i] + replacement + code[i + 1:]
            with pytest.raises(ValidationError):
                validate_uscc(changed)


def test_wrong_length_says_so():
    with pytest.raises(ValidationError) as exc:
        validate_uscc("9135010000000000")
    assert exc.value.code == "uscc_length"


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_forbidden_letters_say_so(letter):
    code = "91350100M000100Y4" + letter
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert exc.value.code == "uscc_character"
    assert exc.value.params == {"position": 18, "char": letter}


def test_wrong_check_character_names_the_expected_one():
    with pytest.raises(ValidationError) as exc:
        validate_uscc("91350100M000100Y44")
    assert exc.value.code == "uscc_check"
    assert exc.value.params["expected"] == "3"


def test_check_character_is_in_the_alphabet():
    assert check_character("91350100M000100Y4") == "3"
    assert all(check_character(f"9135010{d}M000100Y4") in ALPHABET for d in "0123456789")
