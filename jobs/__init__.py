"""Scheduled jobs: expiry (daily), retention re-tagging and the orphan sweep (hourly)."""
