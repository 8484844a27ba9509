"""The question edit form: options (single and multiple choice) and the true/false answer field by field, the
other types' answer data as JSON in the import schema, and the panels that lay it out."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from exams.formats import validate_question
from exams.models import Question, QuestionType

OPTION_LETTERS = "ABCDEFGH"  # the import template's columns 选项A…选项H
CHOICE_TYPES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)


def _option_fields():
    fields = {}
    for letter in OPTION_LETTERS:
        key = letter.lower()
        fields[f"option_{key}_text"] = forms.CharField(
            label=_("Option %(letter)s") % {"letter": letter}, required=False, max_length=2000
        )
        fields[f"option_{key}_correct"] = forms.BooleanField(label=_("Correct"), required=False)
        fields[f"option_{key}_weight"] = forms.DecimalField(
            label=_("Weight (%)"),
            required=False,
            min_value=-100,
            max_value=100,
            decimal_places=5,
        )
        fields[f"option_{key}_feedback"] = forms.CharField(
            label=_("Feedback for this option"), required=False, max_length=2000
        )
    return fields


def _natural_fractions(qtype: str, correct: list[bool]) -> list[float]:
    """The weights the tick boxes give: 100% for a correct single-choice option; the correct options of a
    multiple-choice question share 100%; wrong options 0."""
    k = sum(correct)
    share = 1.0 if qtype == QuestionType.SINGLE_CHOICE or not k else round(1 / k, 5)
    return [share if c else 0.0 for c in correct]


class QuestionForm(WagtailAdminModelForm):
    """Options (single and multiple choice) and the true/false answer are edited field by field; the other types'
    answer data (accepted answers, numbers with tolerances, matching pairs) as JSON in the import schema."""

    locals().update(
        _option_fields()
    )  # option_a_text … option_h_feedback (a class body's namespace is a dict)
    true_false_answer = forms.TypedChoiceField(
        label=_("The statement is"),
        required=False,
        choices=[("", "—"), ("true", _("True")), ("false", _("False"))],
    )
    true_false_feedback_true = forms.CharField(label=_("Feedback for “True”"), required=False)
    true_false_feedback_false = forms.CharField(label=_("Feedback for “False”"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["content"].required = False
        content = (
            self.instance.content if self.instance.pk and isinstance(self.instance.content, dict) else {}
        )
        if self.instance.type in (*CHOICE_TYPES, QuestionType.TRUE_FALSE):
            self.initial["content"] = {}  # shown field by field instead
        if self.instance.type in CHOICE_TYPES:
            choices = content.get("choices") or []
            fractions = [float(c.get("fraction") or 0) for c in choices]
            natural = _natural_fractions(self.instance.type, [f > 0 for f in fractions])
            for letter, choice, fraction, plain in zip(
                OPTION_LETTERS.lower(), choices, fractions, natural, strict=False
            ):
                self.initial[f"option_{letter}_text"] = choice.get("text", "")
                self.initial[f"option_{letter}_correct"] = fraction > 0
                if abs(fraction - plain) > 1e-4:  # only weights the tick boxes would not give
                    self.initial[f"option_{letter}_weight"] = round(fraction * 100, 5)
                self.initial[f"option_{letter}_feedback"] = choice.get("feedback") or ""
        elif self.instance.type == QuestionType.TRUE_FALSE:
            self.initial["true_false_answer"] = "true" if content.get("answer") else "false"
            feedback = content.get("feedback") or {}
            self.initial["true_false_feedback_true"] = feedback.get("true") or ""
            self.initial["true_false_feedback_false"] = feedback.get("false") or ""

    def _content_from_options(self, cleaned) -> dict | None:
        rows = []
        for letter in OPTION_LETTERS.lower():
            text = (cleaned.get(f"option_{letter}_text") or "").strip()
            if text:
                rows.append((letter, text))
            elif cleaned.get(f"option_{letter}_correct") or cleaned.get(f"option_{letter}_feedback"):
                self.add_error(f"option_{letter}_text", _("This option has no text."))
        if not rows:
            return None  # nothing entered field by field: the JSON below is used as it is
        natural = _natural_fractions(
            cleaned.get("type"), [bool(cleaned.get(f"option_{letter}_correct")) for letter, _text in rows]
        )
        choices = []
        for (letter, text), plain in zip(rows, natural, strict=True):
            weight = cleaned.get(f"option_{letter}_weight")
            fraction = plain if weight is None else float(weight) / 100
            feedback = (cleaned.get(f"option_{letter}_feedback") or "").strip() or None
            choices.append({"text": text, "fraction": fraction, "feedback": feedback})
        return {"choices": choices}

    def clean(self):
        cleaned = super().clean()
        qtype = cleaned.get("type")
        content = cleaned.get("content")
        if qtype in CHOICE_TYPES:
            from_options = self._content_from_options(cleaned)
            if from_options is not None:
                content = from_options
        elif qtype == QuestionType.TRUE_FALSE and cleaned.get("true_false_answer"):
            content = {
                "answer": cleaned["true_false_answer"] == "true",
                "feedback": {
                    "true": (cleaned.get("true_false_feedback_true") or "").strip() or None,
                    "false": (cleaned.get("true_false_feedback_false") or "").strip() or None,
                },
            }
        content = content if isinstance(content, dict) else {}
        if qtype == QuestionType.TRUE_FALSE and "answer" not in content:
            self.add_error("true_false_answer", _("Choose whether the statement is true or false."))
        cleaned["content"] = content
        if qtype:
            probe = {
                "type": qtype,
                "stem": cleaned.get("stem") or "x",
                "title": cleaned.get("title") or None,
                **content,
            }
            problems = validate_question(probe)
            if problems:
                field = "true_false_answer" if qtype == QuestionType.TRUE_FALSE else "content"
                if qtype in CHOICE_TYPES and content.get("choices") and not self["content"].value():
                    field = "option_a_text"
                self.add_error(field, forms.ValidationError(problems))
        return cleaned

    def save(self, commit=True):
        self.instance.content = self.cleaned_data["content"]
        return super().save(commit=commit)

    class Meta:
        model = Question
        fields = [
            "bank",
            "category",
            "type",
            "title",
            "stem",
            "stem_format",
            "content",
            "explanation",
            "legal_basis",
            "difficulty",
            "points",
            "tags",
            "status",
        ]


def _option_rows():
    return [
        FieldRowPanel(
            [
                FieldPanel(f"option_{letter}_text"),
                FieldPanel(f"option_{letter}_correct"),
                FieldPanel(f"option_{letter}_weight"),
                FieldPanel(f"option_{letter}_feedback"),
            ]
        )
        for letter in OPTION_LETTERS.lower()
    ]


QUESTION_PANELS = [
    FieldPanel("bank"),
    FieldPanel("category"),
    FieldPanel("type"),
    FieldPanel("title"),
    FieldPanel("stem"),
    FieldPanel("stem_format"),
    MultiFieldPanel(
        _option_rows(),
        heading=_("Options (single and multiple choice)"),
        help_text=_(
            "Fill in the options in the order you write them; examinees see them shuffled if the exam says so. "
            "Tick the correct ones. Leave the weight blank unless an option needs its own (e.g. a penalty): "
            "then a correct option gets its share of 100% and a wrong one 0."
        ),
    ),
    MultiFieldPanel(
        [
            FieldPanel("true_false_answer"),
            FieldRowPanel([FieldPanel("true_false_feedback_true"), FieldPanel("true_false_feedback_false")]),
        ],
        heading=_("Answer (true or false)"),
    ),
    MultiFieldPanel(
        [FieldPanel("content")],
        heading=_("Answer data of the other types (JSON)"),
        help_text=_(
            "Short answer, numerical and matching questions: the JSON of the import schema, e.g. "
            '{"answers": [{"text": "…", "fraction": 1}]}. Not needed for choice or true/false questions '
            "entered above."
        ),
    ),
    FieldPanel("explanation"),
    FieldPanel("legal_basis"),
    FieldRowPanel([FieldPanel("difficulty"), FieldPanel("points")]),
    FieldPanel("tags"),
    FieldPanel("status"),
]
