"""Demo selection board: the demo programme's cohort in 东城区, so HR opens a ranked board straight away."""

from django.contrib.auth import get_user_model
from django.db import transaction

from analytics.models import SelectionBoard
from cms.models import Unit
from mentorship.demo import PROGRAMME_NAME
from mentorship.models import Programme

BOARD_TITLE = "2026年度新录用专职安监员择优选用"


def seed(*, stdout, rng) -> None:
    district = Unit.objects.filter(kind=Unit.Kind.DISTRICT).order_by("path").first()
    programme = Programme.objects.filter(name=PROGRAMME_NAME).first()
    if district is None or programme is None:
        stdout.write("analytics demo: no district or programme, skipped")
        return
    with transaction.atomic():
        hr = get_user_model().objects.filter(username="demo_hr").first()
        board, created = SelectionBoard.objects.get_or_create(
            title=BOARD_TITLE, unit=district, defaults={"programme": programme, "created_by": hr}
        )
    stdout.write(
        f"analytics demo: selection board “{board.title}” {'created' if created else 'already there'}"
    )
