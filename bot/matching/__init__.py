"""Matching: watch terms, and the watchlist compiled once for every new post."""
