"""Navigation for the learner shell, by role."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from cms.extensions import NAV_ITEMS
from cms.selectors import sees_subtree


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for item in NAV_ITEMS:
        url_name, label = item.url_name, item.label
        if not item.predicate(user):
            continue
        try:
            items.append(
                {
                    "url": reverse(url_name),
                    "label": label,
                    "active": request.resolver_match and request.resolver_match.url_name == url_name,
                }
            )
        except NoReverseMatch:
            continue
    if user.is_superuser or sees_subtree(user):
        items.append({"url": reverse("wagtailadmin_home"), "label": _("Admin"), "active": False})
    return {"nav_items": items}
