"""The staff dashboard panel of HR and unit leaders: what waits on them in their unit subtree (evidence to review,
overdue work, candidates to decide on), one count per figure the apps register through cms.extensions."""

from __future__ import annotations

from wagtail.admin.ui.components import Component

from cms import extensions
from cms.models import Role, Unit
from cms.selectors import has_role, scope_unit


def dashboard_root(user) -> Unit | None:
    """The subtree the panel counts over: the HR officer's or unit leader's scope, the city for superusers."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Unit.get_first_root_node()
    if has_role(user, Role.HR, Role.UNIT_LEADER):
        return scope_unit(user)
    return None


def dashboard_figures(user) -> list[extensions.DashboardFigure]:
    root = dashboard_root(user)
    if root is None:
        return []
    figures = [fn(user, root) for fn in extensions.DASHBOARD_FIGURES]
    return sorted((f for f in figures if f is not None), key=lambda f: f.order)


class WaitingWorkPanel(Component):
    name = "waiting_work"
    order = 50
    template_name = "cms/admin/dashboard_panel.html"

    def __init__(self, root: Unit, figures: list[extensions.DashboardFigure]):
        self.root = root
        self.figures = figures

    def get_context_data(self, parent_context=None):
        return {"root": self.root, "figures": self.figures}


def add_waiting_work_panel(request, panels) -> None:
    figures = dashboard_figures(request.user)
    if figures:
        panels.insert(0, WaitingWorkPanel(dashboard_root(request.user), figures))
