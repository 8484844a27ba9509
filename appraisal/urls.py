"""Reviewer and handler pages of appraisal, under /appraisal/ (the 交叉执法 pages have their own include)."""

from django.urls import path

from appraisal import library_views, views

app_name = "appraisal"
urlpatterns = [
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:pk>/", views.review_form, name="review"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("results/", views.results, name="results"),
    path("follow-ups/", views.follow_up_list, name="follow_ups"),
    path("library/", library_views.library, name="library"),
]
