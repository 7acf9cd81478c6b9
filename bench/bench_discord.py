"""How fast changes from Discord take effect: a real ``leakbot run`` with discord.py against
the loopback fake of Discord's gateway and REST (tests/fakes/discord_gateway.py).

Per repeat it measures, on one running bot:

- the ``/watch add`` answer: from INTERACTION_CREATE to the follow-up that says "Added";
- ``/watch add`` to the first alert it causes: the matching post is published right after
  the answer, so this is bounded by the source's next poll (the interval, 10 s here);
- a dropped gateway connection to the next answered command (sent while the bot is away).

It prints each figure's min and median, and the CPU seconds the bot's process used
beside the wall time.

    python bench/bench_discord.py 5            # 5 repeats (3 by default)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.discord_gateway import LEAKS_CHANNEL_ID, TOKEN, DiscordBotFake  # noqa: E402
from tests.fakes.feed_server import FeedServer, Post  # noqa: E402
from tests.running import Running  # noqa: E402

CONFIG = """
defaults:
  interval: 10s
sources:
  - id: tipster
    feed: {feed}
channels:
  - id: leaks
    discord_channel: "{channel}"
"""


def _wait(check: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit("gave up waiting")
        time.sleep(0.01)


def _figure(name: str, values: list[float], unit: str = "s") -> None:
    scale = 1000 if unit == "ms" else 1
    print(
        f"{name}: min {min(values) * scale:.{0 if unit == 'ms' else 2}f} {unit}, "
        f"median {statistics.median(values) * scale:.{0 if unit == 'ms' else 2}f} {unit} "
        f"over {len(values)}"
    )


def main() -> int:
    """Run the repeats and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repeats", type=int, nargs="?", default=3)
    args = parser.parse_args()
    answers, alerts, resumes = [], [], []
    with tempfile.TemporaryDirectory() as home, FeedServer() as feeds, DiscordBotFake() as fake:
        posts = [Post("p0", "Old news", link="https://e.com/p0")]
        feeds.publish_rss("tipster", posts)
        Path(home, "leakbot.yaml").write_text(
            CONFIG.format(feed=feeds.url("tipster"), channel=LEAKS_CHANNEL_ID)
        )
        env = {
            "LEAKBOT_CONFIG": str(Path(home, "leakbot.yaml")),
            "DATABASE_URL": f"sqlite:///{home}/leakbot.db",
            "DISCORD_TOKEN": TOKEN,
            "DISCORD_API_BASE_URL": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "LEAKBOT_ALLOW_PRIVATE_URLS": "1",
            "X_BEARER_TOKEN": "",
        }
        bot = Running(["run"], Path(home), env)
        try:
            fake.wait_ready(60)
            _wait(lambda: "tipster: first poll" in bot.output, 60)
            process = psutil.Process(bot.process.pid)
            cpu_before = sum(process.cpu_times()[:2])
            started = time.monotonic()
            for repeat in range(args.repeats):
                answer = fake.command("watch", "add", {"id": f"w{repeat}", "any": f"Leak {repeat}"})
                assert answer.text is not None and answer.text.startswith("Added"), answer.text
                answers.append(answer.followup_at - answer.sent_at)
                posts = [
                    Post(
                        f"p{repeat + 1}", f"Leak {repeat} renders", link=f"https://e.com/{repeat}"
                    ),
                    *posts,
                ]
                feeds.publish_rss("tipster", posts)
                _wait(lambda n=repeat + 1: len(fake.messages) >= n, 60)
                alerts.append(fake.messages[-1].at - answer.sent_at)
                dropped = time.monotonic()
                fake.drop()
                token = fake.send_command("watch", "list")
                listed = fake.answer(token, 30)
                assert listed.text is not None
                resumes.append(listed.callback_at - dropped)
            wall = time.monotonic() - started
            cpu = sum(process.cpu_times()[:2]) - cpu_before
        finally:
            bot.stop()
            bot.kill()
    _figure("/watch add answered", answers, "ms")
    _figure("/watch add to its first alert (poll interval 10 s)", alerts)
    _figure("dropped connection to the next answered command", resumes, "ms")
    print(f"bot process: {cpu:.2f} CPU s over {wall:.1f} s wall ({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
