"""Sinks: where alerts go. ``base`` holds what every sink speaks; one package or module a kind."""
