"""The fast path of feed parsing reads every reference feed exactly as feedparser does.

Every file under tests/data/ref/feeds (the captured real-world feeds and feedparser's own
one-feature corpus) is parsed twice, with the fast path and with feedparser alone, served
with the Content-Type the reference-feed poller test uses and with none at all. The two
must give equal ParsedFeeds (title, every field of every Item in order, the complaint and
the clean flag) or raise the same error. The fast path must also really be taken on most
captured feeds, and each reason it hands a feed back to feedparser is shown on a small
hand-written feed.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.errors import SourceError
from bot.sources.feed.gate import RefusedFeedError
from bot.sources.feed.parse import ParsedFeed, parse_feed
from tests.conftest import REF
from tests.fakes import hostile

REF_FEEDS = REF / "feeds"
FILES = sorted(p for p in REF_FEEDS.rglob("*") if p.is_file() and p.name != "LICENSE")
CAPTURED = [p for p in FILES if p.relative_to(REF_FEEDS).parts[0] == "captured"]
# the captured files that are not feeds, or that feedparser reads only with its loose parser
NOT_WELL_FORMED = {
    "notafeed.html",
    "unrecognized.rss",
    "saxerror.xml",
    "itunes-keywords-array.rss",
    "itunes-keywords-astext.rss",
    "itunes-missing-image.rss",
}
FAST_FLOOR = 0.7  # of the well-formed captured feeds, at least this share takes the fast path
URL = "https://feeds.example/dir/feed.xml"
_HEADER_CONTENT_TYPE = re.compile(rb"^Header:\s*Content-type:\s*(.+?)\s*$", re.I | re.M)
_CONTENT_TYPES = {
    ".html": "text/html",
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
}


def _content_type(path: Path, body: bytes) -> str:
    """Serve a file as tests/test_ref_feeds.py does: its header comment's type, else by suffix."""
    found = _HEADER_CONTENT_TYPE.search(body[:2048])
    if found:
        return found.group(1).decode("ascii", "replace")
    return _CONTENT_TYPES.get(path.suffix, "application/xml")


def _parse(body: bytes, content_type: str | None, *, fast: bool) -> ParsedFeed | str:
    """Parse as the poller does; an error comes back as its class name and message."""
    try:
        return parse_feed(body, source_id="ref", url=URL, content_type=content_type, fast=fast)
    except SourceError as exc:
        return f"{type(exc).__name__}: {exc}"


def _differences(fast: ParsedFeed | str, reference: ParsedFeed | str) -> list[str]:
    """Say where two readings of one feed differ, field by field."""
    if isinstance(fast, str) or isinstance(reference, str):
        return [] if fast == reference else [f"{fast!r:.200} != {reference!r:.200}"]
    found = [
        f"{name}: {getattr(fast, name)!r:.120} != {getattr(reference, name)!r:.120}"
        for name in ("title", "problem", "clean")
        if getattr(fast, name) != getattr(reference, name)
    ]
    if len(fast.items) != len(reference.items):
        found.append(f"{len(fast.items)} items != {len(reference.items)}")
    for index, (mine, theirs) in enumerate(zip(fast.items, reference.items, strict=False)):
        if mine != theirs:
            for name in mine.__slots__:
                if getattr(mine, name) != getattr(theirs, name):
                    found.append(
                        f"item {index} {name}: "
                        f"{getattr(mine, name)!r:.120} != {getattr(theirs, name)!r:.120}"
                    )
    return found


def test_reference_feeds_are_present() -> None:
    assert len(FILES) > 2000, f"expected the reference feeds under {REF_FEEDS}"
    assert len(CAPTURED) > 50
    assert {p.name for p in CAPTURED} >= NOT_WELL_FORMED


@pytest.mark.parametrize("corpus", ["captured", "feedparser-corpus"])
def test_every_reference_feed_reads_the_same_on_the_fast_path(corpus: str) -> None:
    files = [p for p in FILES if p.relative_to(REF_FEEDS).parts[0] == corpus]
    mismatches: list[str] = []
    taken = Counter[bool]()
    for path in files:
        body = path.read_bytes()
        for content_type in (_content_type(path, body), None):
            fast = _parse(body, content_type, fast=True)
            reference = _parse(body, content_type, fast=False)
            assert isinstance(reference, str) or not reference.fast
            taken[isinstance(fast, ParsedFeed) and fast.fast] += 1
            mismatches += [
                f"{path.relative_to(REF_FEEDS)} [{content_type}] {difference}"
                for difference in _differences(fast, reference)
            ]
    print(f"{corpus}: {len(files)} files, {taken[True]} of {taken.total()} parses on the fast path")
    assert mismatches == [], "\n".join(mismatches[:40])
    assert taken[True] > 0


def test_most_captured_feeds_take_the_fast_path() -> None:
    feeds = [p for p in CAPTURED if p.name not in NOT_WELL_FORMED]
    fast = [
        p.name
        for p in feeds
        if parse_feed(
            p.read_bytes(), source_id="ref", url=URL, content_type=_content_type(p, p.read_bytes())
        ).fast
    ]
    print(f"{len(fast)} of {len(feeds)} well-formed captured feeds took the fast path")
    assert len(fast) >= FAST_FLOOR * len(feeds), f"only {len(fast)} of {len(feeds)}: {fast}"
    for path in CAPTURED:
        if path.name in NOT_WELL_FORMED:
            parsed = _parse(path.read_bytes(), None, fast=True)
            assert isinstance(parsed, str) or not parsed.fast, path.name


def _rss(
    items: str, *, head: str = '<?xml version="1.0" encoding="utf-8"?>', ns: str = ""
) -> bytes:
    return (
        f'{head}\n<rss version="2.0"{ns}><channel><title>Leaks</title>'
        f"<link>https://leaks.example/</link><description>d</description>"
        f"{items}</channel></rss>"
    ).encode()


def _both(body: bytes, content_type: str | None = "application/rss+xml") -> ParsedFeed:
    """Parse both ways, assert the readings are equal, and return the fast path's."""
    fast = parse_feed(body, source_id="s", url=URL, content_type=content_type)
    reference = parse_feed(body, source_id="s", url=URL, content_type=content_type, fast=False)
    assert _differences(fast, reference) == []
    return fast


ITEM = "<item><title>Pixel 11 leak</title><link>https://leaks.example/{n}</link><guid>g{n}</guid></item>"


def test_a_plain_feed_takes_the_fast_path() -> None:
    parsed = _both(_rss(ITEM.format(n=1) + ITEM.format(n=2)))
    assert parsed.fast
    assert [item.key for item in parsed.items] == [
        "https://feeds.example/dir/g1",  # feedparser resolves a permalink guid against the URL
        "https://feeds.example/dir/g2",
    ]
    assert parsed.title == "Leaks"


def test_an_entry_outside_the_channel_sends_the_feed_to_feedparser_whole() -> None:
    # feedparser reads an item wherever it stands; the fast path only looks in the channel
    body = _rss(ITEM.format(n=1)).replace(
        b"</channel></rss>", b"</channel>" + ITEM.format(n=2).encode() + b"</rss>"
    )
    parsed = _both(body)
    assert not parsed.fast
    assert [item.link for item in parsed.items] == [
        "https://leaks.example/1",
        "https://leaks.example/2",
    ]


def test_an_item_tag_inside_text_sends_the_feed_to_feedparser() -> None:
    # the count of entry tags in the bytes differs from the entries found: not trusted
    body = _rss("<item><title>a</title><description><![CDATA[<item>]]></description></item>")
    parsed = _both(body)
    assert not parsed.fast
    assert len(parsed.items) == 1


def test_a_feed_that_is_not_well_formed_goes_to_feedparsers_loose_parser() -> None:
    parsed = _both(_rss("<item><title>Leica &nbsp; M12</title><guid>a</guid></item>"))
    assert not parsed.fast
    assert not parsed.clean
    assert parsed.items[0].title == "Leica M12"


def test_a_declared_encoding_is_decoded_as_feedparser_decodes_it() -> None:
    body = _rss(
        "<item><title>Caméra été</title><guid>a</guid></item>",
        head='<?xml version="1.0" encoding="iso-8859-1"?>',
    )
    latin1 = body.decode("utf-8").encode("iso-8859-1")
    parsed = _both(latin1)
    assert parsed.fast  # feedparser's own decoding runs first, so the fast path reads text
    assert parsed.items[0].title == "Caméra été"


def test_text_xml_without_a_charset_gives_feedparsers_complaint_on_both_paths() -> None:
    parsed = _both(_rss("<item><title>Xiaomi 17 ü</title><guid>a</guid></item>"), "text/xml")
    assert parsed.fast
    assert parsed.clean
    assert parsed.problem == "document declared as us-ascii, but parsed as utf-8"


def test_xml_base_sends_the_feed_to_feedparser() -> None:
    body = _rss('<item xml:base="https://other.example/news/"><link>a.html</link></item>')
    parsed = _both(body)
    assert not parsed.fast
    assert parsed.items[0].link == "https://other.example/news/a.html"


def test_markup_inside_a_title_sends_the_feed_to_feedparser() -> None:
    body = _rss(
        "<item><title>Leica <b>M12</b></title><guid>a</guid></item>",
        ns=' xmlns:x="urn:x"',
    )
    parsed = _both(body)
    assert not parsed.fast
    assert parsed.items[0].title == "Leica M12"


def test_atom_xhtml_content_sends_the_feed_to_feedparser() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><id>urn:a</id>'
        b'<title>Pixel</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        b"<p>Pixel 11 <b>Pro</b></p></div></content></entry></feed>"
    )
    parsed = _both(body, "application/atom+xml")
    assert not parsed.fast
    assert parsed.items[0].text == "Pixel 11 Pro"


def test_several_summaries_are_filed_as_feedparser_files_them() -> None:
    # the second summary of an entry becomes content, unless content came before it
    body = _rss(
        "<item><title>a</title><guid>a</guid><itunes:summary>first</itunes:summary>"
        "<description>second</description></item>"
        "<item><title>b</title><guid>b</guid><itunes:summary>third</itunes:summary>"
        "<description>fourth</description></item>",
        ns=' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"',
    )
    parsed = _both(body)
    assert parsed.fast
    assert [item.text for item in parsed.items] == ["second", "fourth"]


def test_empty_elements_do_not_shift_the_fields_after_them() -> None:
    # feedparser-rs 0.7.1 reads the next element's text for an empty <title/> or <category/>
    body = _rss(
        "<item><title/><category/><link>https://leaks.example/1</link><guid>g1</guid>"
        "<description>Leica M12</description></item>"
    )
    parsed = _both(body)
    assert parsed.fast
    assert parsed.items[0].title == ""
    assert parsed.items[0].link == "https://leaks.example/1"
    assert parsed.items[0].text == "Leica M12"


def test_an_unknown_element_feedparser_acts_on_sends_the_feed_to_feedparser() -> None:
    body = _rss(
        "<item><title>a</title><guid>a</guid><body>Leica</body></item>",
    )
    parsed = _both(body)
    assert not parsed.fast


def test_a_stray_element_named_like_a_feedparser_key_costs_no_post() -> None:
    # <links> overwrites feedparser's list of links, which once failed the whole feed
    body = _rss(
        "<item><title>Leica</title><links>L</links><published_parsed>x</published_parsed>"
        '<atom:link href="https://leaks.example/1" rel="alternate"/></item>',
        ns=' xmlns:atom="http://www.w3.org/2005/Atom"',
    )
    parsed = _both(body)
    assert not parsed.fast
    assert [item.title for item in parsed.items] == ["Leica"]


def test_the_gate_still_refuses_entity_declarations_on_the_fast_path() -> None:
    body = _rss("<item><title>&boom;</title></item>").replace(
        b"<rss", b'<!DOCTYPE rss [<!ENTITY boom "x">]>\n<rss', 1
    )
    with pytest.raises(RefusedFeedError):
        parse_feed(body, source_id="s", url=URL)
    with pytest.raises(RefusedFeedError):
        parse_feed(body, source_id="s", url=URL, fast=False)


def test_an_author_e_mail_that_stalls_feedparser_is_read_at_once_on_the_fast_path() -> None:
    # feedparser's e-mail regex takes quadratic time on it (tests/test_hostile.py stops that)
    started = time.perf_counter()
    parsed = parse_feed(hostile.slow_author(), source_id="s", url=URL)
    assert time.perf_counter() - started < 1.0
    assert parsed.fast
    assert parsed.items[0].author == "a@" + "a." * 40_000


# Parts of items and entries, combined at random (with a fixed seed, so every run sees the
# same feeds): orders and repeats that no single corpus file shows, and that found three
# places where the fast path first read otherwise than feedparser.
_RSS_PARTS = [
    "<title>T {n}</title>",
    "<title></title>",
    "<title/>",
    "<title>Ã© caf\u0080e</title>",
    "<dc:title>DT</dc:title>",
    "<media:title>MT</media:title>",
    "<link>https://a.example/{n}?x=1&amp;y=2</link>",
    "<link>rel/{n}</link>",
    "<link/>",
    '<atom:link href="https://b.example/{n}" rel="alternate"/>',
    '<atom:link href="x.png" rel="enclosure" type="image/png"/>',
    "<guid>g{n}</guid>",
    '<guid isPermaLink="false">p{n}</guid>',
    '<guid isPermaLink="True">h{n}</guid>',
    "<guid></guid>",
    "<description>D &lt;b&gt;x&lt;/b&gt;</description>",
    "<description><![CDATA[<p>C <img src='i{n}.jpg'></p>]]></description>",
    "<description/>",
    "<content:encoded><![CDATA[<p>E{n}</p>]]></content:encoded>",
    "<content:encoded></content:encoded>",
    "<itunes:summary>IS</itunes:summary>",
    "<media:description>MD</media:description>",
    "<author>me@x.example (Me)</author>",
    "<dc:creator>Cr</dc:creator>",
    "<itunes:author>IA</itunes:author>",
    "<pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate>",
    "<pubDate>garbage</pubDate>",
    "<dc:date>2024-03-04T05:06:07Z</dc:date>",
    '<enclosure url="e{n}.jpg" type="image/jpeg"/>',
    '<media:content url="https://m.example/{n}.jpg" medium="image"/>',
    '<media:thumbnail url="t{n}.jpg"/>',
    '<media:group><media:content url="g.jpg" type="image/jpeg"/></media:group>',
    "<category/>",
    "<source url='http://s/'>S</source>",
    "<x:foo>bar</x:foo>",
    "<!-- comment -->",
    "<Title>UT</Title>",
    "<links>L</links>",
]
_RSS_HEAD = [
    "<title>F</title>",
    "<link>https://f.example/</link>",
    "<itunes:summary>fs</itunes:summary>",
    "<image><url>u</url><title>IT</title><link>il</link></image>",
    "<dc:title>FDT</dc:title>",
]
_ATOM_PARTS = [
    "<title>T {n}</title>",
    '<title type="html">A &amp;lt;b&amp;gt; B</title>',
    "<id>urn:uuid:{n}</id>",
    "<id>rel-{n}</id>",
    '<link href="https://a.example/{n}"/>',
    '<link rel="alternate" type="text/html" href="/p/{n}"/>',
    '<link rel="enclosure" type="image/png" href="e{n}.png"/>',
    '<link rel="alternate" type="application/pdf" href="x.pdf"/>',
    '<link href=""/>',
    "<link>t{n}</link>",
    '<content type="html">&lt;p&gt;H{n}&lt;/p&gt;</content>',
    '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div></content>',
    '<content mode="base64">aGVsbG8=</content>',
    "<summary>S{n}</summary>",
    "<author><name>N</name><email>e@x.example</email></author>",
    "<author><uri>http://u/</uri></author>",
    "<author>txt</author>",
    "<published>2024-01-02T03:04:05Z</published>",
    "<updated>2023-12-01</updated>",
    "<source><title>ST</title></source>",
    '<media:content url="mc{n}.jpg" type="image/jpeg"/>',
]
_ATOM_HEAD = [
    "<title>F</title>",
    '<link href="https://f.example/"/>',
    "<id>urn:f</id>",
    "<author><name>FA</name></author>",
    '<title type="html">F &amp;amp; G</title>',
]
_NAMESPACES = (
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"'
    ' xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:x="urn:x"'
    ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
    ' xmlns:atom="http://www.w3.org/2005/Atom"'
)


def _generated(rng: random.Random, atom: bool) -> bytes:
    parts, head = (_ATOM_PARTS, _ATOM_HEAD) if atom else (_RSS_PARTS, _RSS_HEAD)
    tag = "entry" if atom else "item"
    entries = "".join(
        f"<{tag}>"
        + "".join(rng.choice(parts).replace("{n}", str(n)) for _ in range(rng.randint(0, 7)))
        + f"</{tag}>"
        for n in range(rng.randint(1, 4))
    )
    feed_head = "".join(rng.choice(head) for _ in range(rng.randint(0, 4)))
    if atom:
        text = f'<feed xmlns="http://www.w3.org/2005/Atom"{_NAMESPACES}>{feed_head}{entries}</feed>'
    else:
        text = f'<rss version="2.0"{_NAMESPACES}><channel>{feed_head}{entries}</channel></rss>'
    return f'<?xml version="1.0" encoding="utf-8"?>{text}'.encode()


@pytest.mark.parametrize("atom", [False, True], ids=["rss", "atom"])
def test_generated_feeds_read_the_same_on_the_fast_path(atom: bool) -> None:
    rng = random.Random(9)
    mismatches: list[str] = []
    fast = 0
    for _ in range(400):
        body = _generated(rng, atom)
        content_type = rng.choice(["application/xml", "text/xml", None])
        mine = _parse(body, content_type, fast=True)
        reference = _parse(body, content_type, fast=False)
        fast += isinstance(mine, ParsedFeed) and mine.fast
        mismatches += [
            f"{body.decode()} [{content_type}]: {d}" for d in _differences(mine, reference)
        ]
    assert mismatches == [], "\n".join(mismatches[:5])
    assert fast > 100, f"only {fast} of 400 generated feeds took the fast path"
