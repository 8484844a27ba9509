"""The analytics admin screens (analytics.wagtail_hooks registers their menu items; analytics.urls mounts them)."""
