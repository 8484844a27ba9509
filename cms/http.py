"""HTTP helpers shared by every app's views."""

from __future__ import annotations

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, target: str | None, fallback: str, *args) -> str:
    """`target` when it stays on this site (same host, same scheme policy), else the URL of `fallback`.

    Used for every `next` parameter: an open redirect would let a link on our domain send an officer anywhere."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(fallback, *args)
