"""What an item is made of: canonical URLs, stable keys, and the text and images of HTML."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only say where a click came from; they never change the page.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "ref_url",
        "spm",
        "share_source",
        "share_medium",
        "from_source",
        "cmpid",
        "ocid",
        "ncid",
        "sr_share",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_")


def canonical_url(url: str, base: str | None = None) -> str | None:
    """Return the URL in one spelling: absolute, lowercase host, no fragment, no tracking."""
    url = url.strip()
    if not url:
        return None
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name.lower() not in TRACKING_PARAMETERS
        and not name.lower().startswith(TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query, doseq=True), ""))


def stable_key(guid: str | None, link: str | None, fallback: str) -> str:
    """Return a key that names the same post on every poll: the guid, else the link."""
    if guid and guid.strip():
        key = guid.strip()
        if key.lower().startswith(("http://", "https://")):
            key = canonical_url(key) or key
    elif link:
        key = link
    else:
        key = "sha256:" + hashlib.sha256(fallback.encode("utf-8", "replace")).hexdigest()
    if len(key) > 500:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
    return key


_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "table",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "hr",
        "figure",
        "figcaption",
        "dd",
        "dt",
    }
)
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript"})


class _TextAndImages(HTMLParser):
    def __init__(self, base: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.parts: list[str] = []
        self.images: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "img":
            source = dict(attrs).get("src")
            url = canonical_url(source, self.base) if source else None
            if url and url not in self.images:
                self.images.append(url)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str, base: str | None = None) -> tuple[str, tuple[str, ...]]:
    """Return the readable text of an HTML fragment and the URLs of its images."""
    if "<" not in html and "&" not in html:
        return " ".join(html.split()), ()
    parser = _TextAndImages(base)
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line), tuple(parser.images)
