"""Examinees for the deploy-check storms: N officers, each signed in (a session written as sign-in writes it) with an
open attempt at one 10-question exam. Run against the deployment's database (its environment); prints JSON.

    python tests/deploy/make_examinees.py 300
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from cms.models import Officer, StaffCategory  # noqa: E402
from exams import services  # noqa: E402
from tests.exams.conftest import make_bank, make_exam  # noqa: E402
from tests.factories import make_unit  # noqa: E402


def main(n: int) -> None:
    User = get_user_model()
    tag = os.urandom(3).hex()
    unit = make_unit(f"DC{tag}", f"检查街道{tag}", kind="city")
    bank = make_bank(code=f"DC{tag}", questions=[], n_single=10)
    exam = make_exam(bank, rules=[{"count": 10}], attempts_allowed=0, time_limit_minutes=120)
    unusable = make_password(None)
    users = User.objects.bulk_create(User(username=f"dc{tag}_{i}", password=unusable) for i in range(n))
    officers = Officer.objects.bulk_create(
        Officer(
            user=u,
            employee_no=f"DC{tag}{i:05d}",
            name=f"考生{i}",
            unit=unit,
            staff_category=StaffCategory.FULL_TIME,
        )
        for i, u in enumerate(users)
    )
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")
    out = []
    for user, officer in zip(users, officers, strict=True):
        attempt = services.start_attempt(exam=exam, officer=officer, by=user)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        out.append({"session": session.session_key, "attempt": attempt.pk, "user": user.pk})
    print(json.dumps({"exam": exam.pk, "examinees": out}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
