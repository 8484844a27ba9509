"""The attempt page's questions and question map as HTML, built in Python from the public paper.

Why not the template: a 100-question paper spent ~90 % of its page time in Django's template engine (an include,
a `with` and several `blocktrans` per question). Here each question is a few string joins. The costly, per-version
part — a question's stem run through the sanitiser and its option texts escaped — is kept in a process-wide cache
keyed by the version's content (question versions are immutable, so there is nothing to invalidate); it holds no
answer key because its input is exams.paper.public_question's output. What differs per attempt (position, option
order, the saved answer, the flag) and per language (labels, read once per page) is joined in at request time, so
option shuffling costs no cache misses.

The markup is exams/templates/exams/_question.html's (practice and the admin preview still use that template);
tests/exams/test_attempt_html.py renders every question type both ways and requires the same HTML.
"""

from __future__ import annotations

from functools import lru_cache

from django.templatetags.static import static
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from exams.models import QuestionType
from exams.templatetags.exams_tags import cloze_stem, stem


def _points(value: float) -> str:
    """Django's floatformat:"-2": whole numbers without decimals, otherwise two."""
    text = f"{value:.2f}"
    return text[:-3] if text.endswith(".00") else text


@lru_cache(maxsize=20000)
def _stem_block(title: str, text: str, fmt: str) -> str:
    """A question's stem block, sanitised; keyed by content (a version's content never changes)."""
    head = f'<p class="q-title">{escape(title)}</p>' if title else ""
    return f'<div class="stem">{head}{stem(text, fmt)}</div>'


@lru_cache(maxsize=50000)
def _escaped(text: str) -> str:
    return escape(text)


class Labels:
    """The page's words in the active language, looked up once per page."""

    def __init__(self, total: int):
        self.total = total
        self.of = _("Question %(n)s of %(total)s")
        self.pts = _("%(p)s pts")
        self.types = {t.value: str(t.label) for t in QuestionType}
        self.choose_one = _("Choose one")
        self.choose_all = _("Choose all that apply")
        self.true_false = _("True or false")
        self.true = _("True")
        self.false = _("False")
        self.blank = _("Blank %(n)s")
        self.number = _("Your answer (a number)")
        self.choose = _("— choose —")
        self.your_answer = _("Your answer")
        self.flag = _("Mark for review")
        self.map_item = _("Question %(n)s")
        self.cloze_js = static("exams/cloze.js")


def _options(q: dict, prefix: str, kind: str, chosen) -> str:
    out = []
    for opt in q["options"]:
        idx = opt["index"]
        on = " checked" if chosen(idx) else ""
        out.append(
            f'<label class="opt"><input type="{kind}" name="{prefix}" value="{idx}"{on}>'
            f'<span class="letter">{opt["letter"]}</span><span class="text">{_escaped(opt["text"])}</span></label>'
        )
    return "".join(out)


def question_body(q: dict, prefix: str, labels: Labels) -> str:
    """What _question.html renders for one decorated public question (exams.views.decorate), without `disabled`."""
    qtype, answer = q["type"], q.get("answer")
    if qtype == "cloze":
        title = f'<p class="q-title">{escape(q["title"])}</p>' if q.get("title") else ""
        return (
            f'<div class="stem">{title}{cloze_stem(q, prefix)}</div>'
            f'<script src="{labels.cloze_js}" defer></script>'
        )
    body = _stem_block(q.get("title") or "", q.get("stem") or "", q.get("stem_format") or "plain")
    if qtype == "single_choice":
        opts = _options(q, prefix, "radio", lambda i: answer == i)
        return f'{body}<fieldset class="options"><legend class="muted">{labels.choose_one}</legend>{opts}</fieldset>'
    if qtype == "multiple_choice":
        picked = answer if isinstance(answer, list | tuple) else ()
        opts = _options(q, prefix, "checkbox", lambda i: i in picked)
        return f'{body}<fieldset class="options"><legend class="muted">{labels.choose_all}</legend>{opts}</fieldset>'
    if qtype == "true_false":
        yes = " checked" if answer is True else ""
        no = " checked" if answer is False else ""
        return (
            f'{body}<fieldset class="options tf"><legend class="muted">{labels.true_false}</legend>'
            f'<label class="opt"><input type="radio" name="{prefix}" value="true"{yes}>'
            f'<span class="text">{labels.true}</span></label>'
            f'<label class="opt"><input type="radio" name="{prefix}" value="false"{no}>'
            f'<span class="text">{labels.false}</span></label></fieldset>'
        )
    if qtype == "short_answer":
        blanks = "".join(
            f'<label class="blank"><span class="muted">{labels.blank % {"n": b["n"]}}</span>'
            f'<input type="text" name="{prefix}_{b["i"]}" value="{escape(b["value"])}" autocomplete="off" '
            f'maxlength="500"></label>'
            for b in q["blank_values"]
        )
        return f'{body}<div class="blanks">{blanks}</div>'
    if qtype == "numerical":
        value = "" if answer is None else escape(answer)
        return (
            f'{body}<label class="blank"><span class="muted">{labels.number}</span>'
            f'<input type="text" inputmode="decimal" name="{prefix}" value="{value}" autocomplete="off" '
            f'maxlength="50"></label>'
        )
    if qtype == "matching":
        pairs = []
        for left in q["lefts"]:
            opts = "".join(
                f'<option value="{o["index"]}"{" selected" if left.get("selected") == o["index"] else ""}>'
                f"{_escaped(o['text'])}</option>"
                for o in q["options"]
            )
            pairs.append(
                f'<label class="pair"><span class="left">{escape(left["text"])}</span>'
                f'<select name="{prefix}_{left["key"]}"><option value="">{labels.choose}</option>{opts}</select></label>'
            )
        return f'{body}<div class="matching">{"".join(pairs)}</div>'
    if qtype == "essay":
        value = "" if answer is None else escape(answer)
        return (
            f'{body}<label class="blank"><span class="muted">{labels.your_answer}</span>'
            f'<textarea name="{prefix}" rows="8" maxlength="20000">{value}</textarea></label>'
        )
    return body


def question_section(q: dict, labels: Labels, current: int) -> str:
    """One <section> of the attempt form (attempt.js reads its data-* attributes)."""
    pos = q["position"]
    head = labels.of % {"n": pos, "total": labels.total}
    meta = f"{labels.types.get(q['type'], q['type'])} · {labels.pts % {'p': _points(q['points'])}}"
    flagged = " checked" if q.get("flagged") else ""
    cls = " current" if pos == current else ""
    return (
        f'<section class="card question{cls}" id="q{pos}" data-position="{pos}" data-type="{q["type"]}" '
        f'data-seq="{q["seq"]}"><h2 class="q-head">{head} <span class="muted">{meta}</span></h2>'
        f"{question_body(q, f'q{pos}', labels)}"
        f'<label class="flag"><input type="checkbox" name="flag{pos}" data-flag{flagged}> {labels.flag}</label>'
        "</section>\n"
    )


def render_questions(items: list[dict], current: int) -> tuple[SafeString, SafeString]:
    """(the questions' sections, the question map's list items) for the attempt page."""
    labels = Labels(len(items))
    sections = "".join(question_section(q, labels, current) for q in items)
    links = []
    for q in items:
        pos = q["position"]
        cls = ("answered" if q.get("answered") else "") + (" flagged" if q.get("flagged") else "")
        links.append(
            f'<li><a href="?q={pos}" data-goto="{pos}" class="{cls}" '
            f'aria-label="{labels.map_item % {"n": pos}}">{pos}</a></li>'
        )
    return mark_safe(sections), mark_safe("".join(links))  # noqa: S308 - every value escaped above
