"""django-q2 tasks for analytics: thin and idempotent."""

from analytics.dashboard import refresh_snapshots


def refresh_dashboard_snapshots() -> int:
    """Nightly snapshot of the HR dashboards (scheduled by analytics.schedules)."""
    return refresh_snapshots()
