"""Which seed gives which city's complaint hotlines, for the checks that a hotline cites
its own city's document: where that document gives the number, the citation names it;
no citation of a hotline names another city's document (the Kunming deployment showed
the 12345 hotline with Quanzhou's document, 004 §6(2)1, as source)."""

from __future__ import annotations

import re

#: The numbers a seed gives for its own city, read from the seeds: 001 §5(3) (Beichen,
#: “12345”市民服务热线); 004 §6(2)1 (Quanzhou, 与12345平台互联互通) and annex 1 (its
#: report lines by category, 12315 for ads, contracts and prices). 000 (Kunming) and 002
#: (Tongzhou) give no number; 003 (Wugang) is no profile's document.
SEEDED_HOTLINES: dict[str, frozenset[str]] = {
    "001": frozenset({"12345"}),
    "004": frozenset({"12345", "0595-22783859", "0595-22570075", "0595-22118960",
                      "0595-22787210", "12315"}),
}

_DOCUMENT = re.compile(r"^\s*(\d{3})(?:\s|$)")


def cited_documents(source: str) -> set[str]:
    """The seeds a citation names ("001 §5(3), §4(2)5" → {"001"}); none for "default",
    "published" or free text."""
    return {m.group(1) for part in re.split(r"[,，;；]", source)
            if (m := _DOCUMENT.match(part))}


def citation_problem(own: str, number: str, source: str) -> str | None:
    """Why `source` is the wrong citation of `number` in the city whose document is
    `own`, or None."""
    cited = cited_documents(source)
    if cited - {own}:
        return f"{number} cites {sorted(cited - {own})}, not the city's own {own}"
    if number in SEEDED_HOTLINES.get(own, ()) and own not in cited:
        return f"{number} is given by {own}, which its citation {source!r} does not name"
    return None
