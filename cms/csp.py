"""Content-Security-Policy helpers: the per-response nonce for the inline scripts Wagtail's admin still writes.

Our own templates have no inline script at all. Wagtail 7.4 writes a few: the date/time pickers and inline panels
(templates, overridden in cms/templates/wagtailadmin/ to carry the nonce) and the choosers (`BaseChooser.render`,
patched by `allow_wagtail_chooser_scripts`). Only these get the nonce, so injected markup still cannot run.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wagtail.admin.widgets.chooser import BaseChooser

from cms.audit import current_request


def current_nonce(request=None) -> str:
    if request is None:
        request = current_request()
    nonce = getattr(request, "csp_nonce", None) if request is not None else None
    # django-csp's lazy nonce is falsy until first read, and reading it is what puts it into the header.
    return str(nonce) if nonce is not None else ""


def allow_wagtail_chooser_scripts() -> None:
    """Give the inline init script of Wagtail's chooser widgets the nonce (same output otherwise)."""
    if getattr(BaseChooser.render, "_csp_nonce", False):
        return

    def render(self, name, value, attrs=None, renderer=None):
        try:
            id_ = attrs["id"]
        except (KeyError, TypeError) as e:
            raise TypeError("BaseChooser cannot be rendered without an 'id' attribute") from e
        value_data = self.get_value_data(value)
        widget_html = self.render_html(name, value_data, attrs)
        js = self.render_js_init(id_, name, value_data)
        opening = format_html('<script nonce="{}">', current_nonce())
        return mark_safe(f"{widget_html}{opening}{js}</script>")

    render._csp_nonce = True
    BaseChooser.render = render
