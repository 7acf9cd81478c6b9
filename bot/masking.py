"""Secrets kept out of what leakbot prints: passwords, tokens and keys in URLs and messages.

A URL is shown with its password, its secret-looking query values and a Discord webhook's
token replaced by ``***``, so that a feed, a webhook or a database URL can still be told
apart in a log line without giving away what lets anyone use it. A web URL's password ends
where its host begins (RFC 3986); a database URL's is read as leakbot connects with it,
unencoded '@', '#', '/' and '?' included.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import SplitResult, urlsplit

from bot.domain import split_userinfo

HIDDEN = "***"
WEB_SCHEMES = frozenset({"http", "https", "ws", "wss"})

# query keys whose values are credentials: ?key=, ?api_key=, ?token=, ?access_token=, ?sig=…
_SECRET_KEY = re.compile(
    r"(?:^|[_.-])(?:key|apikey|token|secret|password|passwd|pwd|pass|auth|sig|signature|"
    r"credential|credentials|session|sid|code)$",
    re.IGNORECASE,
)
_URL = re.compile(r"""\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'"<>`]+""")
# a webhook's token, and an interaction's (discord.py names its callback URL in a 429 warning)
_WEBHOOK_TOKEN = re.compile(r"(/(?:webhooks|interactions)/[0-9]+/)[^/?#\s]+")
_TRAILING = ".,;:)]}"


def mask_url(url: str) -> str:
    """Return the URL with its password, secret query values and webhook token hidden."""
    scheme, separator, _ = url.partition("://")
    if separator and scheme.lower() not in WEB_SCHEMES:
        return _mask_database_url(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return _mask_loosely(url)
    netloc = _mask_userinfo(parts)
    path = _WEBHOOK_TOKEN.sub(rf"\g<1>{HIDDEN}", parts.path)
    query = "&".join(_mask_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    return parts._replace(netloc=netloc, path=path, query=query).geturl()


def mask_text(text: str) -> str:
    """Return a message with every URL in it masked."""
    return _URL.sub(_mask_found, text)


def _mask_found(found: re.Match[str]) -> str:
    url = found.group(0)
    # punctuation that ends a sentence is not part of the URL
    stripped = url.rstrip(_TRAILING)
    return mask_url(stripped) + url[len(stripped) :]


def _mask_userinfo(parts: SplitResult) -> str:
    if "@" not in parts.netloc:
        return parts.netloc
    userinfo, _, host = parts.netloc.rpartition("@")
    return f"{_masked_userinfo(userinfo)}@{host}"


def _masked_userinfo(userinfo: str) -> str:
    user, colon, _password = userinfo.partition(":")
    if colon:
        return f"{user}:{HIDDEN}"
    # a lone userinfo is a token as often as a user name (https://TOKEN@host/)
    return HIDDEN if len(user) > 16 else userinfo


def _mask_database_url(url: str) -> str:
    """Mask a database URL read as SQLAlchemy reads it: the query starts at the first '?'
    after the host, and a password may hold '#', '/', '?' and even '@' unencoded."""
    split = split_userinfo(url)
    if split is None:
        scheme, _, rest = url.partition("://")
        head = f"{scheme}://"
    else:
        scheme, userinfo, rest = split
        head = scheme + _masked_userinfo(userinfo)
    place, question, query = rest.partition("?")
    if question:
        query = "&".join(_mask_pair(pair) for pair in query.split("&"))
    return head + place + question + query


def _mask_pair(pair: str) -> str:
    key, equals, value = pair.partition("=")
    if equals and value and _SECRET_KEY.search(key):
        return f"{key}={HIDDEN}"
    return pair


def _mask_loosely(url: str) -> str:
    """Mask a URL urlsplit cannot read (a bad port, a stray bracket) as well as can be."""
    url = re.sub(r"(://[^/:@\s]*:)[^/@\s]*@", rf"\g<1>{HIDDEN}@", url)
    url = _WEBHOOK_TOKEN.sub(rf"\g<1>{HIDDEN}", url)
    return re.sub(
        r"([?&][^=&#\s]*=)([^&#\s]*)",
        lambda m: m.group(1) + HIDDEN if _SECRET_KEY.search(m.group(1)[1:-1]) else m.group(0),
        url,
    )


class MaskingFilter(logging.Filter):
    """Mask the URLs in every log record that passes, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with its URLs masked; keep every record."""
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
