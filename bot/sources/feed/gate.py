"""The gate in front of the feed parser: bytes that could blow it up never reach it.

feedparser expands XML entities, and a feed can declare one entity of 100 KB and use it
20,000 times (or nest entities: the billion laughs), or point an entity at a local file.
Real feeds have no use for entity declarations, so a feed that declares any is refused
with the reason. Size is capped here too, after any gzip layer is taken off.
"""

from __future__ import annotations

import zlib

import re2

from bot.errors import SourceError, SourceErrorKind

GZIP_MAGIC = b"\x1f\x8b"
MAX_FEED_BYTES = 16 * 1024 * 1024

_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
# a DOCTYPE with an internal subset, where entities are declared
_DOCTYPE = r"<!\s*DOCTYPE\b[^\[>]*\["
_ENTITY = r"<!\s*ENTITY\b"
# RE2 runs in linear time, so a body made of "<!DOCTYPE" ten thousand times costs nothing
_OPTIONS = re2.Options()
_OPTIONS.case_sensitive = False
_DOCTYPE_BYTES = re2.compile(_DOCTYPE.encode(), _OPTIONS)
_ENTITY_BYTES = re2.compile(_ENTITY.encode(), _OPTIONS)
_DOCTYPE_TEXT = re2.compile(_DOCTYPE, _OPTIONS)
_ENTITY_TEXT = re2.compile(_ENTITY, _OPTIONS)


class RefusedFeedError(SourceError):
    """Bytes the gate does not let through to the parser, with the reason."""

    kind = SourceErrorKind.REFUSED


def gate(body: bytes, *, max_bytes: int = MAX_FEED_BYTES) -> bytes:
    """Return the feed bytes to parse, inflated if gzipped; raise RefusedFeedError if unsafe."""
    if body.startswith(GZIP_MAGIC):
        body = gunzip(body, max_bytes)  # a .gz served without Content-Encoding
    if len(body) > max_bytes:
        raise RefusedFeedError(f"the feed is {len(body)} bytes, over the {max_bytes}-byte cap")
    if _declares_entities(body):
        raise RefusedFeedError(
            "the feed declares XML entities (<!ENTITY> in its DOCTYPE), which leakbot refuses "
            "to expand: they are how entity-expansion and external-entity attacks work"
        )
    return body


def gunzip(body: bytes, limit: int = MAX_FEED_BYTES) -> bytes:
    """Inflate a gzip body, refusing one that grows past the limit (a gzip bomb)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise RefusedFeedError(f"broken gzip body: {exc}") from None
    if len(inflated) > limit:
        raise RefusedFeedError(f"the gzip body inflates past the {limit}-byte cap")
    return inflated


def _declares_entities(body: bytes) -> bool:
    """Tell whether a DOCTYPE with an internal subset declares entities, in any encoding."""
    wide = next((name for bom, name in _BOMS if body.startswith(bom)), None)
    if wide is None:
        doctype = _DOCTYPE_BYTES.search(body)
        return doctype is not None and _ENTITY_BYTES.search(body, doctype.end()) is not None
    text = body.decode(wide, errors="replace")
    found = _DOCTYPE_TEXT.search(text)
    return found is not None and _ENTITY_TEXT.search(text, found.end()) is not None
