"""Learner-facing URLs of courses (mounted at /learn/). Course and lesson pages are Wagtail pages."""

from django.urls import path

from courses import views

app_name = "courses"
urlpatterns = [
    path("", views.search, name="search"),
    path("lessons/<int:lesson_id>/heartbeat/", views.heartbeat, name="heartbeat"),
    path("lessons/<int:lesson_id>/check/", views.check_answer, name="check_answer"),
    path("courses/<int:course_id>/enrol/", views.self_enrol, name="self_enrol"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path("sessions/<int:session_id>/register/", views.session_register, name="session_register"),
    path("sessions/<int:session_id>/cancel/", views.session_cancel, name="session_cancel"),
    path("check-in/", views.check_in, name="check_in"),
    path("days/<int:day_id>/qr.png", views.day_qr, name="day_qr"),
    path("days/<int:day_id>/checkin-code/", views.day_checkin_code, name="day_checkin_code"),
    path("record/", views.record, name="my_record"),
    path("record/<int:officer_id>/", views.record, name="officer_record"),
]
