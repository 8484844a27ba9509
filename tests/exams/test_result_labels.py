"""The result page labels each question right, partly right (some credit, e.g. 1.50 / 2) or wrong."""

from decimal import Decimal

from django.urls import reverse

from exams import services
from exams.models import Response
from tests.exams.conftest import make_exam


def test_partial_credit_is_labelled_partly_right_not_wrong(client, trainee, bank):
    exam = make_exam(bank, count=3, after_submit_score=True, after_submit_correctness=True)
    attempt = services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    client.force_login(trainee.user)
    client.post(reverse("exams:attempt_submit", args=[attempt.pk]))
    first, second, third = Response.objects.filter(attempt=attempt).order_by("position")
    Response.objects.filter(pk=first.pk).update(
        points=Decimal("2"), manual_score=None, auto_score=Decimal("1.5")
    )
    Response.objects.filter(pk=second.pk).update(
        points=Decimal("2"), manual_score=None, auto_score=Decimal("0")
    )
    Response.objects.filter(pk=third.pk).update(
        points=Decimal("2"), manual_score=None, auto_score=Decimal("2")
    )
    html = client.get(reverse("exams:attempt_result", args=[attempt.pk])).content.decode()
    heads = [h.split("</h2>", 1)[0] for h in html.split('class="q-head"')[1:]]
    assert "部分正确" in heads[0] and "错误" not in heads[0] and "1.50 / 2" in heads[0]
    assert "错误" in heads[1] and "部分正确" not in heads[1]
    assert "部分正确" not in heads[2] and "错误" not in heads[2]
