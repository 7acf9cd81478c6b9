"""The fast path of feed parsing: lxml reads the feeds it can read exactly as feedparser does.

feedparser is the reference, and costs some 10 ms a feed in pure Python. Here lxml (C)
builds the tree and a few lines of Python read the fields leakbot keeps, following
feedparser's rules for them: how elements are named, which element wins, how URIs are
resolved, how text is cleaned. It reads the same UTF-8 bytes feedparser's own decoding
produced, and it gives up (returns None, so feedparser reads the feed) at the first thing
it does not handle: a document expat rejects, an element feedparser acts on that is not
listed here, markup inside a text element, xhtml or base64 content, xml:base, several
structured authors, a count of entry tags in the bytes that differs from the entries
found. The reference's tables (namespace prefixes, the elements it acts on, its date
parser) are handed in by bot.sources.feed.parse, the one module that imports feedparser.
Nothing else imports lxml.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin
from xml.parsers import expat

from lxml import etree

# No DTD, no entities, no network, libxml2's own caps on depth and text size kept.
_XML = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    collect_ids=False,
)
# an opening tag of an entry, however feedparser would spell it (it lowercases names)
_ENTRY_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]", re.IGNORECASE)
# xml:base or a bare base attribute moves feedparser's base URI
_BASE_ATTRIBUTE = re.compile(rb"[\s:]base\s*=", re.IGNORECASE)
_PREFIX_DECLARATION = re.compile(rb"""xmlns:([\w.-]+)\s*=\s*["']([^"']*)["']""")
_URI_FIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
_ENTITY_IN_LINK = re.compile("&([A-Za-z0-9_]+);")
_ATOM = "http://www.w3.org/2005/Atom"
_RSS10 = "http://purl.org/rss/1.0/"
# feedparser maps the C1 controls to what they mean in windows-1252
_CP1252 = {
    code: bytes([code]).decode("cp1252")
    for code in range(0x80, 0xA0)
    if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_C1_CONTROL = re.compile("[\x80-\x9f]")
_PLAIN_TYPES = frozenset({"text", "plain", "html", "text/plain", "text/html"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

# The roles of the elements feedparser acts on, by its name for them.
_TITLE = frozenset({"title", "dc_title", "media_title"})
_SUMMARY = frozenset(
    {"description", "summary", "dc_description", "itunes_summary", "media_description"}
)
_CONTENT = frozenset({"content", "content_encoded"})
_ID = frozenset({"guid", "id"})
_AUTHOR = frozenset({"author", "dc_creator", "dc_author", "itunes_author"})
_PUBLISHED = frozenset({"pubdate", "published", "issued", "dcterms_issued"})
_UPDATED = frozenset({"updated", "modified", "lastbuilddate", "dc_date", "dcterms_modified"})
_AUTHOR_PARTS = frozenset({"name", "email", "uri", "url", "homepage"})
# elements feedparser acts on that touch none of the fields leakbot reads
_BESIDE_THE_POINT = frozenset(
    {
        "category",
        "tags",
        "keywords",
        "dc_subject",
        "itunes_keywords",
        "itunes_explicit",
        "itunes_block",
        "itunes_image",
        "itunes_subtitle",
        "itunes_category",
        "subtitle",
        "tagline",
        "rights",
        "copyright",
        "dc_rights",
        "language",
        "dc_language",
        "created",
        "dcterms_created",
        "expirationdate",
        "dcterms_valid",
        "media_group",
        "media_category",
        "media_rating",
        "media_credit",
        "media_player",
        "media_license",
        "media_restriction",
        "media_keywords",
        "cc_license",
        "creativecommons_license",
        "feedburner_browserfriendly",
        "info",
        "generator",
        "dc_publisher",
        "georss_point",
        "georss_line",
        "georss_polygon",
        "georss_box",
        "url",
    }
)
# fields leakbot reads that an unknown element of the same name would overwrite
_READ_KEYS = frozenset({"links", "published_parsed", "updated_parsed", "media_thumbnail"})
# what may sit inside an RSS image or text input without feedparser leaving it early
_IMAGE_PARTS = frozenset({"title", "link", "description", "url", "href", "width", "height"})
_TEXTINPUT_PARTS = frozenset({"title", "link", "description", "name"})


@dataclass(frozen=True, slots=True)
class Reference:
    """What the fast path must know of feedparser to read as it does."""

    prefixes: Mapping[str, str]  # namespace URI (lowercase) -> feedparser's prefix
    acts_on: frozenset[str]  # the element names feedparser has a handler for
    parse_date: Callable[[str], time.struct_time | None]


@dataclass(frozen=True, slots=True)
class FastFeed:
    """A feed read on the fast path, its entries shaped as feedparser shapes them."""

    title: str
    link: str
    entries: tuple[dict[str, Any], ...]


class _GiveUpError(Exception):
    """The fast path cannot vouch for this feed; feedparser reads it."""  # never escapes


@dataclass(slots=True)
class _Names:
    """feedparser's names for the elements of one document."""

    reference: Reference
    remapped: dict[str, str]  # a document prefix bound to a namespace feedparser knows
    first_prefix: dict[str, str]  # an unknown namespace URI -> the prefix it was declared with
    cache: dict[str, str] = field(default_factory=dict)

    def of(self, element: Any) -> str:
        """Return feedparser's name for an element, as its handler methods spell it."""
        tag = element.tag
        found = self.cache.get(tag)
        if found is not None:
            return found
        uri, _, local = tag[1:].partition("}") if tag[0] == "{" else ("", "", tag)
        lower = uri.lower()
        if "backend.userland.com/rss" in lower:
            lower = "http://backend.userland.com/rss"
        prefix = self.reference.prefixes.get(lower)
        if prefix is None:
            prefix = self.first_prefix.get(uri, "")
        prefix = self.remapped.get(prefix, prefix).lower()
        name = f"{prefix}_{local.lower()}" if prefix else local.lower()
        self.cache[tag] = name
        return name


def read_fast(data: bytes, *, base: str, reference: Reference) -> FastFeed | None:
    """Read a feed feedparser decoded to UTF-8, or return None where feedparser may differ."""
    if _BASE_ATTRIBUTE.search(data) or not _well_formed(data):
        return None
    try:
        root = etree.fromstring(data, _XML)
    except etree.XMLSyntaxError:
        return None
    names = _names(data, reference)
    try:
        feed, entries = _containers(root, names)
        if len(entries) != len(_ENTRY_TAG.findall(data)):
            return None  # an entry somewhere feedparser finds it and this reader does not
        return _Walk(names, base).feed(root, feed, entries)
    except _GiveUpError:
        return None


def _well_formed(data: bytes) -> bool:
    """Tell whether expat, the parser feedparser tries first, accepts the document."""
    parser = expat.ParserCreate(None, " ")
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        return False
    return True


def _names(data: bytes, reference: Reference) -> _Names:
    """Collect the prefix declarations that change feedparser's names for elements."""
    remapped: dict[str, str] = {}
    first_prefix: dict[str, str] = {}
    for raw_prefix, raw_uri in _PREFIX_DECLARATION.findall(data):
        prefix, uri = raw_prefix.decode(), raw_uri.decode()
        known = reference.prefixes.get(uri.lower())
        if known is None:
            first_prefix.setdefault(uri, prefix)
        elif known != prefix:
            remapped[prefix] = known
    return _Names(reference, remapped, first_prefix)


def _containers(root: Any, names: _Names) -> tuple[Any, list[Any]]:
    """Return the element holding the feed's own fields and the feed's entries."""
    kind = names.of(root)
    if kind == "rss":
        channels = [child for child in _elements(root) if names.of(child) == "channel"]
        if len(channels) != 1:
            raise _GiveUpError
        feed = channels[0]
        entries = [child for child in _elements(feed) if names.of(child) == "item"]
    elif kind == "feed" and root.tag == f"{{{_ATOM}}}feed":
        feed = root
        entries = [child for child in _elements(root) if names.of(child) == "entry"]
    elif kind == "rdf_rdf":
        channels = [child for child in _elements(root) if names.of(child) == "channel"]
        if len(channels) != 1 or channels[0].tag != f"{{{_RSS10}}}channel":
            raise _GiveUpError
        feed = channels[0]
        before = _elements(root)[: _elements(root).index(feed)]
        if before:
            raise _GiveUpError  # an image before the channel changes which title feedparser keeps
        entries = [child for child in _elements(root) if names.of(child) == "item"]
    else:
        raise _GiveUpError
    if not entries:
        raise _GiveUpError  # an empty feed is cheap for feedparser, and its verdicts are subtle
    for element in (feed, *entries):
        if "href" in element.attrib or "lastmod" in element.attrib:
            raise _GiveUpError  # CDF: feedparser reads a link or a date from the attributes
    return feed, entries


def _elements(parent: Any) -> list[Any]:
    return [child for child in parent if isinstance(child.tag, str)]


def _descendants(element: Any) -> list[Any]:
    return [inner for inner in element.iterdescendants() if isinstance(inner.tag, str)]


@dataclass(slots=True)
class _Walk:
    """One pass over a feed in document order, keeping the state feedparser keeps."""

    names: _Names
    base: str
    # feedparser's hasContent: a content element was read since the last entry ended
    has_content: bool = False

    def feed(self, root: Any, feed: Any, entries: list[Any]) -> FastFeed:
        """Read the feed's title, link and entries."""
        names = self.names
        holders = {feed}
        # an RSS 1.0 image or text input sits beside the channel, not in it
        for child in [*_elements(feed), *(_elements(root) if root is not feed else [])]:
            name = names.of(child)
            if name in ("image", "textinput"):
                holders.add(child)
                allowed = _IMAGE_PARTS if name == "image" else _TEXTINPUT_PARTS
                if any(names.of(part) not in allowed for part in _descendants(child)):
                    raise _GiveUpError  # feedparser would leave the image early, misfiling fields
        # an element deeper in the feed that feedparser would file among the feed's fields
        inside = set(entries) | (holders - {feed})
        tags = ("{*}title", "{*}link", "{*}description", "{*}summary", "{*}content", "{*}encoded")
        for element in root.iter(*tags):
            if (
                element.getparent() is not feed
                and element not in inside
                and not any(up in inside for up in element.iterancestors())
            ):
                raise _GiveUpError
        title = ""
        link: str | None = None
        title_kept = has_summary = False
        shaped: list[dict[str, Any]] = []
        entry_set = set(entries)
        for child in _elements(feed):
            name = names.of(child)
            if child in entry_set:
                shaped.append(self.entry(child))
                title_kept = False
            elif name in ("image", "textinput"):
                title_kept = False
            elif name in _TITLE:
                if not title_kept:
                    _content_type(child, "text/plain")
                    title = _text(child)
                    title_kept = bool(title) and name != "media_title"
            elif name == "link":
                attributes = _link_attributes(child)
                if "href" in attributes:
                    if _alternate(attributes):
                        link = _resolve(self.base, attributes["href"])
                else:
                    link = _ENTITY_IN_LINK.sub(r"&\g<1>", _text(child, resolve=self.base))
            elif name in _ID:
                # the feed's id stands as its link until a link comes (an Atom feed's urn:)
                permalink = _attributes(child).get("ispermalink", "true") == "true"
                value = _text(child, resolve=self.base if permalink else None)
                if permalink and link is None:
                    link = value
            elif name in _SUMMARY:
                # a second summary becomes content, unless content came since the last entry
                if has_summary and not self.has_content:
                    self.has_content = True
                elif name in ("summary", "itunes_summary"):
                    has_summary = True
            elif name in _CONTENT:
                self.has_content = has_summary = True
        if entries[0].getparent() is not feed:  # RSS 1.0: the items follow the channel
            shaped = [self.entry(entry) for entry in entries]
        return FastFeed(title, link or "", tuple(shaped))

    def entry(self, entry: Any) -> dict[str, Any]:
        """Shape one entry's fields as feedparser's entry dict holds them."""
        names, base = self.names, self.base
        reference = names.reference
        content: list[dict[str, str]] = []
        links: list[dict[str, str]] = []
        fields: dict[str, Any] = {
            "content": content,
            "links": links,
            "media_content": [],
            "media_thumbnail": [],
        }
        about = entry.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        if about:
            fields["id"] = about
        title_kept = structured_author = False
        for child in _elements(entry):
            name = names.of(child)
            if name in _TITLE:
                # feedparser keeps the first title with text (a media:title only stands in
                # until one comes), until a source starts afresh
                if not title_kept:
                    _content_type(child, "text/plain")
                    fields["title"] = _text(child)
                    title_kept = bool(fields["title"]) and name != "media_title"
            elif name in _SUMMARY:
                summary_type = "text/plain" if name in ("summary", "itunes_summary") else ""
                _content_type(child, summary_type)
                if "summary" in fields and not self.has_content:
                    # feedparser files a second summary as content
                    _content_type(child, "text/plain")
                    self.has_content = True
                    content.append({"value": _text(child)})
                else:
                    fields["summary"] = _text(child)
            elif name in _CONTENT:
                if "src" in child.attrib:
                    raise _GiveUpError
                _content_type(child, "text/html" if name == "content_encoded" else "text/plain")
                self.has_content = True
                value = _text(child)
                content.append({"value": value})
                fields.setdefault("summary", value)
            elif name in _ID:
                permalink = _attributes(child).get("ispermalink", "true") == "true"
                value = _text(child, resolve=base if permalink else None)
                fields["id"] = value
                if permalink:
                    fields.setdefault("link", value)
            elif name == "link":
                attributes = _link_attributes(child)
                if "href" in attributes:
                    attributes["href"] = _resolve(base, attributes["href"])
                    links.append(attributes)
                    if _alternate(attributes):
                        fields["link"] = attributes["href"]
                else:
                    text = _text(child, resolve=base).replace("&amp;", "&")
                    fields["link"] = _ENTITY_IN_LINK.sub(r"&\g<1>", text)
            elif name == "enclosure":
                attributes = _link_attributes(child)
                attributes["rel"] = "enclosure"
                links.append(attributes)
            elif name in _AUTHOR:
                if "author" in fields and (len(child) or structured_author):
                    raise _GiveUpError  # feedparser mixes the parts of several authors
                structured_author = structured_author or len(child) > 0
                fields["author"] = _author(child, names)
            elif name in _PUBLISHED:
                fields["published_parsed"] = reference.parse_date(_text(child))
            elif name in _UPDATED:
                fields["updated_parsed"] = reference.parse_date(_text(child))
            elif name == "media_content" or name == "media_thumbnail":
                _media(child, name, fields)
            elif name == "source":
                title_kept = False
            elif name not in _BESIDE_THE_POINT and (
                name in reference.acts_on or name in _READ_KEYS
            ):
                raise _GiveUpError
            for inner in _descendants(child) if len(child) else ():
                inner_name = names.of(inner)
                if inner_name in ("media_content", "media_thumbnail") and name == "media_group":
                    _media(inner, inner_name, fields)
                elif (inner_name in _AUTHOR_PARTS and name in _AUTHOR) or (
                    inner_name in _BESIDE_THE_POINT
                ):
                    continue
                elif inner_name in reference.acts_on or inner_name in _READ_KEYS:
                    raise _GiveUpError  # a media:title, say, that would compete with the entry's
        self.has_content = False
        return fields


def _media(element: Any, name: str, fields: dict[str, Any]) -> None:
    attributes = _attributes(element)
    if name == "media_thumbnail" and "url" not in attributes and (element.text or "").strip():
        raise _GiveUpError  # feedparser would take the URL from the text
    fields[name].append(attributes)


def _author(element: Any, names: _Names) -> str:
    """Return an author as feedparser writes it: "name (email)", or the text."""
    parts = _elements(element)
    text = _popped("".join([element.text or "", *(part.tail or "" for part in parts)]))
    if not parts:
        return text
    detail: dict[str, str] = {}
    for part in parts:
        part_name = names.of(part)
        if len(part):
            raise _GiveUpError
        if part_name not in _AUTHOR_PARTS:
            if part_name in names.reference.acts_on or part_name in _READ_KEYS:
                raise _GiveUpError
            if part.attrib and (part.text or "").strip():
                raise _GiveUpError  # feedparser would count this text as the author's own
        elif part_name in ("name", "email"):
            detail[part_name] = (part.text or "").strip()
        else:
            detail["href"] = part.text or ""
    name, email = detail.get("name"), detail.get("email")
    if name and email:
        return f"{name} ({email})"
    return name or email or text


def _content_type(element: Any, default: str) -> None:
    """Give up on content feedparser transforms: xhtml, base64, other media types."""
    attributes = _attributes(element)
    kind = attributes.get("type", default)
    if (kind and kind not in _PLAIN_TYPES) or attributes.get("mode") == "base64":
        raise _GiveUpError


def _text(element: Any, *, resolve: str | None = None) -> str:
    """Return an element's text as feedparser pops it; give up on markup inside."""
    if len(element):
        raise _GiveUpError  # feedparser rebuilds inline markup in its own way
    text = (element.text or "").strip()
    if resolve is not None and text:
        text = _resolve(resolve, text)
    return _popped(text, stripped=True)


def _popped(text: str, *, stripped: bool = False) -> str:
    """Clean text as feedparser does for every element it keeps."""
    if not stripped:
        text = text.strip()
    if text.isascii():
        return text
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        # feedparser undoes UTF-8 that was read as ISO-8859-1
        text = text.encode("iso-8859-1").decode("utf-8")
    return text.translate(_CP1252) if _C1_CONTROL.search(text) else text


def _attributes(element: Any) -> dict[str, str]:
    """Return an element's attributes as feedparser normalizes them, url and uri as href."""
    attributes: dict[str, str] = {}
    for key, value in element.attrib.items():
        name = key.rpartition("}")[2].lower() if key[0] == "{" else key.lower()
        attributes[name] = value.lower() if name in ("rel", "type") else value
    return attributes


def _link_attributes(element: Any) -> dict[str, str]:
    """Return a link's attributes as feedparser keeps them, a url or uri as its href."""
    attributes = _attributes(element)
    href = attributes.get("url", attributes.get("uri", attributes.get("href")))
    if href:
        attributes.pop("url", None)
        attributes.pop("uri", None)
        attributes["href"] = href
    return attributes


def _alternate(attributes: dict[str, str]) -> bool:
    """Tell whether a link with an href is the one feedparser takes as the page's link."""
    rel = attributes.setdefault("rel", "alternate")
    default = "application/atom+xml" if rel == "self" else "text/html"
    kind = attributes.setdefault("type", default)
    return rel == "alternate" and _content_kind(kind) in _HTML_TYPES


def _content_kind(kind: str) -> str:
    kind = kind.lower()
    return {"text": "text/plain", "plain": "text/plain", "html": "text/html"}.get(
        kind, "application/xhtml+xml" if kind == "xhtml" else kind
    )


def _resolve(base: str, uri: str) -> str:
    """Resolve a URI against the feed's URL as feedparser does."""
    uri = _URI_FIXER.sub(r"\1\3", uri)
    try:
        return urljoin(base, uri)
    except ValueError:
        return ""
