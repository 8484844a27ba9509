"""URLs of analytics (mounted at hr/): the HR dashboard, its exports, plotly.js served from the package, and the
selection board."""

from django.urls import include, path

from analytics import views
from analytics.admin_views import board

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("export/<slug:chart>.<str:fmt>", views.export_view, name="export"),
    path("plotly.min.js", views.plotly_js, name="plotly_js"),
    path("selection/", include(board.urlpatterns)),
]
