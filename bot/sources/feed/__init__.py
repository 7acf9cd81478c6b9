"""RSS and Atom feeds: the gate, the parse workers, the fast path and feedparser."""
