"""Reading what a page shows next to each form field, for exact assertions in tests."""

import re
from html import unescape
from html.parser import HTMLParser


def _text(response) -> str:
    return response.content.decode()


def field_errors(response, name: str, prefix: str = "") -> list[str]:
    """The messages in the error list rendered with the field (Django's `id_<name>_error`)."""
    field_id = f"id_{prefix}-{name}" if prefix else f"id_{name}"
    match = re.search(rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', _text(response))
    if match is None:
        return []
    return [unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1))]


def non_field_errors(response) -> list[str]:
    match = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', _text(response), re.S)
    if match is None:
        return []
    return [unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1))]


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str | None] = {}
        self.checked: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            if attributes.get("type") in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.checked.setdefault(name, []).append(attributes.get("value") or "on")
            else:
                self.values[name] = attributes.get("value")
        elif tag == "textarea" and name:
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, None)
        elif tag == "option" and self._select and "selected" in attributes:
            self.values[self._select] = attributes.get("value")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_values(response) -> dict[str, str | None]:
    """Each field's value as the page shows it again (input value, selected option, checked)."""
    parser = _Inputs()
    parser.feed(_text(response))
    values = dict(parser.values)
    for name, checked in parser.checked.items():
        values[name] = checked[0] if len(checked) == 1 else ",".join(checked)
    return values
