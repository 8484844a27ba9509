"""Learner shell and account pages: thin views over cms selectors and services."""

import sys

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_http_methods
from wagtail.admin.views import account as wagtail_account

from cms import audit, extensions, middleware_db
from cms.email_change import confirm_email_change, pending_email_change
from cms.forms import AuditedSetPasswordForm, LoginForm, PasswordResetForm
from cms.models import Notification
from cms.selectors import officer_of, sees_subtree


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        url = self.get_redirect_url()
        if url:
            return url
        user = self.request.user
        if officer_of(user) is None and (user.is_superuser or sees_subtree(user)):
            return "/admin/"
        return super().get_success_url()


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(
            actor=self.request.user,
            action="cms.password_set",
            obj=self.request.user,
            object_repr=self.request.user.get_username(),
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = AuditedSetPasswordForm


class AdminPasswordResetConfirmView(wagtail_account.PasswordResetConfirmView):
    """Wagtail's own reset link, with the completed reset audited like ours."""

    form_class = AuditedSetPasswordForm


def superuser_only(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- error pages (handler403/404/500 in cms.urls): in the admin's look under /admin/, the learner shell elsewhere --------

ERRORS = {
    403: (
        _("You cannot open this page"),
        _(
            "Your role does not give access to this page. If you need it for your work, ask your administrator."
        ),
    ),
    404: (
        _("Page not found"),
        _("The page does not exist, has been removed, or is not open to you. Check the address or go back."),
    ),
}


def _error_page(request, status: int):
    title, text = ERRORS[status]
    template = "cms/errors/admin.html" if request.path.startswith("/admin/") else "cms/errors/site.html"
    return render(request, template, {"status": status, "title": title, "text": text}, status=status)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _error_page(request, 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _error_page(request, 404)


@requires_csrf_token
def server_error(request):
    # An error raised in middleware, outside the views that cms.middleware_db watches: a database that cannot be
    # reached is still a 503 with Retry-After (handler500 runs inside Django's except block, so exc_info is it).
    exc = sys.exc_info()[1]
    if middleware_db.database_unavailable(exc):
        middleware_db.log_unavailable(request, exc)
        return middleware_db.database_unavailable_response(request)
    # No context processors and no database: the error may be the database itself.
    html = loader.get_template("500.html").render({"admin": request.path.startswith("/admin/")})
    return HttpResponseServerError(html)


def django_admin_redirect(request):
    return redirect("/admin/")


NEXT_STEP_ORDER = {"resume": 0, "danger": 1, "warn": 2}


@login_required
def my_training(request):
    officer = officer_of(request.user)
    if officer is None:
        if request.user.is_superuser or sees_subtree(request.user):
            return redirect("wagtailadmin_home")
        return render(request, "cms/no_profile.html", status=200)
    spells = list(officer.spells.select_related("unit").order_by("hire_date"))
    current = next((s for s in reversed(spells) if s.leave_date is None), None)
    mentor = extensions.current_mentor(officer)
    sections = [s for s in (fn(request, officer) for fn in extensions.MY_TRAINING_SECTIONS) if s]
    unread = Notification.objects.filter(recipient=request.user, read_at__isnull=True).count()
    context = {
        "officer": officer,
        "unit_path": officer.unit.full_name,
        "current_spell": current,
        "first_hire_date": spells[0].hire_date if spells else None,
        "mentor": mentor,
        "specialties": list(officer.specialties.all()),
        "sections": sections,
        # 下一步 first: what each app says the officer should do now (continue reading, overdue courses, open
        # exams, the mentor's tasks): the way back into the reading first (tone "resume"), then what is overdue
        # ("danger"), then what is pressing ("warn"), then the rest, each group in the apps' order.
        "next_steps": sorted(
            (step for s in sections for step in s.get("next_steps", ())),
            key=lambda step: NEXT_STEP_ORDER.get(step.get("tone", ""), 3),
        ),
        "unread_count": unread,
    }
    return render(request, "cms/my_training.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    qs = Notification.objects.filter(recipient=request.user)
    if request.method == "POST":
        qs.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("notifications")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "cms/notifications.html", {"page": page, "title": _("Notification")})


@login_required
@require_http_methods(["GET", "POST"])
def email_change_confirm(request, token):
    """The holder confirms a new e-mail address HR registered: GET shows what changes, POST applies it."""
    if request.method == "POST":
        try:
            email = confirm_email_change(user=request.user, token=token)
        except ValidationError as exc:
            return render(request, "cms/email_change_confirm.html", {"error": exc.messages[0]}, status=400)
        messages.success(request, _("Your e-mail address is now %(email)s.") % {"email": email})
        return redirect("my_training")
    try:
        change = pending_email_change(user=request.user, token=token)
    except ValidationError as exc:
        return render(request, "cms/email_change_confirm.html", {"error": exc.messages[0]}, status=400)
    return render(request, "cms/email_change_confirm.html", {"token": token, "change": change})
