"""Demo selection board: the demo programme's cohort in 东城区, ranked, with one appointment decision already
recorded (the top-ranked complete candidate appointed to the post suggested for them), so HR sees the whole path
from hire to decision straight away."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from analytics import selectors, services
from analytics.models import AppointmentDecision, SelectionBoard
from cms.models import Unit
from mentorship.demo import PROGRAMME_NAME
from mentorship.models import Programme

BOARD_TITLE = "2026年度新录用专职安监员择优选用"
DECISION_RATIONALE = (
    "综合得分位列本批次第一，自学、集训和应知应会考试成绩均衡，导师考评优秀，里程碑全部按期完成；"
    "特长与岗位要求相符，同意任用。"
)


def _first_decision(board, hr) -> AppointmentDecision | None:
    """The top-ranked complete candidate appointed to their suggested post (or any open post), once."""
    if board.decisions.exists():
        return None
    ranking = selectors.board_ranking(board, hr)
    for row in ranking["ranked_rows"] or ranking["rows"]:
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
        decision = _first_decision(board, hr) if hr is not None else None
    if decision is not None:
        stdout.write(
            _("Selection board “%(board)s”: %(name)s appointed to %(post)s.")
            % {"board": board.title, "name": decision.officer.name, "post": decision.post.title}
        )
    elif created:
        stdout.write(_("Selection board “%(board)s” created.") % {"board": board.title})
    else:
        stdout.write(_("Selection board “%(board)s” already there.") % {"board": board.title})
