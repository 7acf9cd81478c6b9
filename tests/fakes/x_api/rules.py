"""Filtered-stream rules as X reads them: the operators leakbot uses, and X's refusals.

A rule is clauses joined by a space (AND) or ``OR``; AND binds before OR, parentheses group,
``-`` negates. Supported: keywords and "quoted phrases" (matched on whole words, any case),
``#hashtag``, ``@mention``, ``from:name`` (a username, any case, or a user id), ``to:``,
``is:retweet|reply|quote`` and ``has:media|images|links`` (the last two need a standalone
operator beside them, as X requires). Anything else X would refuse is refused with X's
reasons: mismatched parentheses, a dangling OR, an unknown operator, a rule of negations
only, a rule longer than the limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

WORD = re.compile(r"[#@$]?\w+")
TOKEN = re.compile(r'\s*(\(|\)|-?"[^"]*"|"[^"]*|-?[^\s()"]+)')
OPERATORS = {"from", "to", "is", "has"}
CONJUNCTION_ONLY = {"is", "has"}
IS_VALUES = {"retweet", "reply", "quote", "verified", "nullcast"}
HAS_VALUES = {"media", "images", "links", "videos", "mentions", "hashtags", "geo", "cashtags"}


@dataclass(frozen=True)
class Post:
    """What a rule looks at in a post."""

    text: str
    username: str
    user_id: str
    has_images: bool = False
    has_links: bool = False


Test = Callable[[Post], bool]


class RuleError(ValueError):
    """X refuses the rule; the message is X's reason."""


@dataclass(frozen=True)
class Clause:
    """A parsed rule clause: whether it can stand alone, and its test."""

    test: Test
    standalone: bool  # X refuses a rule made only of is:/has: clauses
    positive: bool  # X refuses a rule made only of negations


def words(text: str) -> list[str]:
    """Split a post's text into the lower-case words a keyword can match."""
    return [w.lower() for w in WORD.findall(text)]


def compile_rule(value: str, *, max_length: int) -> Test:
    """Return the rule's test on a post, or raise RuleError with X's reason."""
    if len(value) > max_length:
        raise RuleError(
            f"Rule text length exceeded, the maximum allowed length is {max_length} characters"
        )
    tokens = _tokens(value)
    if not tokens:
        raise RuleError("Rules must contain at least one standalone operator or term")
    if tokens.count("(") != tokens.count(")"):
        raise RuleError(f"There are mismatched parentheses in the rule: [{value}]")
    clause, rest = _or(tokens, value)
    if rest:
        raise RuleError(f"There are mismatched parentheses in the rule: [{value}]")
    if not clause.positive:
        raise RuleError(f"Rules must contain a non-negation term: [{value}]")
    if not clause.standalone:
        raise RuleError(f"Rules must contain at least one positive, non-stopword clause: [{value}]")
    return clause.test


def _tokens(value: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(value.rstrip()):
        found = TOKEN.match(value, position)
        if found is None:  # pragma: no cover - TOKEN matches any non-space run
            raise RuleError(f"Could not read the rule at position {position}")
        tokens.append(found.group(1))
        position = found.end()
    return tokens


def _or(tokens: list[str], value: str) -> tuple[Clause, list[str]]:
    parts = []
    clause, tokens = _and(tokens, value)
    parts.append(clause)
    while tokens and tokens[0] == "OR":
        if len(tokens) == 1 or tokens[1] in (")", "OR"):
            raise RuleError(f"Ambiguous use of OR: there is nothing after it in [{value}]")
        clause, tokens = _and(tokens[1:], value)
        parts.append(clause)
    if len(parts) == 1:
        return parts[0], tokens
    tests = [p.test for p in parts]
    return (
        Clause(
            lambda post: any(t(post) for t in tests),
            all(p.standalone for p in parts),
            all(p.positive for p in parts),
        ),
        tokens,
    )


def _and(tokens: list[str], value: str) -> tuple[Clause, list[str]]:
    parts: list[Clause] = []
    while tokens and tokens[0] not in (")", "OR"):
        if tokens[0] == "(":
            inner, rest = _or(tokens[1:], value)
            if not rest or rest[0] != ")":
                raise RuleError(f"There are mismatched parentheses in the rule: [{value}]")
            parts.append(inner)
            tokens = rest[1:]
        elif tokens[0] == "-" and len(tokens) > 1 and tokens[1] == "(":
            inner, rest = _or(tokens[2:], value)
            if not rest or rest[0] != ")":
                raise RuleError(f"There are mismatched parentheses in the rule: [{value}]")
            parts.append(_negate(inner))
            tokens = rest[1:]
        else:
            parts.append(_term(tokens[0], value))
            tokens = tokens[1:]
    if not parts:
        raise RuleError(f"Ambiguous use of OR: there is nothing before it in [{value}]")
    if len(parts) == 1:
        return parts[0], tokens
    tests = [p.test for p in parts]
    return (
        Clause(
            lambda post: all(t(post) for t in tests),
            any(p.standalone for p in parts),
            any(p.positive for p in parts),
        ),
        tokens,
    )


def _term(token: str, value: str) -> Clause:
    negated = token.startswith("-") and len(token) > 1
    body = token[1:] if negated else token
    clause = _positive_term(body, value)
    return _negate(clause) if negated else clause


def _negate(clause: Clause) -> Clause:
    test = clause.test
    return Clause(lambda post: not test(post), clause.standalone, positive=False)


def _positive_term(body: str, value: str) -> Clause:
    if body.startswith('"'):
        if len(body) < 2 or not body.endswith('"'):
            raise RuleError(f"There is an unclosed quote in the rule: [{value}]")
        phrase = words(body[1:-1])
        if not phrase:
            raise RuleError(f"There is an empty phrase in the rule: [{value}]")
        return Clause(lambda post: _contains(words(post.text), phrase), True, True)
    name, colon, operand = body.partition(":")
    if colon and name.isalpha():
        return _operator(name.lower(), operand, value)
    term = body.lower()
    return Clause(lambda post: term in words(post.text), True, True)


def _operator(name: str, operand: str, value: str) -> Clause:
    if name not in OPERATORS:
        raise RuleError(f"Reference to invalid operator '{name}'. Operator is not available")
    if not operand:
        raise RuleError(f"Operator '{name}' needs a value in the rule: [{value}]")
    who = operand.removeprefix("@").lower()
    if name == "from":
        return Clause(lambda post: who in (post.username.lower(), post.user_id), True, True)
    if name == "to":  # the fake's posts are never replies
        return Clause(lambda post: False, True, True)
    allowed = IS_VALUES if name == "is" else HAS_VALUES
    if who not in allowed:
        raise RuleError(f"Reference to invalid operator '{name}:{operand}'")
    if name == "has" and who in ("media", "images"):
        return Clause(lambda post: post.has_images, False, True)
    if name == "has" and who == "links":
        return Clause(lambda post: post.has_links, False, True)
    return Clause(lambda post: False, False, True)  # not a retweet, reply, ...


def _contains(text: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(text[i : i + n] == phrase for i in range(len(text) - n + 1))
