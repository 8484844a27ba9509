"""Template helpers for question stems: plain text, Markdown-ish text and allow-listed HTML."""

import json
from html import escape
from html.parser import HTMLParser

from django import template
from django.conf import settings
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from exams.formats.base import CLOZE_SLOT_RE

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
VOID_TAGS = {"br", "hr", "img"}
# A question's own files (exams.models.QuestionMedia): pictures and links that stay on this server. Any other
# address (another site, javascript:, data:) is dropped with its tag.
_LOCAL_PREFIXES = ("/documents/",)


def _local(url: str | None) -> bool:
    if not url:
        return False
    prefixes = (settings.MEDIA_URL, *_LOCAL_PREFIXES)
    return url.startswith(prefixes) and "//" not in url and ":" not in url and "\\" not in url


def _size(value) -> str | None:
    return value if value and value.isdigit() and len(value) <= 4 else None


class _Sanitiser(HTMLParser):
    """Keeps allow-listed tags without any attributes; everything else becomes text. Scripts and styles vanish."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

        self.links: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        elif self.skip:
            return
        elif tag == "img" and _local(attrs.get("src")):
            extra = "".join(f' {k}="{escape(v)}"' for k in ("width", "height") if (v := _size(attrs.get(k))))
            self.out.append(
                f'<img src="{escape(attrs["src"])}" alt="{escape(attrs.get("alt") or "")}"{extra} loading="lazy">'
            )
        elif tag == "a":
            local = _local(attrs.get("href"))
            self.links.append(local)
            if local:
                self.out.append(f'<a href="{escape(attrs["href"])}" target="_blank" rel="noopener">')
        elif tag in ALLOWED_TAGS:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif self.skip:
            return
        elif tag == "a":
            if self.links and self.links.pop():
                self.out.append("</a>")
        elif tag in ALLOWED_TAGS and tag not in VOID_TAGS:
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


@register.simple_tag
def cloze_stem(q: dict, prefix: str, disabled: bool = False):
    """A Cloze stem with each "____" replaced by its part's input: a text field (short answer, number), a
    drop-down (one choice) or check boxes (several). `q` is exams.paper.public_question's (no answer key); its
    `answer` is the stored answer in display form (a JSON list). The inputs' names start with "cloze-", so the
    attempt page's own code sees only the hidden `prefix` field, which exams/cloze.js keeps in step."""
    try:
        values = json.loads(q.get("answer") or "[]")
    except (TypeError, ValueError):
        values = []
    if not isinstance(values, list):
        values = []
    body = stem(q.get("stem") or "", q.get("stem_format") or "plain")
    parts = iter(q.get("parts") or [])
    off = " disabled" if disabled else ""

    def widget(_m):
        part = next(parts, None)
        if part is None:
            return _m.group(0)
        i = part["i"]
        value = values[i] if i < len(values) else None
        name = escape(f"cloze-{prefix}-{i}")
        label = escape(_("Blank %(n)s") % {"n": i + 1})
        if part["kind"] == "single_choice":
            options = "".join(
                f'<option value="{o["index"]}"{" selected" if value == o["index"] else ""}>{escape(o["text"])}</option>'
                for o in part["options"]
            )
            return (
                f'<select class="cloze-part" name="{name}" data-kind="single" aria-label="{label}"{off}>'
                f'<option value="">{escape(_("— choose —"))}</option>{options}</select>'
            )
        if part["kind"] == "multiple_choice":
            chosen = value if isinstance(value, list) else []
            boxes = "".join(
                f'<label class="cloze-opt"><input type="checkbox" class="cloze-part" name="{name}" '
                f'data-kind="multiple" value="{o["index"]}"{" checked" if o["index"] in chosen else ""}{off}>'
                f"{escape(o['text'])}</label>"
                for o in part["options"]
            )
            return f'<span class="cloze-multi" role="group" aria-label="{label}">{boxes}</span>'
        numeric = ' inputmode="decimal"' if part["kind"] == "numerical" else ""
        text = escape(value) if isinstance(value, str) else ""
        return (
            f'<input type="text" class="cloze-part" name="{name}" data-kind="text" value="{text}" size="10" '
            f'maxlength="500" autocomplete="off" aria-label="{label}"{numeric}{off}>'
        )

    body = CLOZE_SLOT_RE.sub(widget, str(body))
    hidden = (
        f'<input type="hidden" class="cloze-answer" name="{escape(prefix)}" '
        f'value="{escape(q.get("answer") or "")}" data-parts="{len(q.get("parts") or [])}">'
    )
    return mark_safe(body + hidden)  # noqa: S308 - the stem is sanitised by `stem`, every value escaped


@register.filter
def get_item(mapping, key):
    if isinstance(mapping, dict):
        return mapping.get(key, mapping.get(str(key)))
    return None
