"""Learner-facing URLs of analytics."""

app_name = "analytics"
urlpatterns: list = []
