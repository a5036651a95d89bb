"""HTTP entry points: candidate pages, JSON API, shared middleware."""
