"""Applicant-tracking privacy module: the core (domain, services, entry points)."""
