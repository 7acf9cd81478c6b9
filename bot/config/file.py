"""The watchlist file: YAML read into validated models, with errors that name file, line and key."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from bot.config.durations import parse_duration
from bot.config.settings import environment
from bot.delivery.alerts import template_problem
from bot.domain import SourceKind
from bot.errors import LeakbotError
from bot.masking import HIDDEN, mask_text
from bot.matching.terms import Rule, TermError
from bot.sinks.base import SINK_KINDS
from bot.sources.base import SOURCE_KINDS, SourceType

Path_ = tuple[str | int, ...]
# libyaml when PyYAML was built with it: a watchlist of thousands of sources loads 2.5x faster
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CONSOLE_CHANNEL = "console"
_ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_X_PATTERN = r"^@?[A-Za-z0-9_]{1,15}$"
_SNOWFLAKE_PATTERN = r"^[0-9]{15,21}$"
# the shape a webhook is told to have: ID and TOKEN, not <id>, so that the README's own
# placeholder value is not this very text (masking it would garble the message)
WEBHOOK_SHAPE = "https://discord.com/api/webhooks/ID/TOKEN"
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MIN_INTERVAL = timedelta(seconds=10)
EMPTY_FILE = (
    "the file is empty: it names no source to watch; write at least one under 'sources:' "
    "(config/example.yaml shows how)"
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the config file, and where."""

    line: int | None
    key: str
    message: str


@dataclass
class ConfigError(LeakbotError):
    """The config file cannot be used; lists every problem found."""

    path: Path
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        lines = []
        for problem in self.problems:
            where = f"{self.path}:{problem.line}" if problem.line else str(self.path)
            key = f" {problem.key}:" if problem.key else ""
            lines.append(f"{where}:{key} {problem.message}")
        return "\n".join(lines)


def _duration(value: object) -> timedelta:
    return parse_duration(value)


def _interval(value: object) -> timedelta:
    interval = parse_duration(value)
    if interval < _MIN_INTERVAL:
        raise ValueError(f"an interval must be at least 10s, got {value!r}")
    return interval


Duration = Annotated[timedelta, BeforeValidator(_duration)]
Interval = Annotated[timedelta, BeforeValidator(_interval)]
Id = Annotated[str, Field(pattern=_ID_PATTERN)]
# who an alert pings: a role by name or id, or a user by id; never everyone
_MENTION_PATTERN = re.compile(r"^(?:<@&[0-9]{15,21}>|<@!?[0-9]{15,21}>|@[^@#:`<>]{1,100})$")
MENTION_SHAPE = 'a role name such as "@Xiaomi Leaks", a role "<@&ID>" or a user "<@ID>"'
_AVATAR_LIMIT = 2048


def _mention(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.lower() in ("@everyone", "@here"):
        raise ValueError(f"leakbot never pings {text}: name a role or a user, got {value!r}")
    if not _MENTION_PATTERN.match(text):
        raise ValueError(f"a mention is {MENTION_SHAPE}, got {value!r}")
    return text.replace("<@!", "<@")


def _color(value: object) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        found = re.match(r"^#?([0-9A-Fa-f]{6})$", value.strip())
        if not found:
            raise ValueError(f'a colour is "#RRGGBB" such as "#FF6900", or a number, got {value!r}')
        return int(found.group(1), 16)
    if isinstance(value, int) and not 0 <= value <= 0xFFFFFF:
        raise ValueError(f"a colour as a number is 0 to 16777215 (0xFFFFFF), got {value!r}")
    return value


def _template(value: object) -> object:
    if isinstance(value, str):
        problem = template_problem(value)
        if problem:
            raise ValueError(problem)
    return value


Mention = Annotated[str, BeforeValidator(_mention)]
Color = Annotated[int, BeforeValidator(_color)]
Template = Annotated[str, BeforeValidator(_template), Field(min_length=1, max_length=2000)]
MentionOn = Literal["new", "deleted", "edited", "story"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Defaults(_Model):
    """Settings every source takes unless it names its own."""

    interval: Interval = timedelta(minutes=10)
    failures_before_pause: Annotated[int, Field(ge=1, le=1000)] = 5
    max_backoff: Interval = timedelta(hours=6)


class Source(_Model):
    """A place leaks come from: a feed URL or an X account."""

    id: Id
    feed: str | None = None
    x: Annotated[str, Field(pattern=_X_PATTERN)] | None = None
    interval: Interval | None = None
    track_deletions: bool = False
    deleted_markers: tuple[str, ...] = ()

    @field_validator("feed")
    @classmethod
    def _feed_is_http(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"a feed must be an http:// or https:// URL, got {value!r}")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        given = [entry.key for entry in SOURCE_KINDS if getattr(self, entry.key) is not None]
        if len(given) != 1:
            keys = [entry.key for entry in SOURCE_KINDS]
            raise ValueError(f"a source needs exactly one of {_one_of(keys)}")
        return self

    def _type(self) -> SourceType:
        """Return the registry's entry for this source: the kind whose key it sets."""
        for entry in SOURCE_KINDS:
            if getattr(self, entry.key) is not None:
                return entry
        raise LookupError(f"source {self.id}: none of its keys names an entry of SOURCE_KINDS")

    @property
    def kind(self) -> SourceKind:
        """Say what sort of source this is."""
        return self._type().kind

    @property
    def address(self) -> str:
        """Return where its posts come from: the feed URL, the X username."""
        entry = self._type()
        return entry.address(str(getattr(self, entry.key)))


# the keys of a channel that say how its alerts look and whom they ping, whatever its kind
CHANNEL_LOOK_KEYS = (
    "username",
    "avatar_url",
    "style",
    "template",
    "translate_link",
    "mention",
    "mention_on",
    "color",
)


class Channel(_Model):
    """Where alerts go: a Discord channel the bot posts in, or a webhook; and how they look
    there (``mention``, ``mention_on`` and ``color`` are the defaults of its watches)."""

    id: Id
    discord_channel: Annotated[str, Field(pattern=_SNOWFLAKE_PATTERN)] | None = None
    webhook: SecretStr | None = None
    username: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    avatar_url: str | None = None
    style: Literal["full", "compact"] = "full"
    template: Template | None = None
    translate_link: str | None = None
    mention: tuple[Mention, ...] | None = None  # the default of the watches alerting here
    mention_on: tuple[MentionOn, ...] | None = None
    color: Color | None = None

    @field_validator("username")
    @classmethod
    def _webhook_name(cls, value: str | None) -> str | None:
        # Discord refuses these in a webhook's name
        for word in ("discord", "clyde"):
            if value is not None and word in value.lower():
                raise ValueError(
                    f"Discord refuses a webhook name with '{word}' in it, got {value!r}"
                )
        return value

    @field_validator("avatar_url")
    @classmethod
    def _avatar_is_http(cls, value: str | None) -> str | None:
        if value is not None and not (
            re.match(r"^https?://[^\s/]+\S*$", value) and len(value) <= _AVATAR_LIMIT
        ):
            raise ValueError(f"an avatar_url is an http:// or https:// URL, got {value!r}")
        return value

    @field_validator("translate_link")
    @classmethod
    def _translate_shape(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not re.match(r"^https?://[^\s/]+\S*$", value) or value.count("{text}") != 1:
            raise ValueError(
                "translate_link is an http:// or https:// URL with {text} in it once, such as "
                f"https://translate.google.com/?sl=auto&tl=en&text={{text}}, got {value!r}"
            )
        return value

    @field_validator("discord_channel", mode="before")
    @classmethod
    def _snowflake_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("webhook")
    @classmethod
    def _webhook_shape(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or webhook_parts(value.get_secret_value()) is not None:
            return value
        url = value.get_secret_value()
        references: Mapping[str, str] = (info.context or {}).get("references", {})
        if url in references:
            raise ValueError(
                f"{references[url]} is not a Discord webhook URL: a webhook looks like "
                f"{WEBHOOK_SHAPE}"
            )
        shown = _webhook_shown(url)
        got = f" (got {shown!r})" if shown else ""
        raise ValueError(f"not a Discord webhook URL{got}: a webhook looks like {WEBHOOK_SHAPE}")

    @model_validator(mode="after")
    def _one_target(self) -> Channel:
        given = [entry.key for entry in SINK_KINDS if getattr(self, entry.key) is not None]
        if len(given) != 1:
            keys = [entry.key for entry in SINK_KINDS]
            raise ValueError(f"a channel needs exactly one of {_one_of(keys)}")
        if self.discord_channel is not None and (self.username or self.avatar_url):
            # Discord shows a bot's messages under the bot's own name and picture
            raise ValueError(
                "username and avatar_url are for webhooks: a discord_channel shows the bot's "
                "own name and picture (use a webhook for this channel to set them)"
            )
        return self


def _one_of(keys: list[str]) -> str:
    """Name the keys of which exactly one is wanted: ``'feed' or 'x'``."""
    quoted = [f"'{key}'" for key in keys]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _webhook_shown(url: str) -> str:
    """Show of a would-be webhook URL only what holds no secret: up to ``/webhooks/``."""
    cut = url.find("/webhooks/")
    if cut >= 0:
        return url[: cut + len("/webhooks/")] + HIDDEN
    found = re.match(r"^(https?://)(?:[^@/\s]*@)?([^/\s]+)", url)
    return f"{found.group(1)}{found.group(2)}/{HIDDEN}" if found else ""


def webhook_parts(url: str) -> tuple[str, str] | None:
    """Split a Discord webhook URL into its id and token."""
    found = re.search(r"/webhooks/([0-9]{15,21})/([A-Za-z0-9_.-]+)/?(?:\?.*)?$", url.strip())
    return (found.group(1), found.group(2)) if found else None


TermList = tuple[str, ...]


class Watch(_Model):
    """A set of keywords a user wants alerts for, on some sources, sent to some channels;
    whom its alerts ping (``mention``, ``mention_on``) and its embed's ``color``."""

    id: Id
    any: TermList = ()
    all: tuple[str | tuple[str, ...], ...] = ()
    none: TermList = ()
    ignore_accents: bool = False
    stories: bool = True  # false: every report alerts, not one message per leak
    sources: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    mention: tuple[Mention, ...] | None = None  # default: its channel's
    mention_on: tuple[MentionOn, ...] | None = None  # default: its channel's, else new, deleted
    color: Color | None = None  # the embed's colour; default: its channel's

    @model_validator(mode="after")
    def _follows_sources(self) -> Watch:
        if not self.any and not self.all and not self.sources:
            raise ValueError(
                "a watch with neither 'any' nor 'all' takes every post, so it must name its "
                "'sources'"
            )
        return self

    def rule(self) -> Rule:
        """Compile the watch's terms."""
        return Rule.compile(
            self.id, self.any, self.all, self.none, ignore_accents=self.ignore_accents
        )

    def applies_to(self, source_id: str) -> bool:
        """Tell whether this watch looks at posts from a source."""
        return self.sources is None or source_id in self.sources


class Digest(_Model):
    """When the daily digest is made and where it goes."""

    at: time = time(9, 0)
    channels: tuple[str, ...] | None = None

    @field_validator("at", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            # YAML 1.1 reads an unquoted 09:00 as the sexagesimal number 540
            return time(*divmod(value, 60)) if 0 <= value < 24 * 60 else value
        if isinstance(value, str) and not re.match(r"^([01]?\d|2[0-3]):[0-5]\d$", value):
            raise ValueError(f'expected a time of day such as "09:00", got {value!r}')
        return value


class Deletions(_Model):
    """How sure leakbot must be before it calls a post deleted."""

    confirm_missing_polls: Annotated[int, Field(ge=1, le=100)] = 2
    confirm_missing_for: Duration = timedelta(minutes=10)
    watch_for: Duration = timedelta(hours=72)


class Stories(_Model):
    """Posts that report the same leak are one story: one alert, edited as reports come."""

    enabled: bool = True
    window: Duration = timedelta(hours=72)  # how long after its first report a story is open

    @model_validator(mode="before")
    @classmethod
    def _on_or_off(cls, value: object) -> object:
        # `stories: false` turns stories off for every watch
        return {"enabled": value} if isinstance(value, bool) else value


class DiscordOptions(_Model):
    """Who may change watches and sources from Discord, besides members with Manage Server."""

    admin_roles: tuple[str, ...] = ()


class XOptions(_Model):
    """What X's pay-per-use API may cost, and whether posts come by the filtered stream."""

    monthly_budget_usd: Annotated[float, Field(ge=0)] = 10.0
    price_per_read_usd: Annotated[float, Field(gt=0)] = 0.005  # X's price for one post read
    stream: bool = True  # false: X sources are only polled


class Config(_Model):
    """The whole watchlist file."""

    timezone: str = "UTC"
    defaults: Defaults = Defaults()
    sources: tuple[Source, ...] = ()
    channels: tuple[Channel, ...] = ()
    watches: tuple[Watch, ...] = ()
    digest: Digest = Digest()
    deletions: Deletions = Deletions()
    discord: DiscordOptions = DiscordOptions()
    stories: Stories = Stories()
    x: XOptions = XOptions()
    # where each mention was written: (section, entry id, mention) -> "file:line: key"
    _mention_places: dict[tuple[str, str, str], str] = PrivateAttr(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use a name such as Europe/Berlin"
            ) from None
        return value

    def source(self, source_id: str) -> Source:
        """Find a source by id."""
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)

    def interval_of(self, source: Source) -> timedelta:
        """Return how often a source is polled."""
        return source.interval or self.defaults.interval

    def mention_place(self, section: str, entry_id: str, mention: str) -> str:
        """Say where a mention was written, ``leakbot.yaml:12: watches[0].mention[1]``, for
        a message about it; an entry from Discord is named by its id."""
        found = self._mention_places.get((section, entry_id, mention))
        return found or f"{section[:-1]} {entry_id} (added from Discord): mention {mention!r}"

    def channel(self, channel_id: str) -> Channel | None:
        """Find a channel by id; None for the console."""
        for channel in self.channels:
            if channel.id == channel_id:
                return channel
        return None


# --- reading the file --------------------------------------------------------------------------


class _Document:
    """A YAML document turned into plain data, remembering the line of every key."""

    def __init__(self, path: Path, env: Mapping[str, str]) -> None:
        self.path = path
        self.env = env
        self.lines: dict[Path_, int] = {}
        self.problems: list[Problem] = []
        self.expanded: dict[str, str] = {}  # a value read from ${NAME} -> "${NAME}"

    def read(self, text: str) -> Any:
        try:
            node = yaml.compose(text, Loader=_LOADER)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(exc, "problem", None) or str(exc)
            raise ConfigError(
                self.path, [Problem(line, "", f"not valid YAML: {problem}")]
            ) from None
        if node is None:
            return {}
        return self._convert(node, ())

    def _convert(self, node: yaml.Node, path: Path_) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = yaml.SafeLoader(stream="").construct_object(key_node)
                if isinstance(key, list | dict):
                    self._problem(path, key_node.start_mark.line + 1, "a key must be a plain word")
                    continue
                child = (*path, key)
                if key in result:
                    self._problem(
                        child,
                        key_node.start_mark.line + 1,
                        f"duplicate key '{key}' (first at line {self.lines[child]})",
                    )
                    continue
                self.lines[child] = key_node.start_mark.line + 1
                result[key] = self._convert(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self._convert(item, (*path, i)) for i, item in enumerate(node.value)]
        value = yaml.SafeLoader(stream="").construct_object(node)
        if isinstance(value, str):
            return self._expand(value, path)
        return value

    def _expand(self, value: str, path: Path_) -> str:
        def replace(found: re.Match[str]) -> str:
            name = found.group(1)
            if name not in self.env:
                self._problem(path, None, f"environment variable {name} is not set (nor in .env)")
                return ""
            self.expanded[self.env[name]] = found.group(0)
            return self.env[name]

        return _ENV_REFERENCE.sub(replace, value)

    def hide_secrets(self, problems: list[Problem]) -> list[Problem]:
        """Word problems without the values ``${VAR}`` brought in, nor secrets in URLs.

        A value from the environment is shown as the reference that brought it: it may be
        a token put in the wrong key (``discord_channel: ${LEAKS_WEBHOOK_URL}``).
        """
        values = sorted((v for v in self.expanded if len(v) >= 4), key=len, reverse=True)

        def hidden(message: str) -> str:
            # the wording's own example is no value: a value that happens to be it (or a
            # part of it) must not be swapped in there
            parts = message.split(WEBHOOK_SHAPE)
            for value in values:
                reference = self.expanded[value]
                parts = [p.replace(repr(value), reference).replace(value, reference) for p in parts]
            return mask_text(WEBHOOK_SHAPE.join(parts))

        return [Problem(p.line, p.key, hidden(p.message)) for p in problems]

    def _problem(self, path: Path_, line: int | None, message: str) -> None:
        self.problems.append(Problem(line or self.line_of(path), key_name(path), message))

    def line_of(self, path: Path_) -> int | None:
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def key_name(path: Path_) -> str:
    """Write a key path the way a user reads it: ``watches[0].channels[1]``."""
    name = ""
    for part in path:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


def _pydantic_problems(
    error: ValidationError, document: _Document, data: Any, prefix: Path_ = ()
) -> list[Problem]:
    problems = []
    for detail in error.errors():
        path = _data_path((*prefix, *detail["loc"]), data)
        problems.append(
            Problem(document.line_of(path), key_name(path), _worded(detail, path, data))
        )
    return problems


# what a key of this name holds, for a value of the wrong shape or type
_SHAPES = {
    "id": "an id uses lowercase letters, digits and dashes",
    "x": "an X username is 1 to 15 letters, digits or underscores, with or without an @",
    "discord_channel": "a Discord channel id is 15 to 21 digits",
}
_PATTERN_SHAPES = {
    _ID_PATTERN: _SHAPES["id"],
    _X_PATTERN: _SHAPES["x"],
    _SNOWFLAKE_PATTERN: _SHAPES["discord_channel"],
}
# an entry of a section, or a section, given something other than keys and values
_MAPPINGS = {
    "Source": "a source: keys such as id and feed (or x)",
    "Channel": "a channel: keys such as id and webhook (or discord_channel)",
    "Watch": "a watch: keys such as id and any",
    "Stories": "true, false, or keys such as window: 72h",
}
_EXPECTED = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "tuple_type": "expected a list such as [a, b] (one item: [a])",
    "list_type": "expected a list such as [a, b] (one item: [a])",
    "time_type": 'expected a time of day such as "09:00"',
    "time_parsing": 'expected a time of day such as "09:00"',
    "dict_type": "expected keys and values",
    "model_type": "expected keys and values",
    "model_attributes_type": "expected keys and values",
}


def _worded(detail: ErrorDetails, path: Path_, data: Any) -> str:
    """Say what pydantic found wrong in the file's terms: what the key holds, and what it got."""
    kind, value = detail["type"], detail.get("input")
    context = detail.get("ctx") or {}
    key = path[-1] if path else ""
    got = f", got {_shown(value)}"
    if kind == "extra_forbidden":
        guess = difflib.get_close_matches(str(key), _allowed_keys(path[:-1], data), n=1)
        return f"unknown key '{key}'" + (f"; did you mean '{guess[0]}'?" if guess else "")
    if kind in ("value_error", "assertion_error"):
        return str(detail["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "missing":
        return f"'{key}' is required here"
    if kind == "string_pattern_mismatch":
        return _PATTERN_SHAPES.get(context.get("pattern", ""), "not in the expected form") + got
    if kind == "string_type" and isinstance(key, str) and key in _SHAPES:
        return _SHAPES[key] + got
    if len(path) >= 2 and path[-2] == "all" and kind in ("string_type", "tuple_type"):
        # an entry of `all` is a term or a list of aliases: pydantic tried both
        return "expected a term, or a list of aliases such as [Xiaomi, 小米]" + got
    if kind == "greater_than_equal":
        return f"expected {context['ge']} or more{got}"
    if kind == "less_than_equal":
        return f"expected {context['le']} or less{got}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        what = _MAPPINGS.get(str(context.get("class_name", "")))
        return (f"expected {what}" if what else _EXPECTED[kind]) + got
    if kind in _EXPECTED:
        return _EXPECTED[kind] + got
    message = str(detail["msg"])
    return f"{message[0].lower()}{message[1:]}{got}"


def _shown(value: object) -> str:
    """Write a value from the file as the file writes it: true, nothing, 'text'."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _data_path(loc: tuple[int | str, ...], data: Any) -> Path_:
    """Keep the parts of a pydantic location that are real keys or indices in the data."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_mapping = isinstance(node, Mapping) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_mapping or in_list:
            path.append(part)
            node = node[part]
        elif isinstance(node, Mapping) and isinstance(part, str) and part.isidentifier():
            # a missing or unknown key: name it, then stop
            path.append(part)
            break
    return tuple(path)


def _allowed_keys(path: Path_, data: Any) -> list[str]:
    model: type[BaseModel] = Config
    for part in path:
        if isinstance(part, int):
            continue
        annotation = (
            model.model_fields[str(part)].annotation if part in model.model_fields else None
        )
        inner = getattr(annotation, "__args__", (annotation,))
        models = [a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)]
        if not models:
            return []
        model = models[0]
    return list(model.model_fields)


def _cross_checks(config: Config, document: _Document) -> list[Problem]:
    problems: list[Problem] = []

    def report(path: Path_, message: str) -> None:
        problems.append(Problem(document.line_of(path), key_name(path), message))

    for section in ("sources", "channels", "watches"):
        seen: dict[str, int] = {}
        for index, entry in enumerate(getattr(config, section)):
            if entry.id in seen:
                report(
                    (section, index, "id"),
                    f"duplicate id '{entry.id}' (also {section}[{seen[entry.id]}])",
                )
            seen.setdefault(entry.id, index)
    source_ids = [s.id for s in config.sources]
    channel_ids = [c.id for c in config.channels]

    def check_refs(path: Path_, names: tuple[str, ...] | None, known: list[str], what: str) -> None:
        for index, name in enumerate(names or ()):
            if name not in known:
                listing = ", ".join(known) if known else "none are configured"
                report((*path, index), f"unknown {what} '{name}' ({what}s are: {listing})")

    for index, watch in enumerate(config.watches):
        check_refs(("watches", index, "sources"), watch.sources, source_ids, "source")
        check_refs(("watches", index, "channels"), watch.channels, channel_ids, "channel")
        for key in ("any", "all", "none"):
            for term_index, entry in enumerate(getattr(watch, key)):
                aliases = [entry] if isinstance(entry, str) else list(entry)
                for alias in aliases:
                    try:
                        Rule.compile(watch.id, [alias])
                    except TermError as exc:
                        report(("watches", index, key, term_index), str(exc))
    check_refs(("digest", "channels"), config.digest.channels, channel_ids, "channel")
    return problems


def parse_config(text: str, path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read config text; raise ConfigError listing every problem with its line and key.

    ``${VAR}`` is read from ``env``: by default the process environment, then ``.env``.
    """
    document = _Document(path, environment() if env is None else env)
    data = document.read(text)
    if data == {} and not document.problems:
        # nothing but blanks and comments: such a file watches nothing, surely a mistake
        raise ConfigError(path, [Problem(None, "", EMPTY_FILE)])
    if not isinstance(data, dict):
        raise ConfigError(path, [Problem(1, "", "the file must be a mapping of keys to values")])
    try:
        config = Config.model_validate(data, context={"references": document.expanded})
    except ValidationError as exc:
        problems = document.problems + _pydantic_problems(exc, document, data)
        raise ConfigError(path, document.hide_secrets(_first_per_key(problems))) from None
    problems = document.problems + _cross_checks(config, document)
    if problems:
        raise ConfigError(path, document.hide_secrets(_first_per_key(problems)))
    for section in ("channels", "watches"):
        for index, entry in enumerate(getattr(config, section)):
            for place, mention in enumerate(entry.mention or ()):
                key = (section, index, "mention", place)
                config._mention_places[(section, entry.id, mention)] = (
                    f"{path}:{document.line_of(key)}: {key_name(key)}"
                )
    return config


def _first_per_key(problems: list[Problem]) -> list[Problem]:
    """Keep one problem per key: the first is the cause, later ones follow from it."""
    seen: dict[str, Problem] = {}
    for problem in problems:
        seen.setdefault(problem.key or str(problem.line), problem)
    return list(seen.values())


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the config file; ``${VAR}`` is read from ``env`` (see parse_config)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, [Problem(None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [Problem(None, "", f"cannot read the file: {exc}")]) from None
    return parse_config(text, path, env)


ENTRY_MODELS: dict[str, type[Source] | type[Channel] | type[Watch]] = {
    "sources": Source,
    "channels": Channel,
    "watches": Watch,
}


def check_entry(
    config: Config, section: str, entry: Mapping[str, Any]
) -> tuple[Source | Channel | Watch | None, list[Problem]]:
    """Check one entry as if it ended a section of the file: the same models, cross-checks
    and messages as the file gets; keys are named from the entry (``any[0]``), no line."""
    index = len(getattr(config, section))
    data: dict[str, list[dict[str, Any]]] = {section: [{} for _ in range(index)] + [dict(entry)]}
    document = _Document(Path(section), {})
    own = key_name((section, index))
    try:
        added = ENTRY_MODELS[section].model_validate(dict(entry))
    except ValidationError as exc:
        problems = _pydantic_problems(exc, document, data, prefix=(section, index))
        return None, _own_problems(problems, own)
    candidate = config.model_copy(update={section: (*getattr(config, section), added)})
    return added, _own_problems(_cross_checks(candidate, document), own)


def cross_check(config: Config) -> list[Problem]:
    """Check what the models alone cannot (unique ids, references, terms); no lines."""
    return _cross_checks(config, _Document(Path("config"), {}))


def _own_problems(problems: list[Problem], own: str) -> list[Problem]:
    """Keep the problems of one entry, its keys named from the entry itself."""
    kept = []
    for problem in _first_per_key(problems):
        if problem.key == own or problem.key.startswith((f"{own}.", f"{own}[")):
            key = problem.key.removeprefix(own).removeprefix(".")
            kept.append(Problem(None, key, problem.message))
    return kept
