"""Data and job starts for the qcluster fault tests, run against the deployment's database (its environment, as
make_examinees.py is); each prints one line of JSON.

    python tests/deploy/make_jobs.py roster-upload ROWS [--prefix BR] [--recent K]
                                                   # a superuser uploads a ROWS-row roster (queues the dry run)
    python tests/deploy/make_jobs.py roster-confirm ID       # the uploader confirms it (queues the import task)
    python tests/deploy/make_jobs.py apprentices N [--overdue] [--evidence K]
    python tests/deploy/make_jobs.py sweep                   # queue the nightly sweep as its schedule does
    python tests/deploy/make_jobs.py schedules               # manage.py setup_schedules
"""

import argparse
import datetime
import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_q.tasks import async_task  # noqa: E402

from bench.roster_import import build_rows, encode  # noqa: E402
from cms.models import Role, Unit, UserScope  # noqa: E402
from cms.roster.task import roster_confirm, roster_upload  # noqa: E402
from cms.schedules import apply_schedules  # noqa: E402
from mentorship import services  # noqa: E402
from mentorship.models import (  # noqa: E402
    Apprenticeship,
    MentorshipSettings,
    Milestone,
    Programme,
    Stage,
    StageProgress,
)
from tests.factories import EmploymentSpellFactory, OfficerFactory, UserFactory, make_unit  # noqa: E402


def roster_upload_cmd(rows: int, *, prefix: str = "BR", recent: int = 0) -> dict:
    """A superuser uploads ROWS rows of bench.roster_import's roster (employee numbers PREFIX…). --recent K adds K
    hires of the last few weeks in a district of their own that has a running programme: the import starts K
    programmes (mentorship's sync, inside the import's transaction)."""
    tag = os.urandom(3).hex()
    admin = get_user_model().objects.create_superuser(f"rosteradmin{tag}", f"r{tag}@example.com", None)
    table = build_rows(rows, random.Random(14))
    for row in table:
        row[0] = prefix + row[0][2:]
    programme = None
    if recent:
        city = Unit.objects.filter(depth=1, name="示范市").first() or make_unit("FSFS", "示范市", kind="city")
        district = make_unit(f"FD{tag}", f"新录用检查区{tag}", kind="district", parent=city)
        programme = Programme.objects.create(
            unit=district, name=f"新录用培养方案{tag}", staff_categories=["full_time", "auxiliary"]
        )
        Stage.objects.create(programme=programme, order=1, name="跟岗实践", due_days=365)
        today = timezone.localdate()
        for i in range(recent):
            hired = today - datetime.timedelta(days=i % 60)
            unit = f"示范市/{district.name}/新录用街道{i % 5 + 1}"
            table.append([f"{prefix}9{i:05d}", f"新人{i}", unit, "专职安监员", hired.isoformat(), "", "", ""])
    file_name, data = encode(table, "csv")
    record = roster_upload(actor=admin, file_name=file_name, data=data)
    return {
        "import": record.pk,
        "rows": len(table),
        "officers": len({r[0] for r in table}),
        "employee_prefix": prefix,
        "recent_hires": recent,
        "programme": programme.pk if programme else None,
    }


def roster_confirm_cmd(pk: int) -> dict:
    from cms.roster.models import RosterImport

    record = RosterImport.objects.get(pk=pk)
    roster_confirm(actor=record.uploaded_by, roster_import_id=pk)
    return {"import": pk, "confirmed": True}


def apprentices_cmd(n: int, *, overdue: bool, evidence: int) -> dict:
    """N new hires in one street with a running programme, a mentor each (paired), one unit leader over them, all
    with e-mail addresses. --overdue: the first stage was due ten days ago and nobody has been active for thirty
    days (every reminder and escalation is due at once). --evidence K: the first K submit evidence now."""
    tag = os.urandom(3).hex()
    cfg = MentorshipSettings.load()
    cfg.mentor_requires_qualification = False
    cfg.mentor_max_apprentices = 1000
    cfg.review_reminder_days, cfg.inactivity_days, cfg.escalation_days = 2, 3, 2
    cfg.save()
    city = make_unit(f"JC{tag}", f"检查市{tag}", kind="city")
    district = make_unit(f"JD{tag}", f"检查区{tag}", kind="district", parent=city)
    street = make_unit(f"JS{tag}", f"检查街道{tag}", parent=district)
    programme = Programme.objects.create(unit=city, name=f"培养方案{tag}", staff_categories=["full_time"])
    first = Stage.objects.create(programme=programme, order=1, name="跟岗实践", due_days=4)
    Milestone.objects.create(
        stage=first, order=1, title="独立完成一次企业安全检查", evidence_required="检查记录"
    )
    Stage.objects.create(programme=programme, order=2, name="考核选用", due_days=20, min_days=10)
    leader = UserFactory(
        username=f"leader{tag}", email=f"leader{tag}@example.com", password=None, roles=[Role.UNIT_LEADER]
    )
    UserScope.objects.update_or_create(user=leader, defaults={"unit": district})
    mentor_user = UserFactory(
        username=f"mentor{tag}", email=f"mentor{tag}@example.com", password=None, roles=["mentor"]
    )
    mentor = OfficerFactory(user=mentor_user, unit=street, employee_no=f"JM{tag}")
    EmploymentSpellFactory(officer=mentor, unit=street, hire_date=datetime.date(2016, 4, 1))
    today = timezone.localdate()
    with transaction.atomic():  # one commit for the hires; each starts its programme after it (on commit)
        hire_all(n, tag, street, today)
    return _after_hire(
        n, tag, street, first, mentor, mentor_user, leader, today, overdue=overdue, evidence=evidence
    )


def hire_all(n, tag, street, today) -> None:
    for i in range(n):
        user = UserFactory(
            username=f"appr{tag}_{i}", email=f"appr{tag}_{i}@example.com", password=None, roles=["trainee"]
        )
        officer = OfficerFactory(user=user, unit=street, employee_no=f"JA{tag}{i:04d}")
        EmploymentSpellFactory(
            officer=officer, unit=street, hire_date=today
        )  # starts the programme on commit


@transaction.atomic
def _after_hire(n, tag, street, first, mentor, mentor_user, leader, today, *, overdue, evidence) -> dict:
    running = list(
        Apprenticeship.objects.filter(officer__unit=street, status=Apprenticeship.Status.IN_PROGRESS)
        .select_related("officer__user")
        .order_by("pk")
    )
    assert len(running) == n, f"{len(running)} programmes started for {n} hires"
    for a in running:
        services.pair(apprenticeship=a, mentor=mentor, by=None)
    milestone = Milestone.objects.get(stage=first)
    for a in running[:evidence]:
        services.submit_evidence(
            apprenticeship=a, milestone=milestone, by=a.officer.user, text="完成检查", happened_on=today
        )
    if overdue:
        StageProgress.objects.filter(apprenticeship__in=running).update(
            due_on=today - datetime.timedelta(days=10)
        )
        Apprenticeship.objects.filter(pk__in=[a.pk for a in running]).update(
            last_activity_at=timezone.now() - datetime.timedelta(days=30)
        )
    return {
        "tag": tag,
        "apprenticeships": [a.pk for a in running],
        "apprentice_users": [a.officer.user_id for a in running],
        "mentor_user": mentor_user.pk,
        "leader_user": leader.pk,
        "today": today.isoformat(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    upload = sub.add_parser("roster-upload")
    upload.add_argument("rows", type=int)
    upload.add_argument("--prefix", default="BR")
    upload.add_argument("--recent", type=int, default=0)
    sub.add_parser("roster-confirm").add_argument("id", type=int)
    app = sub.add_parser("apprentices")
    app.add_argument("n", type=int)
    app.add_argument("--overdue", action="store_true")
    app.add_argument("--evidence", type=int, default=0)
    sub.add_parser("sweep")
    sub.add_parser("schedules")
    args = parser.parse_args()
    if args.cmd == "roster-upload":
        out = roster_upload_cmd(args.rows, prefix=args.prefix, recent=args.recent)
    elif args.cmd == "roster-confirm":
        out = roster_confirm_cmd(args.id)
    elif args.cmd == "apprentices":
        out = apprentices_cmd(args.n, overdue=args.overdue, evidence=args.evidence)
    elif args.cmd == "sweep":
        task = async_task(
            "mentorship.tasks.nightly_sweep",
            task_name="fault-nightly-sweep",
            group="mentorship.nightly_sweep",
        )
        out = {"task": task}
    else:
        out = apply_schedules()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
