"""A form that posts what a user typed or picked leaves the checking to the server: the
page shows its translated field errors (includes/form.html), not the browser's own bubble
in the browser's language (review of the new-incident and after-school forms)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
FIELD = re.compile(r"<(input|textarea|select)\b([^>]*)>")


def _takes_input(body: str) -> bool:
    """A form of fields (Django's, or written out), not a button alone."""
    if "includes/form.html" in body or "|bootstrap" in body:
        return True
    return any(tag != "input" or not re.search(r'type="(hidden|submit)"', attrs)
               for tag, attrs in FIELD.findall(body))


def _unchecked_posting_forms(html: str) -> list[str]:
    return [m.group(0)[:120] for m in FORM.finditer(html)
            if re.search(r'method="post"', m.group(1), re.I) and "novalidate" not in m.group(1)
            and _takes_input(m.group(2))]


def test_every_form_that_posts_input_in_the_templates_is_checked_by_the_server():
    base = Path(settings.BASE_DIR)
    templates = [p for p in base.glob("**/templates/**/*.html")
                 if ".venv" not in p.parts and "node_modules" not in p.parts]
    assert len(templates) > 50
    offending = {str(p.relative_to(base)): forms for p in templates
                 if (forms := _unchecked_posting_forms(p.read_text()))}
    assert offending == {}


def test_the_new_incident_and_after_school_forms_show_the_pages_errors(world):
    joint, officer = Client(), Client()
    joint.force_login(world.a.users["joint"])
    officer.force_login(world.a.users["officer"])
    for client, url in ((joint, "/office/governance/incidents/new/"),
                        (officer, "/office/governance/after-school/new/")):
        page = client.get(url).content.decode()
        page_forms = [m for m in FORM.finditer(page) if 'method="post"' in m.group(1)
                      and "setlang" not in m.group(1) and _takes_input(m.group(2))]
        assert page_forms, url
        assert _unchecked_posting_forms(page) == [], url
