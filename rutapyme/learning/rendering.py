"""Lesson text: Markdown written by editors, rendered to safe HTML (ADR 0008).

CommonMark with tables, raw HTML off (it is shown escaped, never run) and markdown-it's link
check (no `javascript:` or `data:` links). The lessons' checklists (`- [ ] paso`) become
boxes a reader can print. Published lessons do not change, so each text is rendered once per
process.
"""

import functools
import re

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


@functools.lru_cache(maxsize=1024)
def render_markdown(text: str) -> SafeString:
    html = _MARKDOWN.render(text)
    html = html.replace("<li>[ ] ", "<li>☐ ").replace("<li>[x] ", "<li>☑ ")
    html = html.replace("<table>", '<div class="table-scroll"><table>')
    html = html.replace("</table>", "</table></div>")
    return mark_safe(html)  # noqa: S308 - markdown-it escapes raw HTML (html=False)


def lesson_html(body: str, title: str) -> SafeString:
    """The lesson's text without a first heading that repeats the lesson's title."""
    match = re.match(r"\s*#{1,3}\s+(.+?)\s*\n", body)
    if match and match.group(1).strip().casefold() == title.strip().casefold():
        body = body[match.end() :]
    return render_markdown(body)
