"""The runner's correction of a submitted review in the admin (更正评分): from a file's reviews on the round's results,
a form pre-filled from the current review saves a correction through the service, and the file's page shows the
correction chain (original → corrected, who, when, why, which scores changed). Runners of the round's subtree only;
never on a file they handled; HR reads the chain; other districts get 404; bounded queries. (A PermissionDenied in the
admin reaches the user as Wagtail's redirect to the dashboard.)"""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from appraisal.models import CaseReview, ReviewRound
from appraisal.services import reviews
from cms.models import AuditEvent, UserScope
from tests.appraisal.review_factories import make_setup, submit, uniform
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(make_officer):
    """An open round of 南城区 with one file of 南湖街道, both reviews submitted (80 and 75)."""
    s = make_setup(make_officer)
    rc = s.round_cases[0]
    s.first = submit(s, rc, 1, uniform(s.round, 8, {"facts": "事实基本清楚"}), comment="总体规范")
    s.second = submit(s, rc, 2, uniform(s.round, "7.5"))
    return s


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def _file_url(s):
    return reverse("appraisal_results_file", args=[s.round.pk, s.round_cases[0].pk])


def _correct_url(s, review):
    return reverse("appraisal_results_correct", args=[s.round.pk, review.pk])


def _assert_refused(response):
    """A PermissionDenied in the admin: Wagtail sends the user to the dashboard with its 'no permission' notice."""
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


def _post_data(round_, scores: dict, reason="复核发现事实认定扣分过轻", comment="总体规范"):
    data = {"reason": reason, "comment": comment}
    for item in round_.rubric.items.all():
        data[f"score_{item.pk}"] = str(scores.get(item.code, 8))
        data[f"finding_{item.pk}"] = "事实认定证据不足" if item.code == "facts" else ""
    return data


def test_leader_corrects_a_review_and_sees_the_chain(client, reviewed, django_assert_max_num_queries):
    s = reviewed
    client.force_login(s.leader)
    results = client.get(reverse("appraisal_results_detail", args=[s.round.pk])).content.decode()
    assert _file_url(s) in results  # the file's number links to its reviews

    with django_assert_max_num_queries(20):
        page = client.get(_file_url(s)).content.decode()
    assert page.count("data-correct") == 2 and _correct_url(s, s.first) in page
    assert "赵评查" in page and "钱评查" in page and "事实基本清楚" in page

    form = client.get(_correct_url(s, s.first)).content.decode()
    facts = s.round.rubric.items.get(code="facts")
    # pre-filled from the current review: every score, the findings and the overall comment
    assert re.search(rf'name="score_{facts.pk}"[^>]*value="8"', form)
    assert "事实基本清楚" in form and "总体规范" in form
    assert 'name="reason"' in form

    response = client.post(_correct_url(s, s.first), _post_data(s.round, {"facts": 5}))
    assert response.status_code == 302 and response["Location"] == _file_url(s)
    correction = CaseReview.objects.get(corrects=s.first)
    assert correction.submitted_by == s.leader and correction.reason == "复核发现事实认定扣分过轻"
    assert correction.total == Decimal("74.00")  # 20 × 0.5 + 80 × 0.8
    assert correction.scores.get(item=facts).finding == "事实认定证据不足"
    event = AuditEvent.objects.get(action="appraisal.review_correct")
    assert event.actor == s.leader and event.before["total"] == "80.00"
    s.round_cases[0].refresh_from_db()
    assert s.round_cases[0].score == Decimal("74.50")  # (74 + 75) / 2

    with django_assert_max_num_queries(20):
        page = client.get(_file_url(s)).content.decode()
    chain = page[page.index('id="assignment-1"') : page.index('id="assignment-2"')]
    assert chain.index(f'data-review="{s.first.pk}"') < chain.index(f'data-review="{correction.pk}"')
    assert "leader_south" in chain  # who corrected
    assert timezone.localtime(correction.submitted_at).strftime("%Y-%m-%d") in chain  # when, in local time
    assert "复核发现事实认定扣分过轻" in chain  # why
    assert "事实认定：8.00 → 5.00" in chain  # what changed
    assert "80.00" in chain and "74.00" in chain
    # the button now corrects the latest review; the superseded one has none
    assert _correct_url(s, correction) in page and _correct_url(s, s.first) not in page


def test_the_reason_is_required_and_scores_stay_within_the_item(client, reviewed):
    s = reviewed
    client.force_login(s.leader)
    response = client.post(_correct_url(s, s.first), _post_data(s.round, {"facts": 5}, reason=" "))
    assert response.status_code == 400 and 'name="reason"' in response.content.decode()
    facts = s.round.rubric.items.get(code="facts")
    response = client.post(_correct_url(s, s.first), _post_data(s.round, {"facts": 11}))
    assert response.status_code == 400
    fieldset = response.content.decode().split(f'id="item-{facts.pk}"')[1].split("</fieldset>")[0]
    assert 'class="error-message"' in fieldset
    assert not CaseReview.objects.filter(corrects=s.first).exists()


def test_a_superseded_review_is_not_corrected_again(client, reviewed):
    s = reviewed
    reviews.correct_review(by=s.reviewers[0].user, review=s.first, scores=uniform(s.round, 7), reason="误录")
    client.force_login(s.leader)
    response = client.post(_correct_url(s, s.first), _post_data(s.round, {"facts": 5}), follow=True)
    assert response.redirect_chain[-1][0] == _file_url(s)
    assert _zh("This review was already corrected; open the latest one.") in response.content.decode()
    assert CaseReview.objects.filter(assignment__ordinal=1).count() == 2


def test_a_runner_corrects_after_the_round_closed(client, reviewed):
    s = reviewed
    ReviewRound.objects.filter(pk=s.round.pk).update(status=ReviewRound.Status.CLOSED)
    client.force_login(s.leader)
    response = client.post(_correct_url(s, s.second), _post_data(s.round, {}, reason="结案后复核"))
    assert response.status_code == 302
    s.round_cases[0].refresh_from_db()
    assert s.round_cases[0].score == Decimal("80.00")  # both reviews now 80


def test_other_districts_hr_trainees_and_reviewers_are_refused(
    client, reviewed, leader_east, district_east, trainee
):
    s = reviewed
    data = _post_data(s.round, {"facts": 1})
    # another district's leader: the round does not exist for them
    client.force_login(leader_east)
    assert client.get(_file_url(s)).status_code == 404
    assert client.get(_correct_url(s, s.first)).status_code == 404
    assert client.post(_correct_url(s, s.first), data).status_code == 404
    # HR of the district reads the chain but may not correct
    hr_south = make_staff("hr_south", "hr", s.district)
    client.force_login(hr_south)
    page = client.get(_file_url(s))
    assert page.status_code == 200 and "data-correct" not in page.content.decode()
    _assert_refused(client.get(_correct_url(s, s.first)))
    _assert_refused(client.post(_correct_url(s, s.first), data))
    # a trainee and the reviewer themself have no admin screen (the reviewer corrects on their own page)
    for user in (trainee.user, s.reviewers[0].user, s.handler.user):
        client.force_login(user)
        for response in (client.get(_correct_url(s, s.first)), client.post(_correct_url(s, s.first), data)):
            assert response.status_code == 302
            assert response["Location"].split("?")[0] == reverse("wagtailadmin_login")
    assert not CaseReview.objects.filter(corrects__isnull=False).exists()


def test_a_runner_who_handled_the_file_does_not_correct_it(client, reviewed, make_officer):
    s = reviewed
    deputy = make_officer(s.streets[0], username="deputy_south", name="李副主任", roles=("unit_leader",))
    UserScope.objects.create(user=deputy.user, unit=s.district)
    s.round_cases[0].case.co_handlers.add(deputy)
    client.force_login(deputy.user)
    page = client.get(_file_url(s))
    assert page.status_code == 200 and "data-correct" not in page.content.decode()
    _assert_refused(client.get(_correct_url(s, s.first)))
    _assert_refused(client.post(_correct_url(s, s.first), _post_data(s.round, {"facts": 10})))
    # the service holds the same rule
    with pytest.raises(reviews.ReviewRefused) as refused:
        reviews.correct_review(by=deputy.user, review=s.first, scores=uniform(s.round, 10), reason="改")
    assert refused.value.code == "handled_file"
    assert not CaseReview.objects.filter(corrects__isnull=False).exists()


def test_files_and_reviews_are_found_only_through_their_own_round(client, reviewed):
    s = reviewed
    client.force_login(s.leader)
    other = ReviewRound.objects.create(
        name="另一轮次",
        status=ReviewRound.Status.OPEN,
        unit=s.district,
        period_start=s.round.period_start,
        period_end=s.round.period_end,
        rubric=s.round.rubric,
        seed=1,
        per_street=1,
        opened_by=s.leader,
    )
    # a file or a review is reached only through the round it belongs to
    assert (
        client.get(reverse("appraisal_results_file", args=[other.pk, s.round_cases[0].pk])).status_code == 404
    )
    assert client.get(reverse("appraisal_results_correct", args=[other.pk, s.first.pk])).status_code == 404


def test_the_screens_queries_do_not_grow_with_the_chain(client, reviewed, django_assert_max_num_queries):
    s = reviewed
    client.force_login(s.leader)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    results_url = reverse("appraisal_results_detail", args=[s.round.pk])
    before = {"file": count(_file_url(s)), "results": count(results_url)}
    latest = s.first
    for n in range(3):
        latest = reviews.correct_review(
            by=s.leader, review=latest, scores=uniform(s.round, 5 + n), reason=f"第{n + 1}次复核"
        )
    assert {"file": count(_file_url(s)), "results": count(results_url)} == before
    with django_assert_max_num_queries(20):
        client.get(_correct_url(s, latest))
    with django_assert_max_num_queries(20):
        client.get(results_url)
