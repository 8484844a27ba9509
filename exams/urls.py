"""Learner-facing URLs of exams."""

from django.urls import path

from exams import views

app_name = "exams"
urlpatterns = [
    path("", views.exam_list, name="exam_list"),
    path("<int:exam_id>/", views.exam_detail, name="exam_detail"),
    path("<int:exam_id>/start/", views.exam_start, name="exam_start"),
    path("attempt/<int:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempt/<int:attempt_id>/state/", views.attempt_state, name="attempt_state"),
    path("attempt/<int:attempt_id>/save/", views.attempt_save, name="attempt_save"),
    path("attempt/<int:attempt_id>/form/", views.attempt_form_save, name="attempt_form_save"),
    path("attempt/<int:attempt_id>/blur/", views.attempt_blur, name="attempt_blur"),
    path("attempt/<int:attempt_id>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempt/<int:attempt_id>/result/", views.attempt_result, name="attempt_result"),
    path("ping/", views.ping, name="ping"),
    path("practice/", views.practice_home, name="practice_home"),
    path("practice/<int:bank_id>/", views.practice_question, name="practice_question"),
    path("mistakes/", views.mistake_book, name="mistakes"),
    path("favourites/", views.favourites, name="favourites"),
    path("favourites/<int:question_id>/toggle/", views.favourite_toggle, name="favourite_toggle"),
    path("qualifications/", views.qualification_list, name="qualifications"),
    path("qualifications/<int:qualification_id>/certificate/", views.certificate, name="certificate"),
]
