"""URLs of analytics (mounted at hr/): the HR dashboard, its exports, and plotly.js served from the package."""

from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("export/<slug:chart>.<str:fmt>", views.export_view, name="export"),
    path("plotly.min.js", views.plotly_js, name="plotly_js"),
]
