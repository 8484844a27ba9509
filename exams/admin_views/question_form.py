"""The question edit form: each question type's answer edited field by field (options of choice questions, the
true/false answer, accepted answers of fill-in-the-blank, numbers with tolerances, matching pairs), each type's editor
in its own functions (fields, initial values, content, panel); the JSON of the import schema stays only for what
has no editor (several blanks, other types), and the panels that lay it out."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from exams.admin_views.question_cloze import cloze_clean, cloze_initial_stem, cloze_panel
from exams.formats import validate_question
from exams.models import Question, QuestionType

OPTION_LETTERS = "ABCDEFGH"  # the import template's columns 选项A…选项H
CHOICE_TYPES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)
ANSWER_ROWS = 6  # accepted answers of a fill-in-the-blank question, numbers of a numerical one
PAIR_ROWS = 10  # matching pairs


def _interpolate(message: str, values: dict) -> str:
    return gettext(message) % values


# A label with a number in it, translated when the form is shown (a label is built once, at import, when no
# language is active: formatting a lazy string there would freeze it in English).
numbered = lazy(_interpolate, str)


def _option_fields():
    fields = {}
    for letter in OPTION_LETTERS:
        key = letter.lower()
        fields[f"option_{key}_text"] = forms.CharField(
            label=numbered(gettext_noop("Option %(letter)s"), {"letter": letter}),
            required=False,
            max_length=2000,
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


def _weight_field():
    return forms.DecimalField(
        label=_("Weight (%)"), required=False, min_value=-100, max_value=100, decimal_places=5
    )


def _short_answer_fields():
    fields = {}
    for n in range(1, ANSWER_ROWS + 1):
        fields[f"answer_{n}_text"] = forms.CharField(
            label=numbered(gettext_noop("Accepted answer %(n)s"), {"n": n}), required=False, max_length=500
        )
        fields[f"answer_{n}_weight"] = _weight_field()
        fields[f"answer_{n}_feedback"] = forms.CharField(
            label=_("Feedback for this answer"), required=False, max_length=2000
        )
    fields["answer_case_sensitive"] = forms.BooleanField(label=_("Case-sensitive"), required=False)
    return fields


def _numerical_fields():
    fields = {}
    for n in range(1, ANSWER_ROWS + 1):
        fields[f"number_{n}_value"] = forms.FloatField(
            label=numbered(gettext_noop("Number %(n)s"), {"n": n}), required=False
        )
        fields[f"number_{n}_tolerance"] = forms.FloatField(
            label=_("Tolerance (±)"), required=False, min_value=0
        )
        fields[f"number_{n}_weight"] = _weight_field()
        fields[f"number_{n}_feedback"] = forms.CharField(
            label=_("Feedback for this answer"), required=False, max_length=2000
        )
    return fields


def _matching_fields():
    fields = {}
    for n in range(1, PAIR_ROWS + 1):
        fields[f"pair_{n}_left"] = forms.CharField(
            label=numbered(gettext_noop("Item %(n)s"), {"n": n}), required=False, max_length=500
        )
        fields[f"pair_{n}_right"] = forms.CharField(label=_("Matches"), required=False, max_length=500)
    return fields


def _percent(fraction: float) -> float | None:
    """A stored fraction as the weight field shows it; a full mark is left blank (blank means 100%)."""
    return None if abs(fraction - 1) < 1e-9 else round(fraction * 100, 5)


def _natural_fractions(qtype: str, correct: list[bool]) -> list[float]:
    """The weights the tick boxes give: 100% for a correct single-choice option; the correct options of a
    multiple-choice question share 100%; wrong options 0."""
    k = sum(correct)
    share = 1.0 if qtype == QuestionType.SINGLE_CHOICE or not k else round(1 / k, 5)
    return [share if c else 0.0 for c in correct]


class QuestionForm(WagtailAdminModelForm):
    """Options (single and multiple choice) and the true/false answer are edited field by field; the other types'
    answer data (accepted answers, numbers with tolerances, matching pairs) as JSON in the import schema."""

    # option_a_text … option_h_feedback, answer_1_text …, number_1_value …, pair_1_left … (a class body's
    # namespace is a dict)
    locals().update(_option_fields())
    locals().update(_short_answer_fields())
    locals().update(_numerical_fields())
    locals().update(_matching_fields())
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
        elif self.instance.type == QuestionType.CLOZE and not self.is_bound:
            self.initial["stem"] = cloze_initial_stem(self.instance) or self.instance.stem
            self.initial["content"] = {}  # the parts are written into the stem
        elif self.instance.type == QuestionType.SHORT_ANSWER and _has_one_blank(content):
            self._initial_short_answer(content)
        elif self.instance.type == QuestionType.NUMERICAL:
            self._initial_numerical(content)
        elif self.instance.type == QuestionType.MATCHING:
            self._initial_matching(content)
        if self.instance.type in FIELD_EDITED_TYPES and _fits_the_editor(self.instance.type, content):
            self.initial["content"] = {}  # shown field by field instead

    def _initial_short_answer(self, content):
        answers = (content.get("blanks") or [content.get("answers") or []])[0]
        for n, answer in enumerate(answers[:ANSWER_ROWS], start=1):
            self.initial[f"answer_{n}_text"] = answer.get("text") or ""
            self.initial[f"answer_{n}_weight"] = _percent(float(answer.get("fraction") or 0))
            self.initial[f"answer_{n}_feedback"] = answer.get("feedback") or ""
        self.initial["answer_case_sensitive"] = bool(content.get("case_sensitive"))

    def _initial_numerical(self, content):
        for n, answer in enumerate((content.get("answers") or [])[:ANSWER_ROWS], start=1):
            self.initial[f"number_{n}_value"] = answer.get("value")
            self.initial[f"number_{n}_tolerance"] = answer.get("tolerance") or 0
            self.initial[f"number_{n}_weight"] = _percent(float(answer.get("fraction") or 0))
            self.initial[f"number_{n}_feedback"] = answer.get("feedback") or ""

    def _initial_matching(self, content):
        for n, pair in enumerate((content.get("pairs") or [])[:PAIR_ROWS], start=1):
            self.initial[f"pair_{n}_left"] = pair.get("left") or ""
            self.initial[f"pair_{n}_right"] = pair.get("right") or ""

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

    def _weight(self, cleaned, name) -> float:
        weight = cleaned.get(name)
        return 1.0 if weight is None else float(weight) / 100

    def _content_from_short_answers(self, cleaned) -> dict | None:
        answers = []
        for n in range(1, ANSWER_ROWS + 1):
            text = (cleaned.get(f"answer_{n}_text") or "").strip()
            feedback = (cleaned.get(f"answer_{n}_feedback") or "").strip() or None
            if not text:
                if feedback or cleaned.get(f"answer_{n}_weight") is not None:
                    self.add_error(f"answer_{n}_text", _("This answer has no text."))
                continue
            answers.append(
                {"text": text, "fraction": self._weight(cleaned, f"answer_{n}_weight"), "feedback": feedback}
            )
        if not answers:
            return None
        return {"answers": answers, "case_sensitive": bool(cleaned.get("answer_case_sensitive"))}

    def _content_from_numbers(self, cleaned) -> dict | None:
        answers = []
        for n in range(1, ANSWER_ROWS + 1):
            value = cleaned.get(f"number_{n}_value")
            feedback = (cleaned.get(f"number_{n}_feedback") or "").strip() or None
            if value is None:
                if cleaned.get(f"number_{n}_tolerance") or cleaned.get(f"number_{n}_weight") is not None:
                    self.add_error(f"number_{n}_value", _("Enter the number."))
                continue
            answers.append(
                {
                    "value": value,
                    "tolerance": cleaned.get(f"number_{n}_tolerance") or 0.0,
                    "fraction": self._weight(cleaned, f"number_{n}_weight"),
                    "feedback": feedback,
                }
            )
        return {"answers": answers} if answers else None

    def _content_from_pairs(self, cleaned) -> dict | None:
        pairs = []
        for n in range(1, PAIR_ROWS + 1):
            left = (cleaned.get(f"pair_{n}_left") or "").strip()
            right = (cleaned.get(f"pair_{n}_right") or "").strip()
            if left and not right:
                self.add_error(f"pair_{n}_right", _("Enter what this item matches."))
            if left or right:
                pairs.append({"left": left, "right": right})  # an empty left is an extra wrong answer
        return {"pairs": pairs} if pairs else None

    def clean(self):
        cleaned = super().clean()
        qtype = cleaned.get("type")
        content = cleaned.get("content")
        if qtype in CHOICE_TYPES:
            from_options = self._content_from_options(cleaned)
            if from_options is not None:
                content = from_options
        elif qtype == QuestionType.CLOZE:
            content = cloze_clean(self, cleaned)
            if self.has_error("stem"):  # the embedded answers could not be read: that one error says why
                cleaned["content"] = content
                return cleaned
        elif qtype == QuestionType.TRUE_FALSE and cleaned.get("true_false_answer"):
            content = {
                "answer": cleaned["true_false_answer"] == "true",
                "feedback": {
                    "true": (cleaned.get("true_false_feedback_true") or "").strip() or None,
                    "false": (cleaned.get("true_false_feedback_false") or "").strip() or None,
                },
            }
        else:
            builder = {
                QuestionType.SHORT_ANSWER: self._content_from_short_answers,
                QuestionType.NUMERICAL: self._content_from_numbers,
                QuestionType.MATCHING: self._content_from_pairs,
            }.get(qtype)
            from_fields = builder(cleaned) if builder else None
            if from_fields is not None:
                content = from_fields
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
                if not (self.data.get(self.add_prefix("content")) or "").strip():
                    field = FIRST_FIELD.get(
                        qtype, field
                    )  # entered field by field: name the editor's first row
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


FIELD_EDITED_TYPES = (QuestionType.SHORT_ANSWER, QuestionType.NUMERICAL, QuestionType.MATCHING)
FIRST_FIELD = {
    QuestionType.SINGLE_CHOICE: "option_a_text",
    QuestionType.MULTIPLE_CHOICE: "option_a_text",
    QuestionType.SHORT_ANSWER: "answer_1_text",
    QuestionType.NUMERICAL: "number_1_value",
    QuestionType.MATCHING: "pair_1_left",
}


def _has_one_blank(content: dict) -> bool:
    return len(content.get("blanks") or []) <= 1


def _fits_the_editor(qtype: str, content: dict) -> bool:
    """Whether the stored answer fits the rows of its type's editor (else it stays in the JSON box)."""
    if qtype == QuestionType.SHORT_ANSWER:
        answers = (content.get("blanks") or [content.get("answers") or []])[0]
        return _has_one_blank(content) and len(answers) <= ANSWER_ROWS
    if qtype == QuestionType.NUMERICAL:
        answers = content.get("answers") or []
        return len(answers) <= ANSWER_ROWS and all(a.get("value") is not None for a in answers)
    if qtype == QuestionType.MATCHING:
        return len(content.get("pairs") or []) <= PAIR_ROWS
    return False


def _option_rows():
    return [
        FieldRowPanel(
            [
                FieldPanel(f"option_{letter}_text", classname="col3"),
                FieldPanel(f"option_{letter}_correct"),
                FieldPanel(f"option_{letter}_weight"),
                FieldPanel(f"option_{letter}_feedback"),
            ]
        )
        for letter in OPTION_LETTERS.lower()
    ]


def short_answer_panel():
    rows = [
        FieldRowPanel(
            [
                FieldPanel(f"answer_{n}_text", classname="col3"),
                FieldPanel(f"answer_{n}_weight"),
                FieldPanel(f"answer_{n}_feedback"),
            ]
        )
        for n in range(1, ANSWER_ROWS + 1)
    ]
    return MultiFieldPanel(
        [*rows, FieldPanel("answer_case_sensitive")],
        heading=_("Accepted answers (fill in the blank)"),
        classname="question-editor question-editor--short_answer",
        help_text=_(
            "One accepted answer per row. Leave the weight blank for a fully right answer; give a partly "
            "right one its share, e.g. 50."
        ),
    )


def numerical_panel():
    rows = [
        FieldRowPanel(
            [
                FieldPanel(f"number_{n}_value"),
                FieldPanel(f"number_{n}_tolerance"),
                FieldPanel(f"number_{n}_weight"),
                FieldPanel(f"number_{n}_feedback"),
            ]
        )
        for n in range(1, ANSWER_ROWS + 1)
    ]
    return MultiFieldPanel(
        rows,
        heading=_("Accepted numbers (numerical)"),
        classname="question-editor question-editor--numerical",
        help_text=_(
            "An answer within the tolerance of a number counts. Leave the weight blank for a fully right "
            "number; give a nearly right one its share, e.g. 50."
        ),
    )


def matching_panel():
    rows = [
        FieldRowPanel(
            [
                FieldPanel(f"pair_{n}_left", classname="col3"),
                FieldPanel(f"pair_{n}_right", classname="col3"),
            ]
        )
        for n in range(1, PAIR_ROWS + 1)
    ]
    return MultiFieldPanel(
        rows,
        heading=_("Pairs (matching)"),
        classname="question-editor question-editor--matching",
        help_text=_(
            "Each item and what it matches; examinees see the right-hand sides shuffled. A right-hand side "
            "with no item is an extra wrong answer."
        ),
    )


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
        classname="question-editor question-editor--single_choice question-editor--multiple_choice",
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
        classname="question-editor question-editor--true_false",
    ),
    short_answer_panel(),
    numerical_panel(),
    matching_panel(),
    cloze_panel(),
    MultiFieldPanel(
        [FieldPanel("content")],
        heading=_("Answer data as JSON (advanced)"),
        classname="question-editor question-editor--json",
        help_text=_(
            "Only for what the editors above cannot hold (a fill-in-the-blank question with several blanks, "
            "more rows than they have): the JSON of the import schema. Leave it empty otherwise."
        ),
    ),
    FieldPanel("explanation"),
    FieldPanel("legal_basis"),
    FieldRowPanel([FieldPanel("difficulty"), FieldPanel("points")]),
    FieldPanel("tags"),
    FieldPanel("status"),
]
