"""Demo selection board: the demo programme's cohort in 东城区, ranked, with one appointment decision already
recorded (the top-ranked complete candidate appointed to the post suggested for them), so HR sees the whole path
from hire to decision straight away."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import selectors, services
from analytics.models import COMPONENT_LABELS, AppointmentDecision, SelectionBoard
from appraisal.models import Appraisal
from cms.models import Officer, Unit
from exams import demo as exams_demo
from exams import services as exam_services
from exams.models import Exam
from mentorship import services as mentoring
from mentorship.demo import PROGRAMME_NAME
from mentorship.models import Decision, Programme, Submission

BOARD_TITLE = "2026年度新录用专职安监员择优选用"
# Officers in post chosen on their enforcement appraisal (the appraisal demo's cycle of the same district).
IN_POST_BOARD_TITLE = "东城区执法骨干择优选用（在岗人员）"
IN_POST_BOARD_SIZE = 12
DECISION_RATIONALE = (
    "综合得分位列本批次第一，自学、集训和应知应会考试成绩均衡，导师考评良好；特长与岗位要求相符，同意任用。"
)


def _complete_the_leading_record(board, hr, rng) -> None:
    """The demo cohort is recent hires: nobody has sat the qualifying exam or had a milestone signed off yet, so
    every record is incomplete and nobody could be appointed. The candidate leading the board finishes both,
    through the product's own services: they sit the qualifying exam, and their mentor signs off the milestones
    of the stage they are in."""
    ranking = selectors.board_ranking(board, hr)
    if ranking["ranked_rows"] or not ranking["incomplete_rows"]:
        return
    officer = ranking["incomplete_rows"][0]["officer"]
    now = timezone.now()
    exam = Exam.objects.filter(is_qualifying=True, is_published=True).order_by("pk").first()
    if exam is not None and not exam.attempts.filter(officer=officer, is_mock=False).exists():
        at = now - datetime.timedelta(days=2)
        attempt = exam_services.start_attempt(
            exam=exam, officer=officer, by=officer.user, now=at, seed=rng.getrandbits(62)
        )
        exams_demo.answer_paper(attempt, rng=rng, ability=0.95, at=at)
        exam_services.submit_attempt(
            attempt=attempt, by=officer.user, now=at + datetime.timedelta(minutes=42)
        )
    apprenticeship = officer.apprenticeships.filter(programme=board.programme).first()
    pairing = (
        apprenticeship
        and apprenticeship.pairings.filter(ended_on__isnull=True).select_related("mentor__user").first()
    )
    if pairing is None:
        return
    stage = apprenticeship.current_stage or board.programme.stages.order_by("order").last()
    for milestone in stage.milestones.all():
        submission = apprenticeship.submissions.filter(
            milestone=milestone, status=Submission.Status.PENDING
        ).first() or mentoring.submit_evidence(
            apprenticeship=apprenticeship,
            milestone=milestone,
            by=officer.user,
            text=f"按导师要求完成：{milestone.title}。{milestone.evidence_required}已整理。",
            happened_on=timezone.localdate() - datetime.timedelta(days=3),
            place=f"{officer.unit.name}辖区企业",
        )
        if submission.status == Submission.Status.PENDING:
            mentoring.decide(
                submission=submission,
                by=pairing.mentor.user,
                outcome=Decision.Outcome.APPROVED,
                comment="材料齐全，同意。",
            )


def _first_decision(board, hr) -> AppointmentDecision | None:
    """The top-ranked complete candidate appointed to their suggested post (or any open post), once."""
    if board.decisions.exists():
        return None
    ranking = selectors.board_ranking(board, hr)
    for row in ranking["ranked_rows"]:
        post = row.get("suggested_post") or next(iter(ranking["posts"]), None)
        if post is None:
            return None
        return services.decide(
            board=board,
            officer=row["officer"],
            by=hr,
            outcome=AppointmentDecision.Outcome.APPOINT,
            rationale=DECISION_RATIONALE,
            post=post,
        )
    return None


def _in_post_board(district, hr) -> SelectionBoard | None:
    """A second board, among officers in post, weighed on the seventh component (执法考评) alone: the district's
    best-appraised officers (appraisal demo), hand-picked as candidates. Only once appraisals exist; once."""
    if SelectionBoard.objects.filter(title=IN_POST_BOARD_TITLE, unit=district).exists():
        return None
    best: dict[int, None] = {}
    for officer_id in (
        Appraisal.objects.filter(
            officer__unit__path__startswith=district.path, officer__status=Officer.Status.ACTIVE
        )
        .order_by("-total", "officer__employee_no")
        .values_list("officer_id", flat=True)
    ):
        best.setdefault(officer_id, None)
        if len(best) == IN_POST_BOARD_SIZE:
            break
    if not best:
        return None
    board = SelectionBoard.objects.create(
        title=IN_POST_BOARD_TITLE,
        unit=district,
        created_by=hr,
        **{f"w_{key}": 0 for key in COMPONENT_LABELS if key != "appraisal"},
        w_appraisal=100,
    )
    board.candidates.set(list(best))
    return board


def seed(*, stdout, rng) -> None:
    district = Unit.objects.filter(kind=Unit.Kind.DISTRICT).order_by("path").first()
    programme = Programme.objects.filter(name=PROGRAMME_NAME).first()
    if district is None or programme is None:
        stdout.write(_("Selection board: no district or programme; skipped."))
        return
    hr = get_user_model().objects.filter(username="demo_hr").first()
    with transaction.atomic():
        board, created = SelectionBoard.objects.get_or_create(
            title=BOARD_TITLE, unit=district, defaults={"programme": programme, "created_by": hr}
        )
        if hr is not None and not board.decisions.exists():
            _complete_the_leading_record(board, hr, rng)
        decision = _first_decision(board, hr) if hr is not None else None
        in_post = _in_post_board(district, hr)
    if in_post is not None:
        stdout.write(_("Selection board “%(board)s” created.") % {"board": in_post.title})
    if decision is not None:
        stdout.write(
            _("Selection board “%(board)s”: %(name)s appointed to %(post)s.")
            % {"board": board.title, "name": decision.officer.name, "post": decision.post.title}
        )
    elif created:
        stdout.write(_("Selection board “%(board)s” created.") % {"board": board.title})
    else:
        stdout.write(_("Selection board “%(board)s” already there.") % {"board": board.title})
