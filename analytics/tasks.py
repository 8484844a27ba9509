"""django-q2 tasks for analytics: thin and idempotent."""


def refresh_dashboard_snapshots() -> int:
    """Nightly snapshot of the HR dashboards (scheduled by migration 0001_schedules)."""
    from analytics.dashboard import refresh_snapshots

    return refresh_snapshots()
