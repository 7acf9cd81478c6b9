"""Delivery: alerts, which channels hear them, and the outbox that sends them in order."""
