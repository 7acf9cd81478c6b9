"""``leakbot explain`` says whether a text or a stored post matches a watch, and why."""

from __future__ import annotations

from sqlmodel import select

from storage.db import make_engine, session_scope
from storage.models import ItemRow
from tests.conftest import Leakbot
from tests.fakes.feed_server import FeedServer, Post

CONFIG = """
sources:
  - id: tipster
    feed: {feed}
  - id: weibo
    feed: {feed}?weibo
watches:
  - id: xiaomi-leica
    any: [Leica, 徕卡]
    all: [[Xiaomi, 小米]]
    none: [giveaway, "re:\\\\bcase\\\\b"]
    sources: [tipster]
  - id: cafe
    any: [cafe]
    ignore_accents: true
"""


def _configure(cli: Leakbot, feed: str = "https://feeds.example/feed.xml") -> None:
    cli.write_config(CONFIG.format(feed=feed))


def test_explain_shows_the_terms_that_made_a_match_and_where(cli: Leakbot) -> None:
    _configure(cli)
    result = cli("explain", "--watch", "xiaomi-leica", "小米17 Ultra 徠卡 lens leaked")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "watch xiaomi-leica: MATCH"
    assert "    hit     Leica" not in lines
    assert "    missed  Leica" in lines
    assert "    hit     徕卡" in lines
    assert "              '徠卡' at 11-13: 小米17 Ultra [徠卡] lens leaked" in lines
    assert "    hit     Xiaomi / 小米  (by 小米)" in lines
    assert "    missed  giveaway" in lines
    assert "    missed  re:\\bcase\\b" in lines


def test_explain_names_the_veto_and_the_missing_entry(cli: Leakbot) -> None:
    _configure(cli)
    result = cli("explain", "--watch", "xiaomi-leica", "Leica phone case giveaway")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "watch xiaomi-leica: no match"
    assert "    MISSED  Xiaomi / 小米" in lines
    assert "    VETO    giveaway" in lines
    assert "    VETO    re:\\bcase\\b" in lines
    assert "              'case' at 12-16: Leica phone [case] giveaway" in lines


def test_explain_says_when_accents_are_ignored(cli: Leakbot) -> None:
    _configure(cli)
    result = cli("explain", "--watch", "cafe", "Café leak")
    assert result.code == 0, result.err
    assert result.out.splitlines()[:3] == [
        "watch cafe: MATCH (accents ignored)",
        "  any: at least one must hit",
        "    hit     cafe",
    ]


def test_explain_a_stored_post_by_its_id(cli: Leakbot, feeds: FeedServer) -> None:
    feeds.publish_rss(
        "weibo",
        [Post("1", "小米17 徠卡 official", link="https://e.com/1", body="小米17 徠卡 official")],
    )
    _configure(cli, feeds.url("weibo"))
    assert cli("poll-once", "--source", "weibo").code == 0
    engine = make_engine(cli.env["DATABASE_URL"])
    with session_scope(engine) as session:
        [item_id] = session.exec(select(ItemRow.id).where(ItemRow.source_id == "weibo")).all()
    engine.dispose()

    result = cli("explain", "--watch", "xiaomi-leica", "--item", str(item_id))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"post {item_id} from weibo: 小米17 徠卡 official"
    assert lines[1] == "watch xiaomi-leica: MATCH"
    assert lines[-1] == (
        "note: watch xiaomi-leica looks only at posts from tipster, "
        "so this post from weibo does not alert it"
    )


def test_unknown_watch_or_post_exits_2(cli: Leakbot) -> None:
    _configure(cli)
    result = cli("explain", "--watch", "pixel", "Pixel 9")
    assert result.code == 2
    assert "no watch with id 'pixel' (watches are: xiaomi-leica, cafe)" in result.err
    result = cli("explain", "--watch", "cafe", "--item", "4242")
    assert result.code == 2
    assert "no stored post with id 4242" in result.err


def test_explain_needs_a_text_or_a_post(cli: Leakbot) -> None:
    _configure(cli)
    assert cli("explain", "--watch", "cafe").code == 2
    assert cli("explain", "--watch", "cafe", "--item", "1", "some text").code == 2
