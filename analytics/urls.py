"""URLs of analytics (mounted at hr/): the HR dashboard, its exports and the selection board (plotly.js is a static
file: analytics.staticfiles)."""

from django.urls import include, path

from analytics import views
from analytics.admin_views import board

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("export/<slug:chart>.<str:fmt>", views.export_view, name="export"),
    path("selection/", include(board.urlpatterns)),
]
