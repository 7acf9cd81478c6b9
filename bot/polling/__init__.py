"""Polling: read a source, decide in one pure function, write; deletions, back-off, slots."""
