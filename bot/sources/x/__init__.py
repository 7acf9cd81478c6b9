"""X (Twitter) accounts read through the X API v2."""
