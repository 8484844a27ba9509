"""The courses app's periodic tasks, applied by `manage.py setup_schedules`."""

from cms.extensions import ScheduleSpec

SCHEDULES = [
    ScheduleSpec("courses-reminders", "courses.tasks.send_reminders", "D"),
]
