"""The config: the watchlist file, the environment's settings, and what was set up from Discord."""
