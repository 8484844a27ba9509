"""The exams app's periodic tasks, applied by `manage.py setup_schedules`."""

from cms.extensions import ScheduleSpec

SCHEDULES = [
    ScheduleSpec("exams-sweep-overdue-attempts", "exams.tasks.sweep_overdue_attempts", "I", minutes=5),
    ScheduleSpec("exams-qualification-reminders", "exams.tasks.send_qualification_reminders", "D"),
]
