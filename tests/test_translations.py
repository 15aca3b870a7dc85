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
