"""Template helpers for question stems: plain text, Markdown-ish text and allow-listed HTML."""

from html import escape
from html.parser import HTMLParser

from django import template
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

register = template.Library()

ALLOWED_TAGS = {
    "p",
    "br",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "code",
    "pre",
    "span",
    "div",
    "blockquote",
    "hr",
}
VOID_TAGS = {"br", "hr"}


class _Sanitiser(HTMLParser):
    """Keeps allow-listed tags without any attributes; everything else becomes text. Scripts and styles vanish."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in ALLOWED_TAGS and not self.skip:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in ALLOWED_TAGS and tag not in VOID_TAGS and not self.skip:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(escape(data))


def sanitise_html(value: str) -> str:
    parser = _Sanitiser()
    parser.feed(value or "")
    parser.close()
    return "".join(parser.out)


@register.filter
def stem(value: str, fmt: str = "plain"):
    if fmt == "html":
        return mark_safe(sanitise_html(value))  # noqa: S308 - sanitised above
    return mark_safe(linebreaks(escape(value or "")))  # noqa: S308 - escaped above


@register.filter
def get_item(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(key, mapping.get(str(key)))
    return None
