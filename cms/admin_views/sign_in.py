"""Staff screen for sign-in lock-outs: who is being delayed or locked, and a one-step unlock within the caller's scope."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from cms.admin_tools import permission_menu_item
from cms.admin_views import extra_people_viewsets
from cms.login_throttle import failed_usernames, unlock_sign_in
from cms.selectors import officers_visible_to, sees_subtree


def can_unlock_sign_ins(user) -> bool:
    """Superusers, and HR (who may change officers) for the officers in their subtree."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or (sees_subtree(user) and user.has_perm("cms.change_officer"))


def usernames_unlockable_by(user):
    """None = every username (superuser); otherwise the usernames of the officers the user may manage."""
    if user.is_superuser:
        return None
    User = get_user_model()
    field = User.USERNAME_FIELD
    user_ids = officers_visible_to(user).exclude(user__isnull=True).values("user_id")
    return set(User._default_manager.filter(pk__in=user_ids).values_list(field, flat=True))


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=255)


class SignInPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_unlock_sign_ins(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SignInLocksView(SignInPermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "cms/admin/sign_in_locks.html"
    page_title = _("Sign-in lock-outs")
    header_icon = "lock"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = failed_usernames(usernames_unlockable_by(self.request.user))
        return context


class SignInUnlockView(SignInPermissionMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        form = UnlockForm(request.POST)
        if not form.is_valid():
            raise PermissionDenied
        username = form.cleaned_data["username"]
        allowed = usernames_unlockable_by(request.user)
        if allowed is not None and username not in allowed:
            raise PermissionDenied
        unlock_sign_in(username=username, by=request.user)
        messages.success(request, _("“%(username)s” can sign in again.") % {"username": username})
        return redirect(reverse("cms_sign_in:index"))


class SignInLocksViewSet(ViewSet):
    """Listed in the "Organisation and people" menu under /admin/sign-in-locks/."""

    name = "cms_sign_in"
    url_prefix = "sign-in-locks"
    icon = "lock"
    menu_label = _("Sign-in lock-outs")
    menu_name = "sign-in-locks"
    menu_item_class = permission_menu_item(can_unlock_sign_ins)

    def get_urlpatterns(self):
        return [
            path("", SignInLocksView.as_view(), name="index"),
            path("unlock/", SignInUnlockView.as_view(), name="unlock"),
        ]


extra_people_viewsets.append(SignInLocksViewSet)
