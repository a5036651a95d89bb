"""Policy data shipped with the package (validated at start-up)."""
