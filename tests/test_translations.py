"""zh-hans is the default language and is complete (issue 3 §1; STYLE.md §9)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries():
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        if block.startswith("#~") or "msgid" not in block:
            continue
        msgid = "".join(re.findall(r'"(.*)"', re.search(r"^msgid ((?:\".*\"\n?)+)", block,
                                                         re.M).group(1)))
        match = re.search(r"^msgstr(?:\[0\])? ((?:\".*\"\n?)+)", block, re.M)
        msgstr = "".join(re.findall(r'"(.*)"', match.group(1))) if match else ""
        yield msgid, msgstr, "#, fuzzy" in block or ", fuzzy" in block


def test_every_string_is_translated_and_none_is_fuzzy():
    missing = [msgid for msgid, msgstr, fuzzy in entries() if msgid and (not msgstr or fuzzy)]
    assert missing == [], missing[:10]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is not installed")
def test_the_compiled_catalogue_matches_the_po_file(tmp_path):
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(PO)], check=True)
    assert out.read_bytes() == PO.with_suffix(".mo").read_bytes(), \
        "run: python manage.py compilemessages -l zh_Hans"


def test_the_interface_speaks_chinese_by_default(client):
    body = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-hans"' in body and "登录" in body
    with translation.override("zh-hans"):
        assert translation.gettext("My tasks") == "我的待办"


ROOT = PO.parent.parent.parent.parent
SKIP = {".venv", "staticfiles", "tests", "node_modules", "var", "bench", "migrations"}
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
TEMPLATE_TRANSLATE = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")


def source_msgids():
    """The literal messages in the code and the templates (a check that makemessages was
    run after strings were added; {% blocktranslate %} blocks are not covered)."""
    import ast

    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in GETTEXT and \
                    node.args and isinstance(node.args[0], ast.Constant) and \
                    isinstance(node.args[0].value, str):
                yield path.name, node.args[0].value
    for path in ROOT.rglob("*.html"):
        if SKIP & set(path.relative_to(ROOT).parts) or "admin" in path.parts:
            continue
        for match in TEMPLATE_TRANSLATE.finditer(path.read_text(encoding="utf-8")):
            yield path.name, match.group(2)


def test_every_message_in_the_source_is_in_the_catalogue():
    def unescape(s):
        return s.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")

    translated = {unescape(msgid) for msgid, msgstr, fuzzy in entries() if msgstr and not fuzzy}
    missing = sorted({f"{name}: {msgid}" for name, msgid in source_msgids()
                      if msgid not in translated})
    assert missing == [], "run `make messages` and translate:\n" + "\n".join(missing[:20])


SPOKEN_ATTRIBUTE = re.compile(r"""\b(aria-label|title|placeholder|alt)="([^"{]*[a-z]{3}[^"{]*)\"""")


def test_no_template_attribute_a_reader_hears_is_literal_english():
    """aria-label, title, placeholder and alt are read aloud or shown: written in English
    they reach a zh-hans page untranslated (the walk of 1 December: "breadcrumb" on 51
    pages). Format hints in capitals (YYYY-MM) are not words."""
    found = [f"{path.relative_to(ROOT)}: {m.group(0)}"
             for path in ROOT.rglob("*.html") if not SKIP & set(path.relative_to(ROOT).parts)
             for m in SPOKEN_ATTRIBUTE.finditer(path.read_text(encoding="utf-8"))]
    assert found == [], found[:10]


@pytest.mark.django_db
def test_the_breadcrumb_is_announced_in_chinese(client):
    from institutions.tests.helpers import licensed_with_gate
    from tests.factories import build_world

    licensed = licensed_with_gate(build_world())  # a public institution page has one
    body = client.get(f"/institutions/{licensed.uscc}/").content.decode()
    assert 'aria-label="当前位置"' in body and 'aria-label="breadcrumb"' not in body


def _audit_actions_on_a_case():
    """The audit actions the code records on a case (`audit_record(..., case=...)`): each
    shows in the case's history by its label."""
    import ast

    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "audit_record"):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            action, case = keywords.get("action"), keywords.get("case")
            if case is None or (isinstance(case, ast.Constant) and case.value is None):
                continue
            if isinstance(action, ast.Constant):
                yield f"{path.name}: {action.value}", action.value


def test_every_audit_action_on_a_case_has_a_label():
    """The walk of 2 December: a monthly report's history read "reports.monthly_open", a
    screening check's "governance.screening_outcome" and a refused establishment's
    "institution.status.not_approved", on zh-hans and English pages alike."""
    from cases import kinds
    from institutions.models import STATUS_TRANSITIONS

    status_moves = {f"institution.status.{s}" for targets in STATUS_TRANSITIONS.values()
                    for s in targets}
    actions = [*_audit_actions_on_a_case(),
               *((f"institutions/services.py: {a}", a) for a in sorted(status_moves))]
    assert len(actions) > 20
    with translation.override("zh-hans"):
        unlabelled = sorted({where for where, action in actions
                             if kinds.audit_label(action) == action})
    assert unlabelled == [], unlabelled


def test_the_annual_inspection_title_says_the_category_once():
    """The walk of 2 December: "2026年度文化艺术类类年检"; the category's name already ends
    in 类."""
    from django.utils.translation import gettext

    from core.vocab import Category

    with translation.override("zh-hans"):
        title = gettext("%(year)s annual inspection: %(category)s") % {
            "year": 2026, "category": Category.ARTS.label}
    assert title == "2026年度文化艺术类年检"
