"""Learner-facing URLs of courses."""

app_name = "courses"
urlpatterns: list = []
