"""The analytics app's periodic tasks, applied by `manage.py setup_schedules`."""

import datetime

from cms.extensions import ScheduleSpec

SCHEDULES = [
    ScheduleSpec(
        "analytics-dashboard-snapshot",
        "analytics.tasks.refresh_dashboard_snapshots",
        "D",
        first_run_at=datetime.time(2, 30),
    ),
]
