"""Reviewer and handler pages: reviewers see only their own files (404 otherwise), submit through the form with a
confirmation, the case documents open only for those who may read the file, handlers see results only after close."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from appraisal.models import CaseDocument, CaseReview
from appraisal.services import rounds
from tests.appraisal.review_factories import make_setup, submit, uniform

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _form_data(round_, score, confirm=True, **extra):
    data = {f"score-{item.pk}": str(score) for item in round_.rubric.items.all()}
    data.update({f"finding-{item.pk}": f"{item.name}意见" for item in round_.rubric.items.all()})
    if confirm:
        data["confirm"] = "1"
    data.update(extra)
    return data


def test_reviewer_lists_only_their_own_files(client, make_officer):
    s = make_setup(make_officer, files=2)
    a, b = s.round_cases
    client.force_login(s.reviewers[0].user)
    page = client.get(reverse("appraisal:reviews")).content.decode()
    assert a.case.number in page and b.case.number in page
    client.force_login(s.reviewers[2].user)  # assigned nothing
    page = client.get(reverse("appraisal:reviews")).content.decode()
    assert a.case.number not in page


def test_a_file_not_assigned_to_the_user_is_404(client, make_officer):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    first = s.assignment(rc, 1)
    for user in (s.reviewers[1].user, s.reviewers[2].user, s.handler.user, s.leader):
        client.force_login(user)
        assert client.get(reverse("appraisal:review", args=[first.pk])).status_code == 404
        assert (
            client.post(reverse("appraisal:review", args=[first.pk]), _form_data(s.round, 8)).status_code
            == 404
        )
    assert not CaseReview.objects.exists()


def test_reviewer_submits_through_the_form_on_a_phone(client, make_officer):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    assignment = s.assignment(rc, 1)
    client.force_login(s.reviewers[0].user)
    url = reverse("appraisal:review", args=[assignment.pk])
    page = client.get(url).content.decode()
    assert rc.case.title in page and "事实认定的评分说明" in page and 'name="confirm"' in page
    # without the confirmation nothing is written
    response = client.post(url, _form_data(s.round, 8, confirm=False))
    assert response.status_code == 400 and not CaseReview.objects.exists()
    # an out-of-range score is named on its item, what was typed stays
    bad = _form_data(s.round, 8)
    facts = s.round.rubric.items.get(code="facts")
    bad[f"score-{facts.pk}"] = "12"
    response = client.post(url, bad)
    assert response.status_code == 400
    assert "事实认定" in response.content.decode() and 'value="12"' in response.content.decode()
    assert not CaseReview.objects.exists()
    response = client.post(url, _form_data(s.round, 8))
    assert response.status_code == 302
    review = CaseReview.objects.get()
    assert review.total == 80 and review.scores.get(item=facts).finding == "事实认定意见"
    # final: a second post is refused and nothing changes
    client.post(url, _form_data(s.round, 9))
    assert CaseReview.objects.count() == 1 and CaseReview.objects.get().total == 80


def test_case_documents_open_only_for_those_who_may_read_the_file(client, make_officer, district_west):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    doc = CaseDocument(case=rc.case, original_name="询问笔录.pdf", content_type="application/pdf", size=8)
    doc.file.save("case-doc.pdf", ContentFile(b"%PDF-1.4"), save=True)
    url = reverse("appraisal:document", args=[doc.pk])
    outsider = make_officer(s.streets[1], username="outsider", roles=("mentor",))
    for user, status in (
        (s.reviewers[0].user, 200),
        (s.leader, 200),
        (outsider.user, 404),
        (s.reviewers[2].user, 404),  # not (yet) on this file
        (s.handler.user, 404),  # the round is still open
    ):
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    submit(s, rc, 1, uniform(s.round, 8))
    submit(s, rc, 2, uniform(s.round, 8))
    rounds.close_round(by=s.leader, round_=s.round)
    client.force_login(s.handler.user)
    assert client.get(url).status_code == 200


def test_handler_sees_results_only_after_the_round_closes(client, make_officer):
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    submit(s, rc, 1, uniform(s.round, 5))
    submit(s, rc, 2, uniform(s.round, 6))
    client.force_login(s.handler.user)
    page = client.get(reverse("appraisal:results")).content.decode()
    assert rc.case.number not in page and "55.00" not in page
    rounds.close_round(by=s.leader, round_=s.round)
    page = client.get(reverse("appraisal:results")).content.decode()
    assert rc.case.number in page and "55.00" in page and "5.50" in page  # file score and per-item mean


def test_my_training_shows_pending_reviews_as_a_next_step(client, make_officer):
    s = make_setup(make_officer)
    client.force_login(s.reviewers[0].user)
    page = client.get(reverse("my_training")).content.decode()
    assert reverse("appraisal:reviews") in page and "case-review-section" in page
    client.force_login(s.handler.user)
    assert "case-review-section" not in client.get(reverse("my_training")).content.decode()


def test_review_form_queries_are_bounded(client, make_officer, django_assert_max_num_queries):
    s = make_setup(make_officer)
    assignment = s.assignment(s.round_cases[0], 1)
    client.force_login(s.reviewers[0].user)
    url = reverse("appraisal:review", args=[assignment.pk])
    client.get(url)
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


def test_the_correction_form_shows_whole_scores_as_typed(client, make_officer):
    """A full mark of 10 is pre-filled as "10", not Decimal.normalize()'s "1E+1" (which the number field rejects)."""
    s = make_setup(make_officer)
    assignment = s.assignment(s.round_cases[0], 1)
    client.force_login(s.reviewers[0].user)
    url = reverse("appraisal:review", args=[assignment.pk])
    assert client.post(url, _form_data(s.round, 10)).status_code == 302
    page = client.get(url).content.decode()
    assert 'id="correct-review"' in page
    assert "E+" not in page and 'value="10"' in page
