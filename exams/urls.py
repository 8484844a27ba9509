"""Learner-facing URLs of exams."""

app_name = "exams"
urlpatterns: list = []
