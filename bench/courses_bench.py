"""Benchmark the courses pages that must scale (targets from issue 4), on PostgreSQL.

    .venv/bin/python bench/courses_bench.py [--db postgres://postgres@127.0.0.1:5432/anjian_courses_bench]
        [--officers 5000] [--courses 20] [--repeat 7]

1. "我的培训" (/me/) for one officer with 1 … 20 enrolments: the number of queries must not grow.
2. Course progress by unit (admin report, city level and one district, all courses and one course) for
   5,000 officers × 20 courses = 100,000 enrolments: server time < 1 s (median of --repeat runs).

The database named by --db is created if missing, migrated, and filled once (officers BCH00000…, courses
bench-course-NN); it is never the development or test database.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import ensure_database, setup_django  # noqa: E402  (bench/ is on the path when a script runs)


def build_data(n_officers: int, n_courses: int) -> None:
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from cms.models import HomePage, Officer, Unit
    from courses.models import CoursePage, CurriculumIndexPage, Enrolment, LessonPage

    rng = random.Random(4)
    if not Unit.objects.filter(code="BCITY").exists():
        city = Unit.add_root(code="BCITY", name="基准市", kind="city")
        for d in range(4):
            district = city.add_child(code=f"BD{d}", name=f"基准区{d}", kind="district")
            for s in range(5):
                district.add_child(code=f"BD{d}S{s}", name=f"基准街道{d}-{s}", kind="street")
    streets = list(Unit.objects.filter(code__startswith="BD", kind="street"))
    have = Officer.objects.filter(employee_no__startswith="BCH").count()
    if have < n_officers:
        Officer.objects.bulk_create(
            [
                Officer(
                    employee_no=f"BCH{i:05d}",
                    name=f"基准{i}",
                    unit=streets[i % len(streets)],
                    staff_category=("full_time", "auxiliary", "civil_servant")[i % 3],
                )
                for i in range(have, n_officers)
            ],
            batch_size=2000,
        )
    home = HomePage.objects.first()
    index = CurriculumIndexPage.objects.filter(slug="bench-curriculum").first()
    if index is None:
        index = CurriculumIndexPage(title="基准课程", slug="bench-curriculum")
        home.add_child(instance=index)
    courses = list(CoursePage.objects.filter(slug__startswith="bench-course-").order_by("slug"))
    for n in range(len(courses), n_courses):
        course = CoursePage(
            title=f"基准课程{n:02d}",
            slug=f"bench-course-{n:02d}",
            summary="基准",
            category="law",
            study_hours=Decimal("1"),
        )
        index.add_child(instance=course)
        for k in range(5):
            course.add_child(
                instance=LessonPage(title=f"课时{k}", slug=f"l{k}", estimated_minutes=10, body=[])
            )
        courses.append(course)
    officers = list(Officer.objects.filter(employee_no__startswith="BCH").values_list("pk", flat=True))
    if Enrolment.objects.filter(course__in=courses).count() < len(officers) * len(courses):
        today = timezone.localdate()
        now = timezone.now()
        with transaction.atomic():
            rows = []
            for officer_id in officers:
                for course in courses:
                    done = rng.random() < 0.55
                    rows.append(
                        Enrolment(
                            officer_id=officer_id,
                            course=course,
                            source="unit",
                            due_date=today + datetime.timedelta(days=rng.randint(-60, 90)),
                            status="completed" if done else "in_progress",
                            completed_at=now if done else None,
                        )
                    )
            Enrolment.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    User = get_user_model()
    if not User.objects.filter(username="bench_root").exists():
        User.objects.create_superuser("bench_root", "", None)
    for n in (1, 5, 10, 20):
        username = f"bench_learner{n}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username)
            user.groups.add(Group.objects.get(name="trainee"))
            officer = Officer.objects.create(
                employee_no=f"BL{n:03d}",
                name=f"学员{n}",
                unit=streets[0],
                staff_category="full_time",
                user=user,
            )
            for course in courses[:n]:
                Enrolment.objects.create(officer=officer, course=course, due_date=datetime.date(2020, 1, 1))


class QueryCounter:
    """Counts queries through an execute wrapper (the test client's request_started resets connection.queries)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def count_queries(fn):
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        result = fn()
    return result, counter.count


def timed(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/anjian_courses_bench")
    parser.add_argument("--officers", type=int, default=5000)
    parser.add_argument("--courses", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if args.db.startswith("postgres"):
        ensure_database(args.db)
    setup_django(args.db)
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    t = time.perf_counter()
    build_data(args.officers, args.courses)
    print(f"data ready in {time.perf_counter() - t:.1f} s")

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from cms.models import Unit
    from courses import selectors
    from courses.models import CoursePage, Enrolment

    User = get_user_model()
    print(
        f"\nDatabase: {connection.vendor}; enrolments in the bench: "
        f"{Enrolment.objects.filter(officer__employee_no__startswith='BCH').count():,}"
    )

    print("\n1. 我的培训 (/me/): queries per request")
    print(f"{'enrolments':>10} | {'queries':>7} | {'median ms':>9}")
    for n in (1, 5, 10, 20):
        client = Client()
        client.force_login(User.objects.get(username=f"bench_learner{n}"))
        client.get("/me/")
        response, queries = count_queries(lambda c=client: c.get("/me/"))
        assert response.status_code == 200, response.status_code
        median, _worst = timed(lambda c=client: c.get("/me/"), args.repeat)
        print(f"{n:>10} | {queries:>7} | {median:>9.1f}")

    print("\n2. Course progress by unit (target < 1000 ms)")
    root_user = User.objects.get(username="bench_root")
    city = Unit.objects.get(code="BCITY")
    district = Unit.objects.get(code="BD0")
    course = CoursePage.objects.filter(slug="bench-course-00").first()
    admin = Client()
    admin.force_login(root_user)
    cases = [
        ("selector, city → districts, all courses", lambda: selectors.unit_progress(root_user, root=city)),
        (
            "selector, district → streets, all courses",
            lambda: selectors.unit_progress(root_user, root=district),
        ),
        ("selector, city, one course", lambda: selectors.unit_progress(root_user, root=city, course=course)),
        (
            "admin page, city, all courses (HTML)",
            lambda: admin.get(f"/admin/courses/progress/?unit={city.pk}"),
        ),
        (
            "admin page, district, xlsx",
            lambda: admin.get(f"/admin/courses/progress/?unit={district.pk}&format=xlsx"),
        ),
    ]
    print(f"{'case':<44} | {'median ms':>9} | {'max ms':>7} | {'queries':>7}")
    for label, fn in cases:
        fn()
        result, queries = count_queries(fn)
        if hasattr(result, "status_code"):
            assert result.status_code == 200, result.status_code
        median, worst = timed(fn, args.repeat)
        flag = "" if median < 1000 else "  ← over target"
        print(f"{label:<44} | {median:>9.1f} | {worst:>7.1f} | {queries:>7}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
