"""Use cases: one async function per use case, called by every entry point."""
