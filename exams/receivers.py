"""Keeps QuestionBank.revision moving whenever a question (or its tags) changes, so cached draw pools go stale."""

from django.db.models.signals import post_delete, post_save
from taggit.models import TaggedItem

from exams.models import Question, bump_bank_revision


def _question_changed(sender, instance, **kwargs):
    bump_bank_revision(instance.bank_id)


def _tag_changed(sender, instance, **kwargs):
    if instance.content_type.model_class() is Question:
        bank_id = Question.objects.filter(pk=instance.object_id).values_list("bank_id", flat=True).first()
        if bank_id:
            bump_bank_revision(bank_id)


def connect() -> None:
    post_save.connect(_question_changed, sender=Question, dispatch_uid="exams_question_saved")
    post_delete.connect(_question_changed, sender=Question, dispatch_uid="exams_question_deleted")
    post_save.connect(_tag_changed, sender=TaggedItem, dispatch_uid="exams_tag_saved")
    post_delete.connect(_tag_changed, sender=TaggedItem, dispatch_uid="exams_tag_deleted")
