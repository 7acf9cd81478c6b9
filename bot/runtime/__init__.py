"""The running bot: the app that wires the parts, the workers' claims, ``leakbot run``."""
