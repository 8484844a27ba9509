"""Learner-facing URLs of mentorship."""

app_name = "mentorship"
urlpatterns: list = []
