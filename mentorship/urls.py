"""Learner and mentor pages of mentorship, under /mentoring/."""

from django.urls import path

from mentorship import views

app_name = "mentorship"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("me/", views.me, name="me"),
    path("a/<int:pk>/", views.apprenticeship_detail, name="apprenticeship"),
    path("a/<int:pk>/assign/", views.set_assignment, name="set_assignment"),
    path("a/<int:pk>/evaluate/<int:stage_pk>/", views.evaluate, name="evaluate"),
    path("evidence/<int:milestone_pk>/", views.submit_evidence, name="submit_evidence"),
    path("evidence/decide/<int:pk>/", views.decide, name="decide"),
    path("task/<int:pk>/report/", views.report_assignment, name="report_assignment"),
    path("task/<int:pk>/review/", views.review_assignment, name="review_assignment"),
    path("file/<int:pk>/", views.attachment, name="attachment"),
]
