"""Forms for the mentor and apprentice pages."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mentorship.models import APPRENTICE_RUBRIC, MENTOR_RUBRIC, Decision, Evaluation, Milestone

# The file picker filter only (image/* keeps the phone camera offered); cms.uploads checks the content.
ACCEPT = "image/*,.heic,.heif,.pdf,.doc,.docx,.txt"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class EvidenceForm(forms.Form):
    text = forms.CharField(label=_("What I did"), widget=forms.Textarea(attrs={"rows": 4}))
    happened_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    files = MultipleFileField(label=_("Photos or files"), widget=MultipleFileInput(attrs={"accept": ACCEPT}))


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            (Decision.Outcome.APPROVED, _("Sign off")),
            (Decision.Outcome.RETURNED, _("Return")),
            (Decision.Outcome.REVOKED, _("Withdraw sign-off")),
        ]
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssignmentForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    description = forms.CharField(
        label=_("What to do"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_on = forms.DateField(
        label=_("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    milestone = forms.ModelChoiceField(
        label=_("Linked milestone"), queryset=Milestone.objects.none(), required=False
    )

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programme is not None:
            self.fields["milestone"].queryset = Milestone.objects.filter(
                stage__programme=programme
            ).select_related("stage")


class ReportForm(forms.Form):
    text = forms.CharField(label=_("Report"), widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Photos or files"), widget=MultipleFileInput(attrs={"accept": ACCEPT}))


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"), coerce=int, choices=[(i, str(i)) for i in range(5, 0, -1)]
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    accepted = forms.TypedChoiceField(
        label=_("Result"),
        coerce=lambda v: v == "1",
        choices=[("1", _("Accept")), ("0", pgettext_lazy("task", "Redo"))],
    )


class EvaluationForm(forms.Form):
    overall_comment = forms.CharField(
        label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, direction=Evaluation.Direction.OF_APPRENTICE, **kwargs):
        super().__init__(*args, **kwargs)
        rubric = APPRENTICE_RUBRIC if direction == Evaluation.Direction.OF_APPRENTICE else MENTOR_RUBRIC
        self.rubric = rubric
        for key, label in rubric:
            self.fields[f"score_{key}"] = forms.TypedChoiceField(
                label=label,
                coerce=int,
                choices=[(i, str(i)) for i in range(5, 0, -1)],
                widget=forms.RadioSelect,
            )
            self.fields[f"comment_{key}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=500
            )

    def scores(self):
        return {key: self.cleaned_data[f"score_{key}"] for key, _label in self.rubric}

    def comments(self):
        return {key: self.cleaned_data.get(f"comment_{key}", "") for key, _label in self.rubric}
