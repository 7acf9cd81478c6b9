"""Match posts against K watch terms: the Watchlist automaton beside one regex per term.

    python bench/bench_matching.py 10 1000 10000 100000 [--posts 300]

For each K it builds K distinct terms into watches: the ten terms the corpus talks about,
then a long tail of model numbers, codenames and product names (some CJK), qualified by a
brand in ``all`` as leak hunters write them. It prints the build time, posts/s through
``Watchlist.matches`` and posts/s through the naive baseline: one compiled Python ``re``
per term with word boundaries, tried in turn. At a large K the baseline is timed on a
sample of the posts only (the table says how many), or it would run for minutes.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import time
from collections.abc import Callable, Sequence

from bot.config.file import Config, Watch
from bot.domain import Item
from bot.matching.terms import normalize
from bot.matching.watchlist import Watchlist

SEED = 20240917
BASELINE_SECONDS = 2.0  # time the baseline spends on its sample at most, roughly
WATCHLIST_SECONDS = 1.0  # time the automaton path spends at least, in rounds over the corpus

# terms the corpus talks about: every K holds them first, so every K has matches
REAL_TERMS = [
    "Leica",
    "徕卡",
    "Pixel 9",
    "S24",
    "小米15",
    "iPhone 17 Pro Max",
    "Snapdragon 8 Elite",
    "华为Mate 70",
    "갤럭시",
    "Xperia 1",
]
BRANDS = [
    "Samsung", "Xiaomi", "Huawei", "Google", "Apple", "OnePlus", "Oppo", "Vivo", "Honor",
    "Realme", "Sony", "Nothing", "Motorola", "Nokia", "Asus", "ROG", "Hasselblad", "Zeiss",
    "Qualcomm", "MediaTek", "Exynos", "Tensor", "Redmi", "Poco", "iQOO", "Meizu", "ZTE",
    "Nubia", "Tecno", "Infinix", "Fairphone", "Nintendo", "Valve", "Steam Deck",
    "小米", "华为", "三星", "苹果", "荣耀", "哈苏", "骁龙", "天玑", "一加", "真我", "索尼",
    "魅族", "努比亚", "红米", "ソニー", "任天堂", "삼성", "폴드",
]  # fmt: skip
BRAND_PAIRS = [
    ("Samsung", "三星"), ("Xiaomi", "小米"), ("Huawei", "华为"), ("Apple", "苹果"),
    ("Google", "谷歌"), ("Sony", "索尼"), ("OnePlus", "一加"), ("Honor", "荣耀"),
    ("Oppo", "欧珀"), ("Vivo", "维沃"), ("Qualcomm", "高通"), ("Realme", "真我"),
    ("Meizu", "魅族"), ("Nubia", "努比亚"), ("Redmi", "红米"), ("Asus", "华硕"),
    ("Motorola", "摩托罗拉"), ("Nintendo", "任天堂"),
]  # fmt: skip
SERIES = [
    "Galaxy S", "Galaxy Z Fold", "Galaxy Z Flip", "Galaxy A", "Pixel", "iPhone", "Xiaomi",
    "Redmi K", "Redmi Note", "Mate", "P", "Pura", "Magic", "Find X", "Reno", "X", "Nord",
    "Xperia", "ROG Phone", "Zenfone", "Edge", "Razr", "Dimensity", "Snapdragon 8 Gen",
    "Apple M", "A", "RTX", "Tensor G", "Watch", "Pad", "Book", "小米", "华为Mate", "荣耀Magic",
    "红米K", "一加", "真我GT", "iQOO Neo",
]  # fmt: skip
SUFFIXES = ["", "", "", " Pro", " Ultra", " Pro Max", " Lite", " FE", "+", " mini", " Plus"]
SYLLABLES = [
    "ka", "ri", "no", "zu", "mel", "tor", "vex", "lan", "qua", "dor", "sil", "fen", "bra",
    "cor", "tis", "mon", "ral", "pex", "go", "nyx", "ul", "tro", "zin", "har", "wel",
]  # fmt: skip
CJK_SYLLABLES = "星河龙凤云海山火风雷光影天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏"

EN_TEMPLATES = [
    "Exclusive: {brand} {model} leaks in full ahead of launch, with {feature}. {filler}",
    "{model} renders show {feature}; {brand} is said to announce it in {month}. {filler}",
    "Tipster claims the {model} will use {chip} and {feature}. Take it with salt. {filler}",
    "Here is our first look at {model}: {feature}, {chip}, and a price of ${price}. {filler}",
    "{brand} confirms {model} launch date; {feature} and {chip} inside. {filler}",
]
ZH_TEMPLATES = [
    "【爆料】{brand}{model}曝光，搭载{chip}，{feature_zh}。据悉将于{month_zh}发布。{filler_zh}",
    "数码博主透露：{model}将采用{feature_zh}，售价约{price}元。{filler_zh}",
    "{brand}新机{model}渲染图流出，{feature_zh}，{chip}加持。{filler_zh}",
    "網傳{brand}{model}已入網，{feature_zh}，預計{month_zh}發佈。{filler_zh}",
]
MODELS = [
    "Pixel 9 Pro", "Galaxy S24 Ultra", "Galaxy S240", "iPhone 17 Pro Max", "Xperia 1 VII",
    "Xiaomi 15 Ultra", "Pixel 90", "OnePlus 13", "Find X8 Pro", "Mate 70 RS", "S24FE",
    "#Pixel9", "Galaxy Z Fold7", "Redmi K80",
]  # fmt: skip
MODELS_ZH = ["小米15 Ultra", "华为Mate 70", "三星S24", "荣耀Magic7", "徠卡联名款", "갤럭시S24"]
FEATURES = [
    "a Leica-tuned periscope camera", "a 6,000 mAh silicon-carbon battery",
    "a titanium frame", "a 1-inch main sensor", "satellite messaging", "a flat 2K display",
    "an ultrasonic fingerprint reader", "wireless charging at 80 W",
]  # fmt: skip
FEATURES_ZH = ["徕卡影像", "一英寸大底主摄", "6000mAh电池", "卫星通信", "2K直屏", "超声波指纹"]
CHIPS = [
    "Snapdragon 8 Elite",
    "Dimensity 9400",
    "Tensor G5",
    "A19 Pro",
    "Exynos 2500",
    "骁龙8至尊版",
]
FILLERS = [
    "Source: https://weibo.com/6048569942/Oa1b2c3 🔥",
    "More at https://www.gsmarena.com/samsung_galaxy_s24-12773.php #leak #Samsung",
    "Thoughts? 👀 Let us know below. Café chat at 9 pm.",
    "Photo via @UniverseIce; the post was later deleted. Die Handykamera wirkt groß.",
    "Nothing is official yet, so prices may change before the event.",
    "#Pixel9 #Google 📸 https://store.google.com/pixel-9",
]
FILLERS_ZH = [
    "以上信息仅供参考，以官方为准。🔥",
    "更多爆料请关注 #数码闲聊站# https://weibo.com/6048569942",
    "大家觉得这个配置怎么样？欢迎评论区讨论👀",
    "消息来源：供应链人士，发布会时间待定。",
    "另据爆料，该机还将提供多种配色，并首发全新的影像算法，续航表现也有明显提升。",
]
MONTHS = ["January", "March", "September", "October"]
MONTHS_ZH = ["一月", "三月", "九月", "十月"]


def make_terms(count: int, rng: random.Random) -> list[str]:
    """Return ``count`` distinct terms: the ones the corpus talks about, then a long tail of
    model numbers, codenames and product names, some in CJK."""
    terms: dict[str, None] = dict.fromkeys(REAL_TERMS[:count])
    makers: list[Callable[[], str]] = [
        lambda: f"{rng.choice(SERIES)} {rng.randint(1, 99)}{rng.choice(SUFFIXES)}",
        lambda: f"SM-{rng.choice('SAFMNG')}{rng.randint(100, 999)}{rng.choice('BUNW0')}",
        lambda: "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize(),
        lambda: f"Project {''.join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()}",
        lambda: f"{rng.choice(BRANDS)} {rng.choice(SERIES)}{rng.randint(1, 30)}",
        lambda: "".join(rng.choice(CJK_SYLLABLES) for _ in range(rng.randint(2, 4))),
        lambda: f"{rng.choice(BRANDS[-18:])}{rng.randint(1, 99)}{rng.choice(['', 'Pro', 'Ultra'])}",
    ]
    while len(terms) < count:
        terms.setdefault(rng.choice(makers)(), None)
    return list(terms)


def make_watches(terms: Sequence[str]) -> list[Watch]:
    """Group terms into watches the way leak hunters write them.

    Each term the corpus talks about is a watch of its own. The long tail goes in watches
    of one to three aliases, each qualified by a brand in ``all`` (as in
    ``all: [[Xiaomi, 小米]]``); every tenth watch also vetoes giveaways.
    """
    watches = [Watch(id=f"w{i}", any=(term,)) for i, term in enumerate(terms[: len(REAL_TERMS)])]
    index = len(watches)
    while index < len(terms):
        number = len(watches)
        group = tuple(terms[index : index + 1 + number % 3])
        brand = (BRAND_PAIRS[number % len(BRAND_PAIRS)],)
        none = ("giveaway",) if number % 10 == 0 else ()
        watches.append(Watch(id=f"w{number}", any=group, all=brand, none=none))
        index += len(group)
    return watches


def make_posts(count: int, rng: random.Random) -> list[str]:
    """Return a fixed corpus of English and Chinese posts, about 200 to 400 characters."""
    posts = []
    for number in range(count):
        if number % 3 == 2:
            text = rng.choice(ZH_TEMPLATES).format(
                brand=rng.choice(BRANDS[34:]),
                model=rng.choice(MODELS_ZH),
                chip=rng.choice(CHIPS),
                feature_zh=rng.choice(FEATURES_ZH),
                month_zh=rng.choice(MONTHS_ZH),
                price=rng.randint(3, 9) * 1000 - 1,
                filler_zh=" ".join(rng.sample(FILLERS_ZH, 4)),
            )
        else:
            text = rng.choice(EN_TEMPLATES).format(
                brand=rng.choice(BRANDS[:34]),
                model=rng.choice(MODELS),
                chip=rng.choice(CHIPS),
                feature=rng.choice(FEATURES),
                month=rng.choice(MONTHS),
                price=rng.randint(5, 15) * 100 - 1,
                filler=" ".join(rng.sample(FILLERS, 3)),
            )
        posts.append(text[:400])
    return posts


def naive_patterns(terms: Sequence[str]) -> list[re.Pattern[str]]:
    """Compile one regex per term: whole words for Latin ends, as the naive bot would."""
    patterns = []
    for term in terms:
        start = r"(?<!\w)" if term[0].isascii() and term[0].isalnum() else ""
        end = r"(?!\w)" if term[-1].isascii() and term[-1].isalnum() else ""
        patterns.append(re.compile(start + re.escape(term) + end, re.IGNORECASE))
    return patterns


def naive_match(patterns: Sequence[re.Pattern[str]], text: str) -> int:
    """Try every term's regex on the text in turn; count the terms found."""
    return sum(1 for pattern in patterns if pattern.search(text))


def peak_rss_mb() -> float:
    """Return the peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(k: int, posts: list[str], items: list[Item]) -> dict[str, float]:
    """Measure one K: build time, both paths' posts/s, matches found per post."""
    rng = random.Random(SEED + k)
    terms = make_terms(k, rng)
    config = Config(watches=tuple(make_watches(terms)))
    started = time.perf_counter()
    watchlist = Watchlist(config)
    build = time.perf_counter() - started

    # the best of several rounds over the corpus, so a busy machine disturbs less
    rounds: list[float] = []
    matches = 0
    while len(rounds) < 3 or sum(rounds) < WATCHLIST_SECONDS:
        started = time.perf_counter()
        matches = sum(len(watchlist.matches(item)) for item in items)
        rounds.append(time.perf_counter() - started)
    fast = len(items) / min(rounds)

    patterns = naive_patterns(terms)
    sample = 0
    started = time.perf_counter()
    for text in posts:
        naive_match(patterns, text)
        sample += 1
        if time.perf_counter() - started > BASELINE_SECONDS:
            break
    slow = sample / (time.perf_counter() - started)
    return {
        "k": k,
        "watches": len(config.watches),
        "build": build,
        "fast": fast,
        "matches": matches / len(items),
        "slow": slow,
        "sample": sample,
        "rss": peak_rss_mb(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark for each K given and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("k", nargs="+", type=int, help="numbers of terms, e.g. 10 1000 10000")
    parser.add_argument("--posts", type=int, default=300, help="posts in the corpus")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    normalize("徠卡")  # builds the Traditional→Simplified table, once per process
    print(f"one-time Traditional→Simplified table: {time.perf_counter() - started:.2f} s")
    posts = make_posts(args.posts, random.Random(SEED))
    items = [
        Item("tipster", str(i), "", text, "", None, None, None, ()) for i, text in enumerate(posts)
    ]
    lengths = sorted(len(text) for text in posts)
    print(
        f"corpus: {len(posts)} posts, {lengths[0]}-{lengths[-1]} characters "
        f"(median {lengths[len(lengths) // 2]}), a third in Chinese"
    )
    header = (
        f"{'K':>7} {'watches':>7} {'build s':>8} {'watchlist posts/s':>18} "
        f"{'matches/post':>12} {'naive posts/s':>14} {'naive sample':>12} {'speed-up':>9} "
        f"{'peak RSS MiB':>12}"
    )
    print(header)
    results = []
    for k in args.k:
        row = bench(k, posts, items)
        results.append(row)
        print(
            f"{row['k']:>7} {row['watches']:>7} {row['build']:>8.2f} {row['fast']:>18,.0f} "
            f"{row['matches']:>12.1f} {row['slow']:>14,.1f} {row['sample']:>8.0f} posts "
            f"{row['fast'] / row['slow']:>8,.0f}x {row['rss']:>12,.0f}",
            flush=True,
        )
    by_k = {int(row["k"]): row for row in results}
    if 10_000 in by_k:
        row = by_k[10_000]
        print(
            f"K=10,000: watchlist is {row['fast'] / row['slow']:,.0f}x the naive baseline "
            "(goal 50x)"
        )
    if 10 in by_k and 100_000 in by_k:
        ratio = by_k[100_000]["fast"] / by_k[10]["fast"]
        print(f"K=100,000: {ratio:.2f} of K=10's posts/s (goal at least 0.50)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
