"""Citations as users read them (issue 14 C10).

Profiles, rules and duties cite the seeds by an internal code: "000 §3(1)1" is seed 000,
part 三, paragraph （一）, item 1; "001 §5(3), §4(2)5, 7" cites two places of seed 001,
the second with items 5 and 7; "004 annex 1" an annex; "default" a documented default that
no seed gives; "published" a number the city publishes itself, which no seed gives (a
complaint hotline where the city's own document names none). Users never see the code: `render` names the document by its number (文号),
or by its title where it has none, from the profile's `sources` table, and writes the
section the way Chinese documents are cited (第三条（一）1). A code missing from the table
is shown as written rather than hidden.
"""

from __future__ import annotations

import re

from django.utils.translation import get_language
from django.utils.translation import gettext as _

_DIGITS = "零一二三四五六七八九"
_PART = re.compile(r"^(?:(?P<doc>\d{3})\s*)?(?P<rest>.*)$")
_SECTION = re.compile(r"^§(?P<part>\d+)(?:[–-](?P<to>\d+))?(?P<paras>(?:\(\d+\))*)(?P<item>\d*)$")
_ANNEX = re.compile(r"^annex\s*(?P<n>\d+)$", re.IGNORECASE)


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals, as section numbers are written (三、, （十二）)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else ""))


def _chinese_section(text: str) -> str | None:
    m = _SECTION.match(text)
    if m is not None:
        out = f"第{chinese_number(int(m['part']))}"
        if m["to"]:
            out += f"至{chinese_number(int(m['to']))}"
        out += "条"
        for para in re.findall(r"\((\d+)\)", m["paras"]):
            out += f"（{chinese_number(int(para))}）"
        return out + m["item"]
    m = _ANNEX.match(text)
    if m is not None:
        return f"附件{m['n']}"
    return None


def is_default(source: str) -> bool:
    return not source or source.strip() == "default"


#: The citation of a number the city publishes itself and no seed gives.
PUBLISHED = "published"


def render(source: str, sources: dict[str, dict[str, str]]) -> str:
    """`source` as users read it; see the module docstring."""
    if is_default(source):
        return _("documented default, not from a policy document")
    if source.strip() == PUBLISHED:
        return _("the city's own published number, not from a policy document")
    chinese = (get_language() or "zh-hans").lower().startswith("zh")
    docs: list[tuple[str, list[str]]] = []
    for raw in re.split(r"\s*[,，;；]\s*", source.strip()):
        m = _PART.match(raw)
        doc, rest = (m["doc"], m["rest"].strip()) if m else (None, raw)
        if doc is None and not docs:
            return source  # not a citation we understand: shown as written
        if doc is not None:
            docs.append((doc, []))
        sections = docs[-1][1]
        if not rest:
            continue
        if rest.isdigit() and sections:  # "§4(2)5, 7": another item of the same paragraph
            sections[-1] += ("、" if chinese else ", ") + rest
            continue
        section = _chinese_section(rest) if chinese else None
        if chinese and section is None:
            return source
        sections.append(section or rest)
    out = []
    for doc, sections in docs:
        entry = sources.get(doc) or {}
        if entry.get("number"):
            name = entry["number"]
        elif entry.get("title"):
            name = f"《{entry['title']}》"
        else:
            name = doc
        joined = ("、" if chinese else "; ").join(sections)
        gap = "" if chinese and name.endswith("》") else " "
        out.append(f"{name}{gap}{joined}".strip())
    return ("；" if chinese else "; ").join(out)


def cite(source: str) -> str:
    """`render` with the active profile's sources table; with no profile loaded, the
    documents are named by their codes."""
    from policy.profile import ProfileMissing, active_profile

    try:
        table = active_profile().sources
    except ProfileMissing:
        table = {}
    return render(source, table)


def document_title(code: str) -> str:
    """The title of a seed document, for a tooltip or a list of sources."""
    from policy.profile import ProfileMissing, active_profile

    try:
        return (active_profile().sources.get(code) or {}).get("title", "")
    except ProfileMissing:
        return ""


_IN_TEXT = (
    # 「…（000 §4(3)、004 §6(4)）」: full-width parentheses around one or more citations
    re.compile(r"（(?P<src>\d{3}\s*(?:§|annex)[^（）]*)）"),
    # "… (000 §4(3))": half-width, the section may hold its own parentheses
    re.compile(r"\((?P<src>\d{3}\s*(?:§|annex)(?:[^()]|\([^()]*\))*)\)"),
)
_WHOLE = re.compile(r"^\s*\d{3}\s*(?:§|annex)[^\s，。]*(?:[,，、]\s*\d{3}\s*§[^\s，。]*)*\s*$")


def cite_in_text(text: str) -> str:
    """A help text or message with the seed citations it carries in parentheses (or that it
    is, whole) named as users read them: 「招生前置条件（000 §4(3)）」 becomes
    「招生前置条件（昆教体办发〔2023〕120号 第四条（三））」. Bare codes inside a sentence (an
    example of how to write a code, for the profile's editors) stay as written."""
    if not text or "§" not in text and "annex" not in text:
        return text

    def one(source: str) -> str:
        return cite(re.sub(r"、\s*(?=\d{3}\s)", ", ", source))

    if _WHOLE.match(text):
        return one(text.strip())
    full, half = _IN_TEXT
    text = full.sub(lambda m: f"（{one(m['src'])}）", text)
    return half.sub(lambda m: f"({one(m['src'])})", text)
