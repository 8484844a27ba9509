"""Navigation for the learner shell, by role: the tabs, which one is active, and the focus mode of a running exam."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import pgettext_lazy

from cms.extensions import NAV_ITEMS
from cms.selectors import sees_subtree

# Pages where the learner must not wander off: the exam being taken (its clock runs). The shell hides its tabs and
# the log-out button there; the page itself offers the way out (submit).
FOCUS_VIEWS = {"exams:attempt"}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in FOCUS_VIEWS:
        return {"nav_items": [], "focus_mode": True}
    items = []
    for item in NAV_ITEMS:
        if not item.predicate(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": item.label, "url_name": item.url_name, "active": False})
    # The active tab is the one whose address is the longest prefix of this page's (/learn/sessions/3/ is
    # 集训, not 课程). Pages outside every tab's prefix (Wagtail's curriculum pages) name their tab in their
    # context as `nav_section`, which base.html compares with url_name.
    path = request.path
    owners = [i for i in items if path.startswith(i["url"])]
    if owners:
        max(owners, key=lambda i: len(i["url"]))["active"] = True
    if user.is_superuser or sees_subtree(user):
        items.append(
            {
                "url": reverse("wagtailadmin_home"),
                "label": pgettext_lazy("learner shell", "Admin"),
                "url_name": "",
                "active": False,
            }
        )
    return {"nav_items": items}
