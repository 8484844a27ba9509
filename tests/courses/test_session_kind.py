"""Session kinds (集训 / 示范观摩 / 交叉执法 / 其他): the admin lists and filters by kind, learners see it, every kind
credits attended days as study hours, and the ledger of the personal record (一人一档) names the session's kind."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from courses import services
from courses.models import SessionKind, StudyHoursEntry, TrainingDay, TrainingSession


def test_a_new_session_is_centralized_training_by_default(session):
    assert TrainingSession.objects.get(pk=session.pk).kind == SessionKind.TRAINING


@pytest.mark.parametrize("kind", [SessionKind.DEMONSTRATION, SessionKind.CROSS_ENFORCEMENT])
def test_demonstration_and_cross_enforcement_credit_hours_like_training_and_say_so_in_the_record(
    client, session, trainee, training_admin_east, kind
):
    session.kind = kind
    session.save()
    services.register(session=session, officer=trainee, by=training_admin_east)
    day1, _day2 = session.days.all()
    services.record_attendance(day=day1, statuses={trainee.pk: "present"}, by=training_admin_east)
    line = StudyHoursEntry.objects.get(officer=trainee)
    assert line.hours == Decimal("6.00") and line.source_kind == StudyHoursEntry.SourceKind.SESSION_DAY
    client.force_login(trainee.user)
    response = client.get("/learn/record/")
    with translation.override("zh-hans"):
        label = str(SessionKind(kind).label)
        source = str(StudyHoursEntry.SourceKind.SESSION_DAY.label)
    assert response.context["ledger"][0].session_kind == label
    assert f"{source} · {label}" in response.content.decode()


def test_demonstration_and_cross_enforcement_days_count_as_practice_in_the_record(
    client, session, trainee, training_admin_east, district_east
):
    """Participation is credited as study hours and as practice: the record's yearly table says how many of the
    year's hours were practice (示范观摩 and 交叉执法 days); centralized training days are not."""
    services.register(session=session, officer=trainee, by=training_admin_east)
    training_day, _ = session.days.all()
    services.record_attendance(day=training_day, statuses={trainee.pk: "present"}, by=training_admin_east)
    practice = []
    for kind in (SessionKind.DEMONSTRATION, SessionKind.CROSS_ENFORCEMENT):
        other = TrainingSession.objects.create(
            title=f"{kind}活动",
            kind=kind,
            organizer=district_east,
            location="东华街道",
            capacity=10,
            hours_per_day=Decimal("4"),
            status=TrainingSession.Status.OPEN,
            registration_opens=session.registration_opens,
            registration_closes=session.registration_closes,
        )
        TrainingDay.objects.create(
            session=other, date=training_day.date, start=training_day.start, end=training_day.end
        )
        services.register(session=other, officer=trainee, by=training_admin_east)
        services.record_attendance(
            day=other.days.get(), statuses={trainee.pk: "present"}, by=training_admin_east
        )
        practice.append(other)
    lines = StudyHoursEntry.objects.filter(officer=trainee)
    total = sum(line.hours for line in lines)
    practice_hours = sum(line.hours for line in lines if line.context_id in {p.pk for p in practice})
    assert practice_hours == Decimal("8.00") and total == Decimal("14.00")

    client.force_login(trainee.user)
    response = client.get("/learn/record/")
    year = response.context["years"][0]
    assert (year["total"], year["practice"]) == (total, practice_hours)
    table = response.content.decode().split('id="record-hours"', 1)[1].split("</table>", 1)[0]
    assert "其中实践学时" in table
    assert re.search(r'data-label="其中实践学时">8</td>', table)
    assert re.search(r'data-label="已获学时">14</td>', table)


def test_learner_pages_show_the_kind(client, session, trainee):
    session.kind = SessionKind.DEMONSTRATION
    session.save()
    client.force_login(trainee.user)
    with translation.override("zh-hans"):
        label = str(SessionKind.DEMONSTRATION.label)
    assert label in client.get("/learn/sessions/").content.decode()
    assert label in client.get(f"/learn/sessions/{session.pk}/").content.decode()


def test_admin_list_filters_by_kind(client, session, district_east, training_admin_east):
    TrainingSession.objects.create(
        title="交叉执法检查活动",
        kind=SessionKind.CROSS_ENFORCEMENT,
        organizer=district_east,
        location="各街道",
        capacity=10,
        total_hours=Decimal("4"),
    )
    client.force_login(training_admin_east)
    html = client.get("/admin/courses_session/?kind=cross_enforcement").content.decode()
    assert "交叉执法检查活动" in html and session.title not in html
