"""URLs of the training tool pages (mounted under the admin at courses/)."""

from django.urls import path

from courses.admin_views import screens

urlpatterns = [
    path("enrol/", screens.enrol_view, name="courses_enrol"),
    path("sessions/<int:session_id>/roster/", screens.session_roster, name="courses_session_roster"),
    path(
        "sessions/<int:session_id>/days/<int:day_id>/",
        screens.session_attendance,
        name="courses_session_attendance",
    ),
    path("sessions/<int:session_id>/sheet/", screens.attendance_sheet, name="courses_attendance_sheet"),
    path("progress/", screens.progress_report, name="courses_progress_report"),
    path("hours/", screens.hours_report, name="courses_hours_report"),
]
