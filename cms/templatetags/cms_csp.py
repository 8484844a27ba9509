"""`{% csp_nonce %}`: this response's Content-Security-Policy nonce, also inside form-widget templates (which are
rendered without the request), so the few inline scripts Wagtail's admin writes may run under `script-src 'self'`."""

from django import template

from cms.csp import current_nonce

register = template.Library()


@register.simple_tag(takes_context=True)
def csp_nonce(context) -> str:
    return current_nonce(context.get("request"))
