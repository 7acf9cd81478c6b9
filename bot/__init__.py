"""leakbot: watches tipsters and tech-news feeds for leak keywords and alerts Discord."""

__version__ = "0.1.0"
