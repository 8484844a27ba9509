"""The Cloze branch of the question editor (exams.admin_views.question_form): the author writes the stem in Moodle's
embedded-answer syntax, e.g. “组织{2:SHORTANSWER:=抢救~=救援}，于{1:NUMERICAL:=1:0}小时内报告”; it is stored as a
stem with “____” per part and the parts (exams.formats), and shown that way again when the question is edited."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import HelpPanel

from exams.formats import FormatError
from exams.formats.moodle_xml import cloze_text, parse_cloze_text

CLOZE_HELP = _(
    "Write each blank into the stem in Moodle's Cloze syntax: {1:SHORTANSWER:=right answer~=also right~%50%half "
    "right} for text, {1:NUMERICAL:=5:0.5} for a number within a tolerance, {1:MULTICHOICE:=right~wrong~wrong} "
    "for a drop-down, {1:MULTIRESPONSE:~%50%right~%50%right~%-100%wrong} for check boxes; SHORTANSWER_C "
    "compares letter case. The number before the type is the blank's weight: the blanks share the question's "
    "points in proportion to their weights (as in Moodle, where a Cloze is worth the sum of its weights)."
)


def cloze_panel():
    return HelpPanel(
        content=f"<p>{CLOZE_HELP}</p>",
        heading=_("Embedded answers (Cloze)"),
        classname="question-editor question-editor--cloze",
    )


def cloze_initial_stem(instance) -> str | None:
    """The stem of a stored Cloze question with its parts written in, for the edit form."""
    content = instance.content if isinstance(instance.content, dict) else {}
    if not content.get("parts"):
        return None
    try:
        return cloze_text(
            {
                "type": "cloze",
                "stem": instance.stem,
                "stem_format": instance.stem_format,
                "parts": content["parts"],
            }
        )
    except FormatError:
        return None  # a stored question whose stem lost its blanks: shown as it is, the author fixes it


def cloze_clean(form, cleaned: dict) -> dict:
    """Turn the edited stem into the stored stem and the parts; an error names the stem field."""
    text = cleaned.get("stem") or ""
    try:
        parsed = parse_cloze_text(text, html_parts=cleaned.get("stem_format") == "html")
    except FormatError as exc:
        form.add_error("stem", forms.ValidationError(exc.message))
        return {}
    cleaned["stem"] = parsed["stem"]
    return {"parts": parsed["parts"]}
