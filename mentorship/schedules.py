"""The mentorship app's periodic tasks, applied by `manage.py setup_schedules`."""

import datetime

from cms.extensions import ScheduleSpec

SCHEDULES = [
    ScheduleSpec(
        "mentorship.nightly_sweep", "mentorship.tasks.nightly_sweep", "D", first_run_at=datetime.time(2, 30)
    ),
]
