"""Roster import admin screens (upload, dry-run preview, run)."""
