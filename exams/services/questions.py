"""Questions: categories, published versions, bulk creation from exams.formats dicts, export."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from cms import audit
from exams.models import (
    Category,
    Question,
    QuestionBank,
    QuestionVersion,
    bump_bank_revision,
)
from exams.selectors import (
    question_data,
)

QUESTION_FIELDS = (
    "type",
    "title",
    "stem",
    "stem_format",
    "category",
    "explanation",
    "legal_basis",
    "difficulty",
    "points",
    "tags",
)


def category_for_path(*, bank: QuestionBank, path: str | None) -> Category | None:
    """The category at `path` ("法律法规/安全生产法"), creating the missing levels."""
    if not path:
        return None
    parent = None
    for name in [p.strip() for p in path.replace("$course$/", "").split("/") if p.strip()]:
        full = f"{parent.path}/{name}" if parent else name
        parent = Category.objects.filter(bank=bank, path=full).first() or Category.objects.create(
            bank=bank, parent=parent, name=name
        )
    return parent


def question_sync_version(*, question: Question, by) -> QuestionVersion | None:
    """Freeze the question's current content as a new version when it is published and has changed."""
    if question.status != Question.Status.PUBLISHED:
        return None
    data = question_data(question)
    current = question.current_version
    if current is not None and current.data == data:
        return None
    number = (question.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = QuestionVersion(question=question, number=number, data=data, created_by=by)
    version.save(force_insert=True)
    Question.objects.filter(pk=question.pk).update(current_version=version, version=number)
    bump_bank_revision(question.bank_id)
    question.current_version, question.version = version, number
    return version


@transaction.atomic
def question_publish(*, questions, by) -> int:
    count = 0
    for question in questions:
        was = question.status
        question.status = Question.Status.PUBLISHED
        if was != question.status:
            Question.objects.filter(pk=question.pk).update(status=question.status)
        if question_sync_version(question=question, by=by) is not None:
            audit.record(
                actor=by, action="exams.question_publish", obj=question, after={"version": question.version}
            )
            count += 1
    return count


def _question_fields(bank: QuestionBank, data: dict, categories: dict) -> tuple[dict, dict, list[str]]:
    path = data.get("category") or None
    if path not in categories:
        categories[path] = category_for_path(bank=bank, path=path)
    content = {k: v for k, v in data.items() if k not in QUESTION_FIELDS}
    fields = {
        "bank": bank,
        "category": categories[path],
        "type": data["type"],
        "title": (data.get("title") or "")[:200],
        "stem": data.get("stem") or "",
        "stem_format": data.get("stem_format") or "plain",
        "explanation": data.get("explanation") or "",
        "legal_basis": data.get("legal_basis") or "",
        "difficulty": int(data.get("difficulty") or 3),
        "points": Decimal(str(data.get("points") or 1)),
    }
    return fields, content, [str(t) for t in data.get("tags") or []]


def import_questions(
    *, bank: QuestionBank, questions: list[dict], by, publish: bool = True, progress=None, source: str = ""
) -> list[Question]:
    """Create questions (and their first versions when publishing) from exams.formats dicts, all or nothing."""
    created = []
    categories: dict = {}
    with transaction.atomic():
        for i, data in enumerate(questions, start=1):
            fields, content, tags = _question_fields(bank, data, categories)
            question = Question.objects.create(
                **fields,
                content=content,
                status=Question.Status.PUBLISHED if publish else Question.Status.DRAFT,
            )
            if tags:
                question.tags.set(tags)
            question_sync_version(question=question, by=by)
            created.append(question)
            if progress is not None and (i % 50 == 0 or i == len(questions)):
                progress(i)
        audit.record(
            actor=by,
            action="exams.question_import",
            obj=bank,
            after={"count": len(created), "source": source, "published": publish},
        )
    return created


def export_questions(*, bank: QuestionBank) -> list[dict]:
    qs = Question.objects.filter(bank=bank).select_related("category").prefetch_related("tags").order_by("id")
    return [question_data(q, tags=[t.name for t in q.tags.all()]) for q in qs]
