"""Labels for codes the staff screens would otherwise print raw: question types and import formats."""

from django import template
from django.utils.translation import gettext_lazy as _

from exams.models import QuestionType

register = template.Library()

IMPORT_FORMAT_LABELS = {
    "xlsx": _("Excel workbook (xlsx)"),
    "csv": _("CSV table"),
    "gift": _("GIFT text (Moodle)"),
    "moodle-xml": _("Moodle XML"),
    "aiken": _("Aiken text"),
    "json": _("JSON (this platform's export)"),
    "docx": _("Word document (docx)"),
}


@register.filter
def question_type_label(code) -> str:
    """`single_choice` → 单选题; an unknown code is shown as it is."""
    try:
        return QuestionType(code).label
    except ValueError:
        return code


@register.filter
def import_format_label(code) -> str:
    return IMPORT_FORMAT_LABELS.get(code, code)
