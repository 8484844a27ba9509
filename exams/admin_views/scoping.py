"""Unit scope of banks, knowledge points and questions on the staff screens. A bank belongs to a unit, a knowledge
point and a question to their bank's: staff change those of their subtree; they read, but never change, the ones of
units above them (the city's)."""

from __future__ import annotations

from cms.selectors import owned_rows_editable_by, owned_rows_readable_by
from exams.models import Category, Question, QuestionBank


def banks_editable_by(user):
    """Banks the user may change, import into, publish and regrade: owned inside their subtree (city banks: city
    scope only)."""
    return owned_rows_editable_by(user, QuestionBank.objects.all())


def banks_readable_by(user):
    """Editable banks plus, read-only, those owned by an ancestor of the user's scope (the city's)."""
    return owned_rows_readable_by(user, QuestionBank.objects.all())


def categories_editable_by(user):
    return owned_rows_editable_by(user, Category.objects.all(), unit_field="bank__unit")


def categories_readable_by(user):
    return owned_rows_readable_by(user, Category.objects.all(), unit_field="bank__unit")


def questions_editable_by(user):
    return owned_rows_editable_by(user, Question.objects.all(), unit_field="bank__unit")


def questions_readable_by(user):
    return owned_rows_readable_by(user, Question.objects.all(), unit_field="bank__unit")
