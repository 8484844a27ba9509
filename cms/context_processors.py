"""Navigation for the learner shell, by role."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from cms.selectors import officer_of, sees_subtree

# Higher apps add their learner pages here from AppConfig.ready(): (url name, label, predicate(user)).
NAV_ITEMS: list[tuple[str, object, object]] = [
    ("my_training", _("My training"), lambda user: officer_of(user) is not None),
]


def register_nav_item(url_name, label, predicate, position: int | None = None) -> None:
    if any(item[0] == url_name for item in NAV_ITEMS):
        return
    item = (url_name, label, predicate)
    if position is None:
        NAV_ITEMS.append(item)
    else:
        NAV_ITEMS.insert(position, item)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for url_name, label, predicate in NAV_ITEMS:
        if not predicate(user):
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
