"""Project URLs. Apps add their own learner URLs under their prefix; admin URLs come from wagtail_hooks."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.views.reports.audit_logging import LogEntriesView
from wagtail.documents import urls as wagtaildocs_urls

from cms import views

urlpatterns = [
    # Wagtail's site history report filters by model permission only, not by unit: superusers only.
    path("admin/reports/site-history/", views.superuser_only(LogEntriesView.as_view())),
    path(
        "admin/reports/site-history/results/", views.superuser_only(LogEntriesView.as_view(results_only=True))
    ),
    # Wagtail's reset link, audited like ours (cms.password_reset); must come before the admin's own URLs.
    path(
        "admin/password_reset/confirm/<uidb64>/<token>/",
        views.AdminPasswordResetConfirmView.as_view(),
        name="wagtailadmin_password_reset_confirm",
    ),
    path("django-admin/", views.django_admin_redirect),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("accounts/email/confirm/<str:token>/", views.email_change_confirm, name="email_change_confirm"),
    path("me/", views.my_training, name="my_training"),
    path("me/notifications/", views.notifications, name="notifications"),
    path("exams/", include("exams.urls")),
    path("learn/", include("courses.urls")),
    path("mentoring/", include("mentorship.urls")),
    # 交叉执法 on the officer's phone (appraisal; a string include, so cms imports nothing above it).
    path("appraisal/inspections/", include("appraisal.inspection_views")),
    path("appraisal/", include("appraisal.urls")),
    path("hr/", include("analytics.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

handler403 = "cms.views.permission_denied"
handler404 = "cms.views.page_not_found"
handler500 = "cms.views.server_error"
