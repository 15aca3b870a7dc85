"""Each row's link of a list page from one `reverse()` per page (issue 13).

`{% url 'complaints:office_detail' c.case.number %}` in a row reverses the view's pattern
again for every row: on a page of 50 rows that was a tenth of the office complaints
page's rendering, the part that grows from the demo's 13 rows to a full page.
`row_reverser(viewname)` reverses the pattern once with a marker in the place of the
row's key and returns a function that puts each key in the marker's place. A key of
characters that need no quoting and that every converter takes (letters, digits, `-` and
`_`; digits only where the pattern takes an `int`) gives the URL `reverse()` gives; any
other key is reversed as before, so a key the pattern refuses still raises
`NoReverseMatch`. `portal_tags.row_url` is the template tag; its node keeps the function
for the rest of the page (the script prefix and the URLconf cannot change within a page).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.urls import NoReverseMatch, reverse

#: The marker for a key of letters (str, slug and path converters) and for an int's.
_MARKERS = (("rowkeyqz", re.compile(r"[-A-Za-z0-9_]+")),
            ("8642097531", re.compile(r"[0-9]+")))


def row_reverser(viewname: str) -> Callable[[Any], str]:
    """`reverse(viewname, args=[key])` for one key, from one `reverse()` for all keys."""
    for marker, plain in _MARKERS:
        try:
            url = reverse(viewname, args=[marker])
        except NoReverseMatch:
            continue
        if url.count(marker) != 1:
            continue
        head, tail = url.split(marker)

        def row_url(key: Any, head: str = head, tail: str = tail,
                    plain: re.Pattern[str] = plain) -> str:
            text = str(key)
            if plain.fullmatch(text):
                return head + text + tail
            return reverse(viewname, args=[key])

        return row_url
    return lambda key: reverse(viewname, args=[key])
