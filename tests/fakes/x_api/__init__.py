"""A fake of X's API v2 on loopback, for real tweepy clients over real sockets.

Checked against X's own description: every body it answers (and every line of its stream)
is validated against the OpenAPI spec v2.159 (tests/data/ref/x/openapi.json) with the spec's
discriminators honoured and no keys the spec does not define; what breaks it lands in
``fake.spec_problems`` (a test asserts it stays empty). Shapes follow the real responses
tweepy recorded (tests/data/ref/x/recorded), X's problem types in the spec, and the bodies
X is known to send (the 429 and Not Found entries, TooManyConnections, client-not-enrolled);
the wording of the rules endpoint's errors (invalid-rules reasons, rule-cap, "Rule does not
exist") is modelled on X's, not copied from a recording.

Set up::

    with XFake(token="t", clock=clock) as fake:   # clock: () -> aware datetime (default now)
        fake.account("UniverseIce", "1000001")
        fake.url                                   # what tweepy's https://api.twitter.com becomes

Route tweepy to it (tweepy hard-codes api.twitter.com)::

    client = tweepy.asynchronous.AsyncClient(bearer_token="t", return_type=dict)
    client.session = rebased_session(fake.url)       # also AsyncStreamingClient.session
    rebase_client(tweepy.Client(bearer_token="t"), fake.url)   # the synchronous client

Posts:

- ``fake.post(username, "text", at=None, image=None, links=())`` publishes a post with an id
  made from the clock (X's snowflake layout, so ids grow with time) and returns its
  ``Tweet``; ``fake.post(username, Tweet(id, text, created_at, image=...))`` as before. A post
  matching a stream rule goes out on the open stream at once.
- ``fake.edit(username, post_id, "new text")`` makes a new version with a new id (returned);
  every version's ``edit_history_tweet_ids`` lists the chain, oldest first; timelines show the
  newest version only, lookups still find old ones; the new version is streamed.
- ``fake.delete(username, post_id)`` deletes every version: timelines drop it, and
  ``GET /2/tweets?ids=`` / ``GET /2/tweets/:id`` answer X's "Not Found Error" entry.
- ``fake.protected.add(post_id)``: an "Authorization Error" entry; ``fake.suspended.add(username)``:
  X's "Forbidden" / "User has been suspended" entry.

Endpoints: ``GET /2/users/by/username/:username`` (any case), ``GET /2/users/:id/tweets``
(``since_id``, ``until_id``, ``start_time``, ``end_time``, ``max_results`` 5..100, default
10, ``pagination_token`` from ``meta.next_token``; meta ``result_count``, ``newest_id``,
``oldest_id``, ``next_token``; newest first by id),
``GET /2/tweets?ids=`` (1..100 ids; ``errors`` entries for the missing), ``GET /2/tweets/:id``,
``GET /2/tweets/search/stream``, ``GET|POST /2/tweets/search/stream/rules``. Fields come only
when asked: ``tweet.fields`` created_at, author_id, conversation_id, edit_controls, entities
(links as t.co with ``entities.urls``), attachments; ``expansions`` attachments.media_keys
(``includes.media``, ``url`` with ``media.fields=url``) and author_id (``includes.users``).
Parameters are checked against the spec as X does (an unknown parameter, a field name X does
not have, ``max_results=3``, 101 ids: 400 "Invalid Request" naming it; also in
``fake.bad_requests``). A wrong bearer token: 401.

Rate limits: every answer carries ``x-rate-limit-limit``, ``-remaining`` and ``-reset`` (epoch
seconds) for its endpoint, in 15-minute windows by the fake's clock, the limits in
``fake.limits`` (keys ``USER``, ``TIMELINE``, ``LOOKUP``, ``TWEET``, ``STREAM``, ``RULES``,
``RULES_UPDATE``; defaults ``LIMITS``). Past the limit: 429 with X's body
(``{"title": "Too Many Requests", "type": "about:blank", ...}``).
``fake.storm(seconds)`` answers 429 on every endpoint until then (returns the reset);
``fake.rate_limited = True`` does so until 2030 (the old switch). ``fake.calls`` logs every
request (``Call``: clock time, endpoint, path, status, and ``held_until``: the reset an earlier
429 on that endpoint announced); ``fake.early_calls()`` are those made before that reset,
``fake.calls_to(TIMELINE)`` those to one endpoint. Windows end on whole seconds.

Billing (X's pay-per-use): each post an answer returns (timeline, lookups, stream) is one
billed read, the same post once per UTC day of the fake's clock. ``fake.billed_reads(day)``
(default: the clock's day), ``fake.billed_total()``, ``fake.billed_days()``, and
``fake.posts_returned(day)`` (before the dedup).

The stream: newline-delimited JSON (``{"data", "includes", "matching_rules"}`` then ``\\r\\n``)
with a keep-alive ``\\r\\n`` every ``fake.keepalive`` seconds (20 like X; set it short in
tests). Rules: ``from:name`` (username any case, or user id), keywords, "phrases", ``#tags``,
``OR``, space as AND, parentheses, ``-`` negation, ``is:``/``has:`` beside a standalone
clause; at most ``fake.rule_limit`` rules (1,000) of ``fake.rule_length_limit`` characters
(1,024): X's Pro-level limits. Adding answers ``meta.summary`` (created, not_created, valid,
invalid) and ``errors`` (invalid-rules with the reason, duplicate-rules, rule-cap); any invalid
rule means none is created. ``dry_run=true`` changes nothing. Deleting by ``ids`` (or
``values``) answers ``deleted``/``not_deleted``. ``fake.rules`` lists them.
``fake.stream_refused = True``: 403 client-forbidden, ``reason: client-not-enrolled``.
One connection at a time (``fake.max_stream_connections``): another gets 429
``ConnectionException`` / ``TooManyConnections``. ``fake.drop_stream()`` cuts the connection
mid-stream; ``fake.drop_stream(operational=True)`` sends X's operational-disconnect line and
closes; ``fake.end_stream()`` closes cleanly. ``fake.stream_connections`` counts the open ones
(a connection whose client hung up stops counting at once, so a quick reconnect is let in);
``fake.delivered`` lists what the stream carried (``Delivered``: time, post id, rule ids).

tweepy 4.17 as seen against it: ``tweepy.asynchronous`` needs ``async_lru``;
``AsyncStreamingClient`` closes its session when a stream task ends and opens its own (to
api.twitter.com) on the next ``filter()``, so hand it a session again; ``add_rules(...,
dry_run=True)`` fails in yarl (a bool query value): pass ``"true"``; it reads
``matching_rules[].tag``, which X (and the fake) always send, "" when the rule has none.
"""

from tests.fakes.x_api.routing import rebase_client, rebased_session
from tests.fakes.x_api.server import (
    LIMITS,
    LOOKUP,
    RULES,
    RULES_UPDATE,
    STREAM,
    TIMELINE,
    TWEET,
    USER,
    Call,
    Delivered,
    Rule,
    Tweet,
    XFake,
    snowflake,
)

__all__ = [
    "LIMITS",
    "LOOKUP",
    "RULES",
    "RULES_UPDATE",
    "STREAM",
    "TIMELINE",
    "TWEET",
    "USER",
    "Call",
    "Delivered",
    "Rule",
    "Tweet",
    "XFake",
    "rebase_client",
    "rebased_session",
    "snowflake",
]
