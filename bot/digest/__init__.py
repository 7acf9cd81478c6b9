"""The daily digest: built from a day's activity, rendered, queued once per channel, scheduled."""
