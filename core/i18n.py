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


def _chinese() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).lower().startswith("zh")


def join_list(items: Any) -> str:
    """Items of a sentence joined as the reader's language writes them: 「甲、乙」 or "a, b"
    (issue 14 C11: English pages had Chinese punctuation)."""
    return list_separator().join(str(i) for i in items)


def list_separator() -> str:
    """What goes between two items of a list the template writes out itself: 「、」 or ", "."""
    return "、" if _chinese() else ", "


def colon() -> str:
    """What follows a label before its value: 「：」 in Chinese, ": " in English (the walk of
    2 December: "Learner：王子涵" on a parent's English order page)."""
    return "：" if _chinese() else ": "


def semicolon() -> str:
    """Between the clauses of a list written out in a loop: 「；」 or "; "."""
    return "；" if _chinese() else "; "


def parenthesized(text: Any) -> str:
    """An aside after a sentence: 「（…）」 in Chinese, " (…)" in English."""
    return f"（{text}）" if _chinese() else f" ({text})"


def labelled(label: Any, text: Any) -> str:
    """A text after its label: 「问责：标题」 in Chinese, "Accountability: title" in English."""
    return f"{label}{colon()}{text}"


#: Functions that turn a message's internal notation into what users read; the policy app
#: registers the one that names seed citations by their documents (policy.sources), which
#: the kernel may not import.
_READERS: list[Any] = []


def register_reader(reader: Any) -> None:
    if reader not in _READERS:
        _READERS.append(reader)


def readable(text: Any) -> str:
    """A message as users read it (see `register_reader`)."""
    out = str(text)
    for reader in _READERS:
        out = reader(out)
    return out
