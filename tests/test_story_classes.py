"""Stories: one test per class of error issue 22 names, each through the story rules.

Each case is a handful of posts, in arrival order, with the stories a reader expects. They
are put in stories by the same index the bot decides with (``bot.stories.rules``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.stories.devices import parse_data
from bot.stories.rules import OpenStory, Reader, StoryIndex, is_chip

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def stories(*posts: tuple[str, str], reader: Reader | None = None) -> list[int]:
    """Put posts (title, text) in stories in this order; return each post's story number."""
    reader = reader or Reader()
    index = StoryIndex()
    found: list[int] = []
    for number, (title, text) in enumerate(posts, start=1):
        at = START + timedelta(minutes=10 * number)
        fingerprint = reader.read(title, text)
        verdict = index.decide(fingerprint, at)
        if verdict.story is not None:
            index.join(verdict.story.id, fingerprint)
            found.append(verdict.story.id)
            # a report that shows two stories were one leak brings them together
            absorbed = set(index.stories[verdict.story.id].fingerprint.absorbed)
            found = [verdict.story.id if placed in absorbed else placed for placed in found]
        else:
            index.add(OpenStory(number, at, title, fingerprint))
            found.append(number)
    return found


def one(*posts: tuple[str, str]) -> bool:
    return len(set(stories(*posts))) == 1


# --- a product the reader does not see as a model ------------------------------------------


@pytest.mark.parametrize(
    "posts",
    [
        (  # a name without a number
            (
                "Galaxy Z TriFold price leaks: $2,899",
                "Samsung's Galaxy Z TriFold will sell "
                "for $2,899 in the US, a retailer listing shows.",
            ),
            (
                "Samsung Galaxy Z TriFold to cost $2,899",
                "A US listing puts the tri-folding Galaxy Z TriFold at $2,899.",
            ),
            ("三星 Galaxy Z TriFold 美版售价 2899 美元", "三星 Galaxy Z TriFold 美国售价 $2,899。"),
        ),
        (  # a line word the reader does not know
            (
                "OnePlus Ace 6 battery: 7,800mAh with 100W charging",
                "The OnePlus Ace 6 packs "
                "a 7,800mAh cell and 100W wired charging, per a Weibo tipster.",
            ),
            ("一加 Ace 6 电池 7800mAh，100W 快充", "一加 Ace 6 电池 7800mAh，支持 100W 有线快充。"),
        ),
        (
            (
                "Pixel Tablet Pro to run on the Tensor G6",
                "Google's Pixel Tablet Pro will run on the Tensor G6, a source says.",
            ),
            ("谷歌 Pixel Tablet Pro 搭载 Tensor G6", "谷歌 Pixel Tablet Pro 将搭载 Tensor G6。"),
        ),
        (  # a camel-cased hashtag
            (
                "#GalaxyS27Edge is 5.6mm thin, 4,200mAh",
                "#GalaxyS27Edge #Samsung 5.6mm, 4200mAh battery.",
            ),
            (
                "Galaxy S27 Edge will be 5.6mm thin with a 4,200mAh battery",
                "Samsung's Galaxy S27 Edge measures 5.6mm and packs 4,200mAh, says a leaker.",
            ),
        ),
    ],
    ids=["name-without-number", "unknown-line", "name-with-suffix", "camel-hashtag"],
)
def test_a_product_named_any_way_is_one_story(posts: tuple[tuple[str, str], ...]) -> None:
    assert one(*posts), stories(*posts)


def test_products_without_numbers_stay_apart_from_their_siblings() -> None:
    found = stories(
        ("Galaxy Z TriFold price leaks: $2,899", "A US listing puts it at $2,899."),
        ("OnePlus Ace 6 Pro price leaks: $2,899", "A listing puts it at $2,899."),
        ("OnePlus Ace 6 price: $2,899", "A listing puts it at $2,899."),
    )
    assert len(set(found)) == 3


# --- one device read as two ----------------------------------------------------------------


@pytest.mark.parametrize(
    "posts",
    [
        (  # a family written together
            (
                "Galaxy S27 / S27+ to charge at 45W",
                "Both the Galaxy S27 and S27+ get 45W wired charging, says Ice Universe.",
            ),
            (
                "Galaxy S27 series moves to 45W charging",
                "Samsung's Galaxy S27 series will charge at 45W.",
            ),
        ),
        (
            (
                "iPhone 18 Pro / Pro Max to get 12GB RAM",
                "The iPhone 18 Pro and Pro Max will have 12GB of RAM, an analyst says.",
            ),
            (
                "iPhone 18 Pro and 18 Pro Max: 12GB RAM",
                "Apple's iPhone 18 Pro models get 12GB RAM.",
            ),
        ),
        (  # 系列 / series
            ("小米18系列 定档 12月 20日 发布", "小米18 系列 12月20日 发布会。"),
            (
                "Xiaomi 18 and 18 Pro launch set for December 20",
                "Xiaomi will unveil the Xiaomi 18 and Xiaomi 18 Pro on December 20.",
            ),
        ),
        (  # a Chinese ordinal
            ("第五代骁龙8至尊版 跑分 4100 分", "第五代骁龙8至尊版 Geekbench 单核 4100 分。"),
            (
                "Snapdragon 8 Elite Gen 5 hits 4,100 in Geekbench single-core",
                "Qualcomm's Snapdragon 8 Elite Gen 5 scored 4,100 single-core on Geekbench.",
            ),
        ),
        (  # spacing and case
            ("iPhone19ProMax 屏下FaceID", "iPhone19ProMax 屏下FaceID。"),
            (
                "iPhone 19 Pro Max to get under-display Face ID",
                "Apple's iPhone 19 Pro Max will hide Face ID under the display.",
            ),
        ),
        (
            ("vivo X300Pro 7000mAh 电池", "vivo X300Pro 电池 7000mAh。"),
            ("vivo X300 Pro battery is 7,000mAh", "The vivo X300 Pro packs a 7,000mAh cell."),
        ),
    ],
    ids=["family-slash", "family-pro-max", "series", "ordinal-elite", "case-glued", "glued"],
)
def test_one_device_written_two_ways_is_one_story(posts: tuple[tuple[str, str], ...]) -> None:
    assert one(*posts), stories(*posts)


def test_siblings_stay_apart() -> None:
    found = stories(
        ("Galaxy S27+ battery: 4,900mAh", "Galaxy S27+ 4900mAh, 45W."),
        ("Galaxy S27 battery: 4,300mAh", "Galaxy S27 4300mAh, 25W."),
        ("Galaxy S27 Ultra battery: 5,000mAh", "Galaxy S27 Ultra 5000mAh."),
        ("Snapdragon 8 Gen 5 scores 3,300", "Geekbench single-core 3,300."),
        ("Snapdragon 8 Elite Gen 5 scores 3,300", "Geekbench single-core 3,300."),
    )
    assert len(set(found)) == 5


# --- a non-model read as a model ----------------------------------------------------------


@pytest.mark.parametrize(
    "posts",
    [
        (  # a connector is no model ("2x6" was read as a line X's model 6)
            ("12V-2x6 stays on the RTX 9090: 650W TGP", ""),
            ("NVIDIA RTX 9090 TGP rated at 650W", "The RTX 9090 draws 650W, a leaker says."),
        ),
        (  # a figure after a tier-like line is no model ("Watch Ultra 4: 590mAh" had an Ultra 590)
            ("Galaxy Watch Ultra 5: 610mAh", ""),
            ("Galaxy Watch Ultra 5 battery tipped at 610mAh", "No upgrade, a tipster says."),
        ),
        (  # a video mode is no model ("8K120" was a line K's model 120, "8K 120p" a "120p")
            ("Canon EOS R7 Mark III: 61MP stacked sensor, 8K120 internal", ""),
            ("佳能 EOS R7 Mark III 传闻：6100 万像素堆栈式传感器，8K 120p", "8K 120p 内录。"),
            (
                "Canon EOS R7 Mark III rumored with 61MP stacked sensor and 8K60 video",
                "A 61MP stacked sensor and 8K60 for the EOS R7 Mark III.",
            ),
        ),
        (
            (
                "Xiaomi 18 Pro certified with 100W charging",
                "The Xiaomi 18 Pro has been certified in China with 100W wired charging.",
            ),
            (
                "Xiaomi 18 Pro 3C listing: 100W charging",
                "A 3C listing confirms 100W charging for the Xiaomi 18 Pro.",
            ),
            (
                "Xiaomi 18 Pro BIS, TENAA: 100W charging",
                "The Xiaomi 18 Pro shows up at BIS and TENAA with 100W charging.",
            ),
        ),
        (
            (
                "Dimensity 9600 clocks its prime core at 4.4GHz",
                "MediaTek's Dimensity 9600 runs its prime core at 4.4GHz.",
            ),
            (
                "Dimensity 9600 on TSMC N3E hits 4.4GHz",
                "The Dimensity 9600, made on N3E, runs at 4.4GHz.",
            ),
        ),
        (
            ("Core Ultra 400 chips to run at 5.6GHz", "Intel's Core Ultra 400 reaches 5.6GHz."),
            (
                "Intel Core Ultra 400 on 18A: 5.6GHz boost",
                "Built on Intel 18A, the Core Ultra 400 boosts to 5.6GHz.",
            ),
        ),
        (
            (
                "Pixel 11 Pro display: 6.3-inch, 120Hz",
                "The Pixel 11 Pro has a 6.3-inch 120Hz panel.",
            ),
            (
                "Pixel 11 Pro 6.3-inch 2K 120Hz panel with 5G, IP68, 3D face unlock",
                "Google Pixel 11 Pro: 6.3-inch 120Hz screen.",
            ),
        ),
    ],
    ids=[
        "connector",
        "tier-figure",
        "video-mode",
        "certifications",
        "process-node",
        "intel-node",
        "counts",
    ],
)
def test_a_word_that_is_no_model_does_not_split_a_story(
    posts: tuple[tuple[str, str], ...],
) -> None:
    assert one(*posts), stories(*posts)


# --- a claim vocabulary too narrow ---------------------------------------------------------


@pytest.mark.parametrize(
    "posts",
    [
        (  # display and camera features
            (
                "Honor Magic 9 Pro to use an LTPO panel",
                "The Honor Magic 9 Pro pairs an LTPO panel with a hidden selfie shooter.",
            ),
            ("荣耀 Magic 9 Pro 用上 LTPO", "荣耀 Magic 9 Pro 用上 LTPO，前摄藏在屏下。"),
        ),
        (
            (
                "OnePlus 16 to get a variable aperture",
                "The OnePlus 16 will use a variable aperture, a tipster says.",
            ),
            ("一加16 可变光圈", "一加16 将支持可变光圈。"),
        ),
        (  # colours
            (
                "Pixel 12 to come in black, white and green",
                "Google's Pixel 12 comes in black, white and green.",
            ),
            ("谷歌 Pixel 12 配色曝光：黑色、白色、绿色", "Pixel 12 有黑色、白色和绿色三款配色。"),
        ),
        (  # seasons and relative dates
            (
                "Galaxy S28 Ultra to launch in late February",
                "Samsung will unveil the Galaxy S28 Ultra in late February.",
            ),
            ("三星 Galaxy S28 Ultra 2 月底发布", "三星 Galaxy S28 Ultra 预计 2 月底发布。"),
        ),
        (
            ("Pixel 12a coming next spring", "Google's Pixel 12a will arrive next spring."),
            ("谷歌 Pixel 12a 明年春季发布", "Pixel 12a 将于明年春季发布。"),
        ),
        (  # a date with spaces
            ("vivo X400 Ultra 3 月 1 日 发布", "vivo X400 Ultra 定档 3 月 1 日。"),
            ("vivo X400 Ultra launches March 1", "vivo will launch the X400 Ultra on March 1."),
        ),
        (  # models a post lists dilute its claims
            (
                "Snapdragon 8 Elite Gen 6 scores 4,200 in Geekbench single-core",
                "Qualcomm's Snapdragon 8 Elite Gen 6 scored 4,200 single-core on Geekbench.",
            ),
            (
                "Snapdragon 8 Elite Gen 6 tops Geekbench with 4,200 single-core",
                "It beats the A20 Pro, Dimensity 9600, Exynos 2700 and Tensor G7 with "
                "4,200 single-core.",
            ),
        ),
    ],
    ids=["display", "aperture", "colours", "late-month", "season", "spaced-date", "listed"],
)
def test_posts_that_claim_the_same_in_other_words_are_one_story(
    posts: tuple[tuple[str, str], ...],
) -> None:
    assert one(*posts), stories(*posts)


def test_another_claim_about_the_same_model_stays_apart() -> None:
    found = stories(
        ("Honor Magic 9 Pro: LTPO panel, under-display camera", "LTPO and under-display."),
        ("Honor Magic 9 Pro battery: 6,600mAh, 100W", "6,600mAh and 100W charging."),
        ("Honor Magic 9 Pro colours: black, white, green", "Black, white and green."),
    )
    assert len(set(found)) == 3


# --- contradictions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "correction",
    [
        (
            "Galaxy S27+ battery is 5,000 mAh, not 4,500 mAh",
            "Correction: the Galaxy S27+ "
            "battery is 5,000 mAh, not 4,500 mAh as earlier leaked; 45W charging stays.",
        ),
        ("三星 Galaxy S27+ 电池更正：5000mAh", "此前传 4500mAh，实际 5000mAh，45W 快充不变。"),
    ],
    ids=["english", "chinese"],
)
def test_a_correction_that_quotes_the_old_figure_opens_a_new_story(
    correction: tuple[str, str],
) -> None:
    found = stories(
        ("Galaxy S27+ battery: 4,500mAh, 45W", "Galaxy S27+ 4500mAh battery, 45W charging."),
        (
            "Samsung Galaxy S27+ gets a 4,500mAh battery and 45W charging",
            "The Galaxy S27+ has a 4,500mAh cell with 45W charging.",
        ),
        correction,
        (
            "Galaxy S27+ battery: 5,000mAh with 45W charging",
            "The Galaxy S27+ packs a 5,000mAh battery.",
        ),
    )
    assert found[0] == found[1]
    assert found[2] != found[0]  # not folded into the story it contradicts
    assert found[3] == found[2]  # the new figure's report joins the correction


# --- found on the tuning set after the first rules (issue 22, second pass) ----------------


def test_a_correction_that_repeats_the_old_figure_without_a_cue_opens_a_new_story() -> None:
    found = stories(
        ("Pixel Watch 6 battery: 40 hours", "Pixel Watch 6 lasts 40 hours on a charge."),
        ("Google Pixel Watch 6 to last 40 hours", "The Pixel Watch 6 is rated for 40 hours."),
        (
            "Correction: Pixel Watch 6 battery life is 48 hours",
            "The watch lasts 48 hours; 40 hours is the figure with the always-on display.",
        ),
        (
            "Pixel Watch 6 手表续航更正为 48 小时",
            "博主更正：续航 48 小时，40 小时是开启常亮显示的数据。",
        ),
        ("Pixel Watch 6 to last 48 hours", "Google's next watch will run for 48 hours."),
    )
    assert found[0] == found[1]
    assert found[2] != found[0]
    assert found[3] == found[4] == found[2]


def test_a_series_launch_date_is_not_a_members_camera_story_though_its_text_repeats_it() -> None:
    found = stories(
        ("Vivo X500 Pro gets a 200MP periscope", "vivo X500 Pro: 200MP 3x periscope."),
        ("vivo X500 Pro to feature a 200MP periscope camera", "A 200MP periscope, says DCS."),
        ("vivo X500 系列 9 月 3 日发布", "vivo X500 系列官宣 9 月 3 日发布，2 亿像素潜望。"),
        ("vivo X500 series launch date: September 3", "vivo launches the X500 series on 3 Sept."),
    )
    assert found[0] == found[1]
    assert found[2] == found[3] != found[0]


def test_a_product_named_without_its_number_joins_the_numbered_one() -> None:
    assert one(
        ("Pixel Tablet 3 gets a 13-inch OLED", "Pixel Tablet 3: 13-inch OLED panel, Tensor G7."),
        ("Google's next Pixel Tablet to switch to a 13-inch OLED", "A 13-inch OLED panel."),
        ("谷歌 Pixel Tablet 3 改用 13 英寸 OLED", "Pixel Tablet 3 换 13 英寸 OLED 屏。"),
    )


def test_a_product_without_a_model_name_is_found_by_its_name_and_brand() -> None:
    found = stories(
        ("Meta Hypernova glasses to cost $799", "Meta's Hypernova smart glasses will cost $799."),
        ("Meta's Hypernova glasses priced at $799, report says", "A display in one lens."),
        ("Meta Hypernova 眼镜售价 799 美元", "Meta Hypernova 智能眼镜售价曝光：799 美元。"),
        ("Apple smart glasses to cost $799", "Apple's first smart glasses will cost $799."),
    )
    assert found[0] == found[1] == found[2]
    assert found[3] != found[0]  # the same words from another brand


def test_a_chip_named_first_is_the_subject_though_a_phone_follows() -> None:
    assert one(
        (
            "Dimensity 9700 built on TSMC N2P, vivo X500 to debut it",
            "MediaTek's Dimensity 9700 uses TSMC's N2P; the vivo X500 is first.",
        ),
        ("MediaTek Dimensity 9700 to be made on TSMC N2P", "The Dimensity 9700 moves to N2P."),
        ("联发科天玑 9700 曝光：台积电 N2P 工艺", "天玑 9700 采用台积电 N2P 工艺。"),
    )


def test_a_bare_figure_and_the_same_figure_with_its_unit_are_one_claim() -> None:
    assert one(
        ("Redmi Turbo 6 price: CNY 2,499", "The Redmi Turbo 6 will start at CNY 2,499."),
        ("红米 Turbo6 2499", "红米 Turbo6 起售 2499，7500mAh。"),
    )


def test_months_in_chinese_numerals_are_dates() -> None:
    found = stories(
        ("Meizu 24 to launch in early August", "Meizu 24 launches at the start of August."),
        ("魅族 24 九月底发布", "魅族 24 将于九月底发布。"),  # another leak: late September
        ("Meizu 24 to launch in late September", "Meizu 24 launches at the end of September."),
    )
    assert found[1] != found[0]
    assert found[2] == found[1]


def test_roman_generations_are_part_of_the_name() -> None:
    found = stories(
        ("Sony Xperia 1 IX gets a 1-inch sensor", "Xperia 1 IX: 1-inch main sensor."),
        ("Xperia 1 IX to use a 1-inch camera sensor", "Sony's Xperia 1 IX goes 1-inch."),
        ("Xperia 1 VIII gets a 1-inch sensor in a firmware leak", "Last year's Xperia 1 VIII."),
    )
    assert found[0] == found[1]
    assert found[2] != found[0]


# --- third pass: contradictions a title tells, denials, figures written the Chinese way ----


def test_a_title_that_gives_another_figure_of_a_listed_kind_is_another_story() -> None:
    """Memory may be listed several times in a text (RAM and storage), so a text's figures
    never conflicted; two titles that each give one and disagree do."""
    found = stories(
        ("RTX 7080: 24GB GDDR7, 384-bit", "RTX 7080 gets 24GB GDDR7 on a 384-bit bus."),
        ("GeForce RTX 7080 to pack 24GB of GDDR7", "NVIDIA's RTX 7080: 24GB GDDR7, 384-bit."),
        ("RTX 7080 is 32GB", "Sorry, RTX 7080 is 32GB, not 24GB. 384-bit."),
        (
            "NVIDIA GeForce RTX 7080 To Get 32 GB GDDR7 Memory On 384-bit Bus",
            "The RTX 7080 will carry 32GB of GDDR7 memory on a 384-bit interface.",
        ),
    )
    assert found[0] == found[1] and found[2] == found[3] and found[0] != found[2], found


def test_titles_that_round_a_figure_or_change_a_price_are_not_contradictions() -> None:
    assert one(
        ("Honor Magic 9 mini 6.3 英寸直屏", "荣耀 Magic9 mini 6.3 英寸直屏，小屏旗舰。"),
        (
            "Honor Magic 9 mini: 6.31-inch flat display",
            "The Honor Magic 9 mini gets a 6.31-inch flat screen, a tipster says.",
        ),
    )
    assert one(
        ("Galaxy Watch Ultra 3 price: $699", "Galaxy Watch Ultra 3 will cost $699 in the US."),
        (
            "Galaxy Watch Ultra 3 price leak points to a $50 hike",
            "Samsung's Galaxy Watch Ultra 3 will cost $699, $50 more than before.",
        ),
    )


def test_a_denied_feature_is_not_the_story_of_that_feature() -> None:
    found = stories(
        ("Pixel 12 Pro 主摄可变光圈", "Pixel 12 Pro 主摄支持可变光圈，f/1.5-f/4.0。"),
        (
            "Pixel 12 Pro to get a variable aperture main camera",
            "Google's Pixel 12 Pro will have a variable aperture main camera, says a leaker.",
        ),
        ("Pixel 12 Pro won't get a variable aperture after all", ""),
        ("Pixel 12 Pro 没有可变光圈", "Pixel 12 Pro 没有可变光圈，之前的消息不准。"),
    )
    assert found[0] == found[1] and found[2] == found[3] and found[0] != found[2], found


def test_a_correction_whose_old_figure_a_cue_names_keeps_the_new_one() -> None:
    """ "此前传 21 天，实际是 24 天，21 天是 NFC 版": 21 days is called old by its cue, so 24
    days is the claim, though 21 days comes again later in the text."""
    found = stories(
        ("小米手环12 续航 18 天", "小米手环12 续航 18 天。"),
        ("Xiaomi Smart Band 12 to last 18 days", "The Xiaomi Smart Band 12 lasts 18 days."),
        (
            "小米手环12 续航更正",
            "更正：小米手环12 续航此前传 18 天，实际是 20 天，18 天是 NFC 版。",
        ),
        ("Xiaomi Smart Band 12 battery life is actually 20 days", "It lasts 20 days."),
    )
    assert found[0] == found[1] and found[2] == found[3] and found[0] != found[2], found


def test_a_date_moved_up_is_a_new_story() -> None:
    found = stories(
        ("Pixel 12 launch event: August 25", "Google's Pixel 12 event is on August 25."),
        ("Pixel 12 launch date tipped for August 25", "The Pixel 12 launches on August 25."),
        (
            "Pixel 12 event moves up to August 18, a week earlier than first reported",
            "The August 25 date was the old plan: the Pixel 12 event is on August 18.",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_pixels_written_in_wan_and_yi_are_megapixels() -> None:
    """ "2 亿潜望" is a 200 MP periscope and "5000 万前摄" a 50 MP selfie camera, though
    neither says 像素."""
    reader = Reader()
    assert "mp:200" in reader.read("真我 GT 10 Pro 2 亿潜望", "").claims
    assert "mp:50" in reader.read("Civi 7 Pro 双 5000 万前摄", "").claims
    assert "n:2600000" in reader.read("销量 260 万台", "").claims  # not a camera: a count
    assert one(
        ("真我 GT 10 Pro 2 亿潜望", "真我 GT 10 Pro 2 亿潜望长焦，理光调校。"),
        (
            "Realme GT 10 Pro to get a 200MP periscope",
            "The Realme GT 10 Pro gets a 200MP periscope telephoto tuned with Ricoh.",
        ),
    )


def test_a_title_figure_the_story_lacks_is_not_joined_by_a_shared_topic() -> None:
    """'Galaxy S30 Ultra 1/1.1" main sensor' shares the main camera with the story of its
    variable aperture, and no more."""
    found = stories(
        ("S30 Ultra main camera: variable aperture is back", "S30 Ultra main camera gets it."),
        ("Galaxy S30 Ultra to bring back a variable aperture", "Main camera, f/1.4-f/4.0."),
        ('S30 Ultra 1/1.1" main sensor', ""),
    )
    assert found[0] == found[1] != found[2], found


# --- the fourth pass: names the grammar read wrong ------------------------------------------


def test_a_tier_before_a_model_number_is_not_the_model() -> None:
    """ "Ryzen 9" and "Core Ultra 7" are tiers: the model is the number after them, so two
    chips of one tier are two models and one chip written with or without its tier is one."""
    reader = Reader()
    assert reader.read("AMD Ryzen 7 12800X3D leaks with 8 cores", "").subject == "12800x3d"
    assert reader.read("Intel Core Ultra 7 475K spotted", "").subject == "475k"
    assert one(
        ("AMD Ryzen 7 12800X3D gets 128MB of L3 cache", "The Ryzen 7 12800X3D has 128MB of L3."),
        ("12800X3D: 128MB L3", "12800X3D with 128MB L3 cache, per the leaker."),
    )
    found = stories(
        ("AMD Ryzen 7 12800X3D gets 128MB of L3 cache", "The Ryzen 7 12800X3D has 128MB of L3."),
        ("AMD Ryzen 7 12700X3D gets 96MB of L3 cache", "The Ryzen 7 12700X3D has 96MB of L3."),
    )
    assert found[0] != found[1], found


def test_a_tipsters_shorthand_for_a_snapdragon_is_its_name() -> None:
    """8E7 and 骁龙8至尊版第七代 are the Snapdragon 8 Elite Gen 7."""
    reader = Reader()
    for title in ("骁龙8E7 大核 5.2GHz", "8EG7 5.2GHz", "骁龙8至尊版第七代 5.2GHz"):
        assert reader.read(title, "").subject == "snapdragon 8 elite gen 7", title


def test_an_article_before_a_number_is_no_model() -> None:
    """ "A 420mm² chip" is not the Galaxy A420; "Galaxy A 57" is the A57."""
    reader = Reader()
    assert reader.read("Next console's APU is a 420mm² chip", "").subject is None
    assert reader.read("Galaxy A 57 gets a 50MP camera", "").subject == "a57"


def test_a_foldable_named_by_its_line_or_its_brand_is_one_product() -> None:
    """ "iPhone Fold", "the foldable iPhone" and "Apple's foldable" are one product; Huawei's
    and Samsung's tri-folds are two."""
    assert one(
        ("iPhone Fold to cost $2,199, analyst says", "The iPhone Fold will cost $2,199."),
        ("Apple's foldable to start at $2,199", "Apple's foldable starts at $2,199."),
        ("Foldable iPhone price: $2,199", "A foldable iPhone at $2,199, says an analyst."),
        ("折叠屏 iPhone 售价 2199 美元", "折叠屏 iPhone 售价 2199 美元起。"),
    )
    found = stories(
        ("Huawei's next tri-fold to cost $2,999", "Huawei's tri-fold will cost $2,999."),
        ("Samsung's next tri-fold to cost $2,999", "Samsung's tri-fold will cost $2,999."),
    )
    assert found[0] != found[1], found


def test_mark_and_gen_are_ways_of_writing_a_generation() -> None:
    """Canon's "EOS R6 Mark III" is the "R6 III"; "Fairphone Gen 8" is the "Fairphone 8"."""
    assert one(
        ("Canon EOS R6 Mark III to get a 32MP sensor", "The R6 Mark III has a 32MP sensor."),
        ("Canon R6 III: 32MP", "Canon R6 III with a 32MP full-frame sensor."),
    )
    assert one(
        ("Fairphone Gen 8 price leaks: €699", "The Fairphone Gen 8 will cost €699."),
        ("Fairphone 8 to cost €699", "Fairphone 8 price: €699 in Europe."),
    )


def test_a_chip_a_device_is_said_to_use_is_a_chip_claim() -> None:
    """ "Pixel Watch 6 chipset revealed" reports the leak of the chip the story names."""
    assert one(
        ("Pixel Watch 6 to switch to Snapdragon W7 Gen 1", "The Pixel Watch 6 moves to the W7."),
        ("Pixel Watch 6 leak: Snapdragon W7 Gen 1 inside", "Qualcomm's W7 Gen 1 powers it."),
        ("Google Pixel Watch 6 chipset revealed", "It is Qualcomm's Snapdragon W7 Gen 1."),
    )


# --- the fourth pass: joins that hid another leak ------------------------------------------


def test_a_month_named_in_english_or_a_size_in_chinese_numerals_is_a_figure() -> None:
    reader = Reader()
    assert "month:11" in reader.read("PS7 will launch in November, report says", "").claims
    assert "month:5" not in reader.read("Pixel 13 leak: this may change", "").claims
    assert "inch:1" in reader.read("小米19 Ultra 一英寸大底", "").claims


def test_a_title_that_gives_a_figure_the_story_lacks_is_another_leak() -> None:
    """The launch month of a console is not the story of its price, though the launch
    report's text repeats the price."""
    found = stories(
        ("PS7 will cost $799, leaker says", "Sony's PS7 will cost $799 when it launches."),
        ("PS7 售价曝光：799 美元", "索尼 PS7 售价 799 美元。"),
        (
            "PS7 will launch in November, Bloomberg reports",
            "Sony plans to launch the PS7 in November. A leak put its price at $799 yesterday.",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_a_roadmap_or_a_rumour_digest_is_its_own_story() -> None:
    found = stories(
        ("iPad Air to switch to OLED in 2030", "The iPad Air moves to OLED in 2030."),
        ("iPad Air 将换 OLED 屏：2030 年", "iPad Air 2030 年换 OLED。"),
        ("Apple's OLED roadmap: iPad Air, MacBook Air and what comes next", "iPad Air OLED."),
        ("平價版 iPad Air 傳聞整理：OLED、售價一次看", "iPad Air OLED 版售價。"),
    )
    assert found[0] == found[1] and len({found[1], found[2], found[3]}) == 3, found


# --- the fifth pass: what a diagnosis set written blind showed -----------------------------


@pytest.mark.parametrize(
    "posts",
    [
        (  # a model glued to its suffix after a Chinese brand
            ("小米21Pro 电池 7500", "小米21Pro 电池 7500mAh，100W 快充。"),
            ("Xiaomi 21 Pro to pack a 7,500mAh battery", "With 100W wired charging."),
        ),
        (  # a tipster's U for Ultra
            ("S31U 200MP 5x", "S31U: 200MP 5x periscope."),
            ("Galaxy S31 Ultra to get a 200MP 5x periscope", "Samsung's S31 Ultra, 200MP."),
        ),
        (  # a generation in Roman numerals glued to the model, from a brand of cameras
            ("Fujifilm X100VIII to get a 50MP sensor", "Fujifilm's X100VIII gets 50MP."),
            ("富士 X100VIII 傳改用 5,000 萬畫素感光元件", "富士 X100VIII 5,000 萬畫素。"),
        ),
    ],
)
def test_a_model_written_glued_or_in_shorthand_is_the_model(posts: tuple[tuple[str, str]]) -> None:
    assert one(*posts)


def test_figures_in_local_currencies_sockets_and_sub_prefixes_are_read() -> None:
    reader = Reader()
    assert "hkd:2399" in reader.read("Switch 3 港幣 2,399", "").claims
    assert "twd:9990" in reader.read("Switch 3 售價 NT$9,990", "").claims
    assert "eur:1299" in reader.read("Xperia 1 XI price: EUR 1,299", "").claims
    assert "g:250" in reader.read("Mini 7 Pro stays sub-250g", "").claims
    assert "gb:24" in reader.read("RTX 7080 24G GDDR7", "").claims
    assert "mp:60" in reader.read("A7R7 6,000 萬畫素", "").claims
    assert "date:9-9" in reader.read("iPhone 21 系列傳 9/9 發表", "").claims
    found = reader.read("Core Ultra 9 690K: 6.4GHz on LGA1954", "")
    assert found.headline == ("690k",), found.headline


def test_a_price_in_another_currency_or_a_rounded_figure_is_no_contradiction() -> None:
    assert one(
        ("Switch 3 to cost $399", "Nintendo's Switch 3 will cost $399 in the US."),
        (
            "Switch 3 售價傳 399 美元，約港幣 3,100",
            "任天堂 Switch 3 美國售價 399 美元，約港幣 3,100 元。",
        ),
    )
    assert one(
        ("Tensor G9 clocks up to 4.15GHz", "Google's Tensor G9 reaches 4.15GHz on TSMC N2."),
        ("Tensor G9 moves to TSMC N2 with a 4.2GHz prime core", "It reaches 4.15GHz on N2."),
    )


def test_a_report_whose_title_gives_figures_of_another_leak_is_not_joined() -> None:
    """The X700 Ultra's launch date is not the story of its battery, though the battery
    reports' texts give the date and the launch reports' texts the battery."""
    found = stories(
        (
            "vivo X700 Ultra battery leaks: 7,500mAh with 100W charging",
            "Ahead of its May 12 launch in China, the X700 Ultra gets a 7,500mAh cell.",
        ),
        ("vivo X700 Ultra 电池 7500mAh，100W 快充", "vivo X700 Ultra 将于 5 月 12 日在中国发布。"),
        ("vivo X700 Ultra to launch in China on May 12", "vivo has set a May 12 launch in China."),
    )
    assert found[0] == found[1] != found[2], found


def test_5g_is_a_claim() -> None:
    assert one(
        ("Apple Watch Ultra 5 to get 5G", "Apple's next Ultra watch supports 5G networks."),
        ("Apple Watch Ultra 5 支持 5G", "Apple Watch Ultra 5 将支持 5G 网络。"),
    )


# --- the seventh pass: the sixth pass's fixes re-applied one at a time ----------------------


def test_a_chip_a_title_names_is_its_leak_not_the_story_its_text_repeats() -> None:
    """The Razr 80 Ultra's chip is not the story of its 3C battery, though the chip
    report's text repeats the battery; the chip's reports are one story."""
    found = stories(
        ("Razr 80 Ultra 3C：4800mAh 45W", "moto razr 80 Ultra 过 3C，4800mAh，45W。"),
        ("Motorola Razr 80 Ultra passes 3C with a 4,800mAh battery", "45W charging too."),
        ("Razr 80 Ultra = Snapdragon 8 Elite Gen 7", ""),
        (
            "Motorola Razr 80 Ultra tipped to run Snapdragon 8 Elite Gen 7",
            "The Razr 80 Ultra will use the Snapdragon 8 Elite Gen 7. It recently passed 3C "
            "with a 4,800mAh battery.",
        ),
    )
    assert found[0] == found[1] != found[2] == found[3], found


@pytest.mark.parametrize(
    "posts",
    [
        (  # a plus glued to the model before its figure
            ("S32+ 5,100mAh", "S32+ gets 5100mAh, charging stays 45W."),
            ("Galaxy S32+ battery tipped at 5,100mAh", "The Galaxy S32+ moves to 5,100mAh."),
        ),
        (  # a tipster's shorthand that the post spells out in its text
            ("23PM 10x 潜望", "#iPhone23ProMax 10x 潜望，独占。"),
            ("iPhone 23 Pro Max to get a 10x periscope", "Apple's iPhone 23 Pro Max gets 10x."),
        ),
        (  # 倍 is a zoom factor, and pixels in 万 after a camera word are megapixels
            (
                "iPhone 23 Pro 长焦换 1/2 英寸 4800 万",
                "iPhone 23 Pro 5 倍长焦换 1/2 英寸 4800 万，进光量 +40%。",
            ),
            (
                "iPhone 23 Pro's 5x telephoto to get a 48MP sensor",
                "The iPhone 23 Pro keeps 5x zoom with a bigger 48MP sensor.",
            ),
        ),
        (  # a memory bus written glued is the same bus
            ("RTX 9070 → 192bit, 18G", ""),
            ("NVIDIA RTX 9070 said to use a 192-bit memory bus", "With 18GB of GDDR8."),
        ),
        (  # a tipster's memory written "16G" is gigabytes
            ("RTX 9060: 16G this time", ""),
            ("NVIDIA RTX 9060 to get 16GB of memory", "The RTX 9060 moves to 16GB."),
        ),
        (  # cores and threads written short, and a Chinese comma that is no thousands mark
            ("Zen 8 旗舰锐龙 9 14950X 24C48T", "ES 已经在板厂手里了，24C/48T，boost 6.2G。"),
            (
                "AMD Ryzen 9 14950X rumored with 24 cores and 48 threads",
                "The Ryzen 9 14950X has 24 cores and 48 threads, a Chiphell post says.",
            ),
        ),
        (
            (
                "一加 Ace 10 入网 3C：PLR120，100W",
                "【一加 Ace 10】型号 PLR120 过 3C 了，100W 快充。",
            ),
            (
                "OnePlus Ace 10 passes 3C with 100W charging",
                "The OnePlus Ace 10 (PLR120) is 3C-certified.",
            ),
        ),
    ],
)
def test_a_model_or_a_figure_a_tipster_writes_short_is_read(posts: tuple[tuple[str, str]]) -> None:
    assert one(*posts)


def test_a_round_up_of_the_leaks_so_far_is_its_own_story() -> None:
    """A write-up of every leak so far repeats the story's figures, but reports no leak."""
    found = stories(
        ("Pixel 13 Pro: 5,200mAh, 45W", "Pixel 13 Pro battery 5200mAh, 45W wired."),
        ("Google Pixel 13 Pro battery leaks at 5,200mAh", "45W charging, a tipster says."),
        (
            "Pixel 13 Pro: all the leaks so far",
            "The Pixel 13 Pro gets a 5,200mAh battery with 45W charging and a Tensor G7.",
        ),
        ("谷歌 Pixel 13 Pro 传闻汇总", "Pixel 13 Pro 电池 5200mAh，45W 快充，Tensor G7。"),
    )
    assert found[0] == found[1] and len({found[0], found[2], found[3]}) == 3, found


def test_a_chip_two_titles_name_does_not_make_their_leaks_one() -> None:
    """A benchmark of an unreleased Mac with the M10 is not the story of the MacBook Pro's
    launch month, though both titles name the M10 and the benchmark's text repeats the
    launch: the report that names both does not bring the two stories together."""
    found = stories(
        (
            "Apple's OLED MacBook Pro with M10 chips set for late October launch",
            "Apple will launch OLED MacBook Pro models with M10 Pro and M10 Max chips in late "
            "October, with thinner bodies.",
        ),
        ("Apple Mac18,2 (Apple M10 10C) | Geekbench 6", "ST 4710 / MT 21900 | 16GB"),
        (
            "Unreleased Mac with M10 chip appears on Geekbench, likely a MacBook Air",
            "An unreleased Mac (Mac18,2) with a 10-core M10 scored 4,710 single-core and 21,900 "
            "multi-core. The OLED MacBook Pro with M10 Pro and M10 Max is due in late October.",
        ),
    )
    assert found[0] != found[1] == found[2], found


def test_a_model_with_a_five_digit_number_is_a_model() -> None:
    """The RX 10900 XT is one card in English and Chinese, and its sibling another."""
    found = stories(
        (
            "AMD Radeon RX 10900 XT to use the full Navi 51 with 96 CUs",
            "The Radeon RX 10900 XT gets 96 compute units and 24GB of GDDR7 on a 384-bit bus.",
        ),
        ("AMD RX 10900 XT 曝光：完整 Navi 51，96 组 CU", "RX 10900 XT 384bit 24GB GDDR7。"),
        (
            "AMD Radeon RX 10800 XT to use a cut-down Navi 51 with 80 CUs",
            "The RX 10800 XT gets 80 compute units and 20GB of GDDR7 on a 320-bit bus.",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_a_handheld_battery_in_watt_hours_and_its_correction() -> None:
    """74 Wh is a battery, in English and Chinese (拯救者 is Legion); a correction that says
    the leaker 'now says' 80 Wh is the 80 Wh story, not the 74 Wh one it quotes."""
    found = stories(
        ("Legion Go 4 battery tipped at 74 Wh", "The Legion Go 4 will carry a 74 Wh battery."),
        ("拯救者 Go 4 电池 74Wh", "拯救者 Go 4 电池 74Wh，二代是 64Wh。"),
        (
            "Legion Go 4 battery is 80 Wh",
            "The leaker who tipped a 74 Wh battery earlier this week now says the production "
            "unit carries an 80 Wh cell.",
        ),
        (
            "Legion Go 4 電池容量更正為 80Wh",
            "先前傳出 Legion Go 4 電池為 74Wh，最新消息更正為 80Wh。",
        ),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_look_back_at_last_year_model_is_its_own_story() -> None:
    """'Four years later' is a review, though its text names the coming model's leak."""
    found = stories(
        ("Steam Deck 3 to get a 120Hz OLED screen", "Valve's Steam Deck 3 moves to 120Hz OLED."),
        ("Steam Deck 3 屏幕曝光：120Hz OLED", "Steam Deck 3 将用 120Hz OLED 屏幕。"),
        (
            "The Steam Deck OLED, four years later",
            "With a Steam Deck 3 and its 120Hz OLED on the horizon, we revisit the Deck OLED.",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_a_correction_that_keeps_another_figure_of_its_kind_is_still_a_correction() -> None:
    """'Base $599, not $549; 1TB is still $699' corrects the $549 story, though it repeats
    its $699: the correction and its follow-up are a story of their own."""
    found = stories(
        ("Steam Deck 3 pricing", "Steam Deck 3 base model: $549. 1TB: $699."),
        ("Steam Deck 3 will start at $549, leaker claims", "$549 for the base, $699 for 1TB."),
        (
            "Correction on Deck 3 pricing",
            "Correction: base Deck 3 is $599, not $549. $549 was last year's target. 1TB is "
            "still $699.",
        ),
        (
            "Steam Deck 3 base price corrected to $599",
            "The base Steam Deck 3 is $599, not $549, the leaker now says; 1TB stays $699.",
        ),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_write_up_that_repeats_another_leak_does_not_bring_two_stories_together() -> None:
    """The S33 Ultra's periscope and its battery are two leaks, though each write-up repeats
    the other's figures; a report brings two stories together only when their titles agree."""
    found = stories(
        ("Galaxy S33 Ultra camera: 200MP 4x periscope", "#GalaxyS33Ultra one 200MP 4x periscope."),
        ("Galaxy S33 Ultra: 5500mAh, 60W", "S33U 5500mAh 60W. That's it."),
        (
            "【S33 Ultra 影像】2亿像素 4倍潜望",
            "#三星S33Ultra# 一颗 2亿 4倍潜望。电池 5500mAh 60W 不变。",
        ),
        (
            "Galaxy S33 Ultra to get a bigger 5,500mAh battery",
            "5,500mAh with 60W charging. It also drops to a single 200MP 4x periscope.",
        ),
        (
            "Galaxy S33 Ultra to swap two telephotos for a single 200MP 4x periscope",
            "Samsung will use one 200MP 4x periscope. The S33 Ultra also gets a 5,500mAh "
            "battery with 60W charging, per the same tipster.",
        ),
    )
    assert found[0] == found[2] == found[4] != found[1] == found[3], found


def test_another_leak_told_in_passing_is_not_the_post_s_claim() -> None:
    """'昨日另有消息称 … 8 英寸 LCD' tells the handheld's screen leak in passing: the console
    APU's report is not the screen's story."""
    found = stories(
        ("索尼 PS7 掌机屏幕曝光：8 英寸 1080p LCD", "PS7 掌机将采用 8 英寸 1080p LCD 屏幕。"),
        ("PS7 掌機傳用 8 吋 LCD 螢幕", "爆料指 PS7 掌機將採用 8 吋 LCD 螢幕。"),
        (
            "消息称索尼 PS7 主机芯片 Orion 拥有 54 组计算单元",
            "爆料人称，PS7 主机 APU 代号 Orion，频率约 3.0GHz。昨日另有消息称 PS7 掌机采用 8 "
            "英寸 LCD。",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_an_opinion_piece_that_weighs_the_figures_is_its_own_story() -> None:
    """'该怎么选' (which should it pick) weighs two leaked prices; it reports neither."""
    found = stories(
        ("PS7 will cost $649, says leaker", "The PlayStation 7 will cost $649 in the US."),
        ("PS7 售价曝光：649 美元", "爆料人称 PS7 美国售价为 649 美元。"),
        (
            "PS7 定价之争：599 还是 649，索尼该怎么选？",
            "最近关于 PS7 定价的爆料反复横跳，先是 599 美元，后又改口 649 美元。"
            "笔者认为很难再低价。",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_a_model_written_with_a_dash_is_a_model() -> None:
    """Fujifilm's X-T7 is one camera in English and Chinese, and not Canon's R8 Mark II,
    whose story has the same 40MP claim."""
    found = stories(
        ("Canon EOS R8 Mark II to get a 40MP stacked sensor", "A 40MP stacked APS-C sensor."),
        ("佳能 EOS R8 Mark II 传闻：4000万像素堆栈式传感器", "佳能 EOS R8 Mark II 4000万像素。"),
        (
            "Fujifilm X-T7 Said to Get a Stacked 40MP Sensor",
            "The X-T7 moves to a 40MP stacked sensor, like Canon's EOS R8 Mark II.",
        ),
        ("富士X-T7将采用4000万像素堆栈式传感器", "富士 X-T7 将采用 4000 万像素堆栈式传感器。"),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_figure_called_an_old_target_is_what_the_post_corrects() -> None:
    """'The $499 number was an old target' quotes $499 as old: the post is the $449 story."""
    found = stories(
        ("Meta plans $499 price for Quest 5", "Meta will price the Quest 5 at $499."),
        ("Meta Quest 5 傳定價 499 美元", "Meta Quest 5 預計定價 499 美元。"),
        ("Quest 5 is $449 retail. The $499 number was an old target.", "Retail: $449."),
        ("Quest 5 Will Cost $449, Not $499, Leaker Claims", "Meta's Quest 5 will retail for $449."),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_number_after_a_comma_is_a_sibling_only_when_it_is_of_its_kind() -> None:
    """'six Zen 7 cores and 16 RDNA 6 CUs' after the Steam Deck 3 is no 'Deck 16', which would
    name another model in the titles; 'Xiaomi 25 and 25 Pro' still are two models."""
    found = stories(
        ("Steam Deck 3 APU", "Valve 'Marigold' for Steam Deck 3: Zen 7 6C/12T, RDNA 6 16CU."),
        (
            "Steam Deck 3 to use custom AMD APU with six Zen 7 cores and 16 RDNA 6 CUs",
            "Valve's Steam Deck 3 gets a semi-custom AMD APU with six Zen 7 cores and 16 RDNA 6 "
            "compute units.",
        ),
        (
            "Valve Steam Deck 3 'Marigold' APU Specs Leak: 6 Zen 7 Cores, 16 RDNA 6 CUs",
            "A custom AMD chip with 6 cores and 12 threads on Zen 7 and a 16 CU RDNA 6 iGPU.",
        ),
        ("Steam Deck 3 處理器曝光：6 核 Zen 7、16 CU RDNA 6", "Steam Deck 3 將採用 6 核 Zen 7。"),
    )
    assert len(set(found)) == 1, found
    reader = Reader()
    assert reader.read("Xiaomi 25 and 25 Pro launch date", "").headline == (
        "xiaomi 25",
        "xiaomi 25 pro",
    )


def test_a_write_up_that_repeats_a_price_does_not_join_the_price_story_told_backwards() -> None:
    """'PS7 Orion APU specs: 8 Zen 7 cores' repeats the $699 price story in its text; told
    the other way round, the price reports find a third of their claims in it, not half."""
    found = stories(
        (
            "Sony's PlayStation 7 will cost $699, leaker says",
            "The PlayStation 7, rumored to launch this fall with a custom AMD chip, will cost "
            "$699 in the US and €699 in Europe, with the UK at £629.",
        ),
        (
            "PS7 price leaks: $699 in the US",
            "Sony's PS7 will cost $699 in the US and €699 in Europe when it launches this fall "
            "with a custom AMD chip, per billbil-kun.",
        ),
        (
            "PS7 Orion APU Specs Leak: 8 Zen 7 Cores, 64 RDNA 6 Compute Units",
            "Sony's PS7 APU, codenamed Orion, has eight Zen 7 CPU cores and a 64 CU GPU clocked "
            "up to 3.2 GHz on a 256-bit GDDR8 bus. It is expected to cost $699 at launch.",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_a_title_s_region_or_part_of_a_month_says_which_leak_it_is() -> None:
    """'China price: CNY 6,999' is not the launch story because both say China; 'launch in
    mid-April' is not the camera story its text repeats; 'late October' is October 28."""
    found = stories(
        (
            "Xiaomi 19 Ultra launch date tipped: February 26",
            "The Xiaomi 19 Ultra will be announced in China on February 26, with a 1-inch main "
            "camera and a 7,800mAh battery, ahead of MWC.",
        ),
        ("小米 19 Ultra 傳 2 月 26 日發表", "小米 19 Ultra 將在 2 月 26 日於北京發表。"),
        (
            "Xiaomi 19 Ultra China price leaks: CNY 6,999, no increase",
            "The Xiaomi 19 Ultra starts at CNY 6,999 in China. It launches on February 26 with a "
            "1-inch camera and a 7,800mAh battery.",
        ),
    )
    assert found[0] == found[1] != found[2], found
    found = stories(
        ("vivo X500 Ultra to have two 200MP periscope cameras", "Two 200MP periscopes, 3x, 10x."),
        ("vivo X500 Ultra 傳搭載雙 2 億像素潛望鏡頭", "vivo X500 Ultra 雙 2 億像素潛望長焦。"),
        (
            "vivo X500 Ultra launch tipped for mid-April",
            "The vivo X500 Ultra will be unveiled in mid-April; it has two 200MP periscopes.",
        ),
        ("消息称vivo X500 Ultra将于4月中旬发布", "此前消息称该机配备双2亿像素潜望。"),
    )
    assert found[0] == found[1] != found[2] == found[3], found
    assert one(
        ("OnePlus 21 to launch in China on October 28", "OnePlus will unveil it on October 28."),
        ("一加21 被曝 10 月 28 日发布", "一加21 将于 10 月 28 日在国内发布。"),
        ("OnePlus 21 launch date leaks: late October in China", "On October 28, a leaker says."),
    )


def test_a_gpu_die_code_is_neither_a_model_nor_a_memory_size() -> None:
    """'RTX 9080: GB403, 450W TGP' is the RTX 9080 (not 9080 GB of memory and a 'GB 403')."""
    assert one(
        ("RTX 9080: GB403, 450W TGP.", ""),
        ("NVIDIA RTX 9080 TGP reportedly set at 450W", "The RTX 9080 draws 450W, a leaker says."),
    )


def test_a_chinese_month_is_one_to_twelve_and_its_middle_may_be_written_short() -> None:
    """'2 月中' is mid-February; in '一加21 月尾发布' the 21 is the phone, not a month."""
    assert one(
        ("Oppo Find N8 launch tipped for mid-February", "The Find N8 arrives in mid-February."),
        ("OPPO Find N8 傳 2 月中發布", "OPPO Find N8 將於 2 月中發布。"),
    )
    assert one(
        ("OnePlus 21 to launch at the end of the month in China", "A late-month launch."),
        ("一加21 月尾內地發佈", "OnePlus 21 傳將於月尾在內地發佈。"),
    )


def test_a_day_after_its_month_is_a_date_whatever_model_has_that_number() -> None:
    """'Xiaomi 25 … September 25': the 25 after September is a day, though the phone is a 25."""
    assert one(
        ("Xiaomi 25 series launch date tipped: September 25", "Xiaomi will launch it in China."),
        ("小米25 系列定档 9月25日", "小米25 系列 9 月 25 日发布。"),
    )


def test_a_tipster_s_bare_model_number_is_the_model_named_by_it() -> None:
    """'9080: GR303, 20G, 320bit' is the RTX 9080 of the write-ups, whichever came first, and
    '9070 still 12G, 192bit' the RTX 9070."""
    posts = (
        ("RTX 9080 to get 20GB GDDR8 and a 320-bit bus", "The RTX 9080 moves to 20GB on 320-bit."),
        ("9080: GR303, 20G, 320bit", ""),
        ("NVIDIA RTX 9070 stays at 12GB on a 192-bit bus", "The RTX 9070 keeps 12GB, 192-bit."),
        ("9070 still 12G, 192bit", ""),
    )
    found = stories(*posts)
    assert found[0] == found[1] != found[2] == found[3], found
    found = stories(posts[1], posts[0], posts[3], posts[2])
    assert found[0] == found[1] != found[2] == found[3], found


def test_leftover_html_and_accents_are_read_as_their_text() -> None:
    """'Garmin fēnix 10 leak: 1.5&quot; AMOLED' is the Fenix 10's AMOLED story."""
    assert one(
        ("Garmin fēnix 10 leak: AMOLED &amp; solar, from $999", ""),
        ("Garmin Fenix 10 to combine AMOLED and solar, start at $999", "From $999."),
    )


def test_a_report_that_compares_two_phones_does_not_bring_their_stories_together() -> None:
    """'Z Fold 17 could be thinner than the Magic V11' names both phones' thickness leaks;
    each phone's story stays its own."""
    found = stories(
        ("Galaxy Z Fold17 thickness", "Galaxy Z Fold17: 7.5mm folded, 3.6mm unfolded."),
        (
            "Galaxy Z Fold 17 will be just 7.5mm thick when folded",
            "The Galaxy Z Fold 17 will measure 7.5mm folded and 3.6mm unfolded.",
        ),
        ("荣耀 Magic V11 厚度", "荣耀 Magic V11 折叠 7.1mm，展开 3.2mm。三星那个 7.5 我看到了。"),
        (
            "Honor Magic V11 to be 7.1mm thick folded, thinner than Galaxy Z Fold 17",
            "The Honor Magic V11 measures 7.1mm folded and 3.2mm unfolded. That would undercut "
            "the 7.5mm Galaxy Z Fold 17.",
        ),
        (
            "Samsung's Galaxy Z Fold 17 could be thinner than the Honor Magic V11",
            "Samsung's next foldable is tipped at 7.5mm folded and 3.6mm open, close to the "
            "thinnest Honor.",
        ),
    )
    assert found[0] == found[1] == found[4] != found[2] == found[3], found


def test_an_analyst_s_quarter_is_a_date_and_worth_waiting_is_an_opinion() -> None:
    """'pushed to 3Q35' is Q3: not the M8 Max's GPU story; '值得等吗' weighs leaks."""
    found = stories(
        (
            "M8 Max GPU 增至 48 核心　OLED MacBook Pro 有望首發",
            "Apple M8 Max 的 GPU 將增至 48 核心。",
        ),
        (
            "M8 Max chip to feature 48-core GPU",
            "The M8 Max will have 48 GPU cores for the OLED MacBook Pro.",
        ),
        (
            "OLED MacBook Pro mass production pushed to 3Q35; launch likely October",
            "Panel yield is below target, so Apple moved the OLED MacBook Pro with M8 Pro and M8 "
            "Max to 3Q35.",
        ),
        ("M8 Max 值得等吗？聊聊 OLED MacBook Pro", "M8 Max 的 GPU 48 核心，OLED 屏也传要推迟。"),
    )
    assert found[0] == found[1] and len({found[0], found[2], found[3]}) == 3, found


def test_a_bare_model_number_is_no_claim_of_the_title_and_a_plus_before_a_colon_is_the_model() -> (
    None
):
    """'9090 公版 TGP 700W' claims 700W of the RTX 9090, not a figure 9090; 'Dimensity 9950+:
    4.7 GHz' is the Dimensity 9950+."""
    assert one(
        ("RTX 9090 功耗飙到 700W", "RTX 9090 公版功耗 700W，需要两个 16Pin。"),
        ("9090 公版 TGP 700W，双 12V-2x6", ""),
    )
    assert one(
        ("MediaTek Dimensity 9950+ tipped with a 4.7GHz prime core", "4.7GHz and 4.5M in AnTuTu."),
        ("Dimensity 9950+: 4.7 GHz and 4.5M AnTuTu points leaked", ""),
    )


def test_a_cpu_s_own_letter_is_no_figure_and_a_core_layout_is_no_model() -> None:
    """'Core Ultra 9 685K' is the 685K, not 685 thousand: its clock story is not its cores
    story; '8P + 16E + 4LPE' is a core layout, and '[GB6 CPU]' a benchmark."""
    found = stories(
        ("Core Ultra 9 685K: 8P + 16E + 4LPE = 28C", ""),
        (
            "Intel Core Ultra 9 685K to have 28 cores, leaker says",
            "Intel's Core Ultra 9 685K will have 28 cores: 8 P-cores, 16 E-cores, 4 LP E-cores.",
        ),
        (
            "Intel Core Ultra 9 685K to boost to 6.3 GHz at 280W",
            "The Core Ultra 9 685K will boost to 6.3 GHz on its P-cores, with 28 cores in all.",
        ),
        ("酷睿 Ultra 9 685K 最高睿频 6.3GHz", "酷睿 Ultra 9 685K P 核最高 6.3GHz，PL2 280W。"),
    )
    assert found[0] == found[1] != found[2] == found[3], found
    assert one(
        (
            "[GB6 CPU] Intel Core Ultra 7 665K",
            "CPU: Intel Core Ultra 7 665K (20C 20T)<br>Single: 3950",
        ),
        (
            "Intel Core Ultra 7 665K leaks in Geekbench",
            "The Core Ultra 7 665K scored 3950 single-core in Geekbench 6, per a benchmark leak.",
        ),
    )


def test_a_round_up_of_the_rumours_so_far_and_a_column_are_their_own_stories() -> None:
    """'Pixel 15 Pro: all the rumors so far', 'The Pixel 15 Pro doesn't need a bigger
    battery' and '评论：...' weigh the leaks they repeat; none is the battery story."""
    leak = (
        ("Pixel 15 Pro battery: 5,600mAh", "Google Pixel 15 Pro gets a 5,600mAh battery, 45W."),
        (
            "Google Pixel 15 Pro to pack a 5,600mAh battery",
            "The Pixel 15 Pro will have a 5,600mAh battery with 45W charging, a tipster says.",
        ),
    )
    for aside in (
        (
            "Pixel 15 Pro: all the rumors so far",
            "A 5,600mAh battery, 45W charging, the Tensor G7: here is every rumor.",
        ),
        (
            "The Pixel 15 Pro doesn't need a bigger battery",
            "The rumored 5,600mAh battery and 45W charging miss what users want.",
        ),
        ("评论：Pixel 15 Pro 电池 5600mAh，还不够", "Pixel 15 Pro 传 5600mAh 电池、45W 快充。"),
        (
            "【本周爆料】Pixel 15 Pro 电池、Galaxy S40 Ultra 潜望、iPhone 28 Pro 价格",
            "本周重点：Pixel 15 Pro 电池 5600mAh，45W 快充；S40 Ultra 2 亿潜望。",
        ),
        (
            "Week in leaks: Pixel 15 Pro, Galaxy S40 Ultra and iPhone 28 Pro",
            "The Pixel 15 Pro gets a 5,600mAh battery and 45W charging, the S40 Ultra a 200MP "
            "periscope.",
        ),
    ):
        found = stories(*leak, aside)
        assert found[0] == found[1] != found[2], (aside[0], found)


def test_two_laptops_with_one_gpu_are_two_stories_whatever_their_line() -> None:
    """ROG's Strix SCAR (枪神) is a laptop line: its RTX 8090 Laptop story is not the Legion
    9i's, though both name the GPU."""
    found = stories(
        (
            "ROG Strix SCAR 20 2036 將搭 RTX 8090 Laptop GPU",
            "ASUS ROG Strix SCAR 20 2036 將搭載 RTX 8090 Laptop GPU，CES 發表。",
        ),
        (
            "Lenovo Legion 9i Gen 14 teased with RTX 8090 Laptop GPU",
            "Lenovo's Legion 9i Gen 14 will run an RTX 8090 Laptop GPU, out at CES 2036.",
        ),
        (
            "ASUS ROG Strix SCAR 20 (2036) to feature RTX 8090 Laptop GPU",
            "The ROG Strix SCAR 20 2036 will be among the first laptops with the RTX 8090 Laptop "
            "GPU. Lenovo's Legion 9i Gen 14 gets it too.",
        ),
        ("ROG枪神 SCAR 20 2036款曝光：RTX 8090笔记本显卡", "ROG枪神 SCAR 20 2036款搭载 RTX 8090。"),
        (
            "联想拯救者 Legion 9i Gen 14 预热：RTX 8090 Laptop",
            "Legion 9i Gen 14 搭载 RTX 8090，18 英寸。",
        ),
    )
    assert found[0] == found[2] == found[3] != found[1] == found[4], found


@pytest.mark.parametrize(
    "posts",
    [
        (  # a Four Thirds sensor is no 3-inch one, and "1/1.3" no sibling of the model
            ("#DJI #Air5Pro: 4/3 CMOS 50MP main, 1-inch 70mm, 1/1.3 166mm", ""),
            (
                "大疆 Air 5 Pro 影像曝光：4/3 英寸 5000 万像素主摄",
                "大疆 Air 5 Pro 主摄 4/3 英寸 5000 万像素，1 英寸 70mm 中长焦，1/1.3 英寸长焦。",
            ),
        ),
        (  # "the second half of May" is late May, not the year's second half
            ("天玑 8950 规格", "天玑 8950：3.6GHz 超大核，台积电 N2P，5 月下旬发布。"),
            (
                "Dimensity 8950 CPU configuration and launch window revealed",
                "The Dimensity 8950 has a 3.6GHz prime core on N2P and should launch in the "
                "second half of May.",
            ),
        ),
        (  # 5.12M and 512 万 are one score
            ("麒麟9200 安兔兔 512万", "麒麟9200 工程机 AnTuTu 512万分。"),
            ("Huawei Kirin 9200 hits 5.12M in AnTuTu", "The Kirin 9200 scored 5.12M points."),
        ),
        (  # "in May" is a month
            ("iPad mini with M6 launching in May", "Apple will release the M6 iPad mini in May."),
            ("古尔曼：M6 iPad mini 将于 5 月发布", "苹果将于 5 月推出搭载 M6 的 iPad mini。"),
        ),
        (  # an analyst's "1H36" is the first half
            ("MacBook Air M10 now 1H36", "Our checks show the M10 MacBook Air moved to 1H36."),
            (
                "分析师：M10 MacBook Air 推迟至 2036 年上半年",
                "M10 MacBook Air 推迟至 2036 年上半年。",
            ),
        ),
        (  # "Extreme" is a suffix
            ("Z4 Extreme 跑分来了", "Z4 Extreme 3DMark Time Spy 跑了 6100 分"),
            ("AMD Ryzen Z4 Extreme scores 6,100 in 3DMark Time Spy", ""),
        ),
        (  # "AI Max" is a line
            (
                "【AMD】顶配叫 Ryzen AI Max 595",
                "GPU 64CU RDNA5，内存 LPDDR6 512bit，功耗 55-120W 可调 #AMD#",
            ),
            (
                "AMD Ryzen AI Max 595 to pack 64 RDNA 5 CUs and 512-bit LPDDR6",
                "AMD's next big APU will be sold as the Ryzen AI Max 595, with a 512-bit bus.",
            ),
        ),
    ],
)
def test_formats_halves_millions_and_lines_are_read_as_meant(
    posts: tuple[tuple[str, str], ...],
) -> None:
    assert one(*posts)


def test_a_title_whose_figures_the_story_holds_joins_it_whatever_its_text_repeats() -> None:
    """'小米 27 系列定档 9 月 26 日' is the launch-date story, though its text repeats the
    battery and camera leaks of the week; the battery story stays its own."""
    found = stories(
        ("小米27 Pro 电池 7500", "小米27 Pro：7500mAh，100W 有线。"),
        ("小米27 系列 9.26", "小米27 / 27 Pro / 27 Ultra 同场，9月26日 发布会。"),
        (
            "小米 27 系列定档 9 月 26 日，三款机型同场发布",
            "博主今日爆料，小米 27 系列将于 9 月 26 日发布。此前消息称小米 27 Pro 配备 "
            "7500mAh 电池和 1 英寸主摄，小米 27 Ultra 配备 2 亿像素潜望长焦，首发新一代骁龙。",
        ),
    )
    assert found[1] == found[2] != found[0], found


def test_a_title_is_about_the_chip_a_device_s_possessive_names_and_a_tri_fold_s_number() -> None:
    """'Pixel 20's Tensor G15 moves to 2nm' is the Tensor G15's story; '華為三摺疊 Mate XT4'
    is the Mate XT4, not a tri-fold without a number."""
    assert one(
        (
            "Exclusive: Tensor G15 details leak, TSMC N2P and a 1+5+2 CPU",
            "Leaked documents show the Tensor G15 in the Pixel 20 series is built on TSMC N2P.",
        ),
        (
            "Report: Pixel 20's Tensor G15 moves to TSMC 2nm with 1+5+2 CPU",
            "The Tensor G15 will be fabbed on TSMC N2P with a 4.4GHz prime core.",
        ),
    )
    assert one(
        ("Mate XT4 展开3.3mm", "#华为MateXT4# 三折叠，展开最薄处 3.3mm，重量 270g 左右。"),
        ("Huawei Mate XT4 tri-fold to measure 3.3mm unfolded", "The Mate XT4 is 3.3mm unfolded."),
        ("華為三摺疊 Mate XT4 展開厚度傳僅 3.3mm", "華為第四代三摺疊 Mate XT4 展開後僅 3.3mm。"),
    )


def test_a_chip_maker_s_line_a_title_names_says_the_story_is_the_device_s_chip() -> None:
    """'Quest 6 = Snapdragon XR5+ Gen 1' names no chip model the reader knows, but it says
    the headset's chip, as '骁龙 XR5+ 第一代' does."""
    assert one(
        ("Quest 6 = Snapdragon XR5+ Gen 1. Confirmed in firmware.", "Two SKUs, both on XR5+."),
        (
            "Meta Quest 6 will use Snapdragon XR5+ Gen 1, firmware strings suggest",
            "Meta's Quest 6 headsets will both run on Qualcomm's Snapdragon XR5+ Gen 1.",
        ),
        ("Meta Quest 6 头显芯片曝光：骁龙 XR5+ 第一代", "Meta Quest 6 两款型号都将采用骁龙 XR5+。"),
    )


def test_a_title_that_asks_the_reader_s_opinion_is_its_own_story() -> None:
    """'Pixel 15 Pro 上 5600mAh，你们还在意重量吗？' asks, it does not report; a tipster's
    'Pixel 15 Pro 5600mAh??' does."""
    leak = (
        ("Pixel 15 Pro battery: 5,600mAh", "Google Pixel 15 Pro gets a 5,600mAh battery, 45W."),
        ("谷歌 Pixel 15 Pro 电池 5600mAh", "Pixel 15 Pro 电池 5600mAh，45W 快充。"),
    )
    for asking in (
        ("Pixel 15 Pro 上 5600mAh 了，你们还在意重量吗？", "Pixel 15 Pro 5600mAh，45W。"),
        ("A 5,600mAh Pixel 15 Pro: do we really need it?", "5,600mAh and 45W on the Pixel."),
    ):
        found = stories(*leak, asking)
        assert found[0] == found[1] != found[2], (asking[0], found)
    assert one(*leak, ("Pixel 15 Pro 5600mAh??", "Pixel 15 Pro 5600mAh 45W"))


@pytest.mark.parametrize(
    "posts",
    [
        (  # a model code is no other model
            ("ROG ALLY 4 RC76L $949.99 #ROGAlly4", ""),
            (
                "Asus ROG Ally 4 price leaks via retailer listing: $949",
                "A US retailer lists the ROG Ally 4 at $949.99.",
            ),
        ),
        (  # a family written member by member, on either side
            ("Exynos 2800 in S36 / S36+", "Exynos 2800 will power S36 / S36+ in Europe & Korea."),
            (
                "Galaxy S36 and S36+ will use the Exynos 2800 in Europe and Korea",
                "Samsung will use its Exynos 2800 in the Galaxy S36 and S36+ sold in Europe and "
                "Korea, a tipster says.",
            ),
        ),
        (  # a price in euros with a decimal comma
            ("PS7 EU: 649,99€ digital / 749,99€ disc. That's it.", ""),
            ("PS7 Price Leaks: €649.99 For Digital Edition, €749.99 With Disc Drive", ""),
        ),
    ],
)
def test_codes_families_and_euro_cents_are_read_as_meant(
    posts: tuple[tuple[str, str], ...],
) -> None:
    assert one(*posts)


def test_a_maker_s_possessive_and_a_family_member_by_member_keep_stories_apart() -> None:
    """'Xbox Ally 3 will use AMD's Ryzen Z5 Extreme' is the handheld's chip story, not the
    Z5 Extreme's spec story; 'Galaxy S37 and S37+ both get 45W' is not the S37 Ultra's."""
    found = stories(
        ("Z5 Extreme 规格", "AMD 锐龙 Z5 Extreme：12 核心 Zen 9，TDP 15-35W，给掌机的。"),
        (
            "AMD Ryzen Z5 Extreme handheld APU gets 12 Zen 9 cores",
            "AMD's next handheld chip, the Ryzen Z5 Extreme, will have 12 Zen 9 cores, 15-35W.",
        ),
        (
            "Xbox Ally 3 will use AMD's Ryzen Z5 Extreme, sources say",
            "The Xbox Ally 3 will run on AMD's Ryzen Z5 Extreme, the chip that leaked yesterday "
            "with 12 Zen 9 cores at 15-35W.",
        ),
    )
    assert found[0] == found[1] != found[2], found
    found = stories(
        ("S37U 5500mAh 65W. That's it.", ""),
        (
            "Galaxy S37 Ultra to get a 5,500mAh battery and 65W charging",
            "The Galaxy S37 Ultra will come with a 5,500mAh cell and 65W, up from 45W.",
        ),
        (
            "Galaxy S37 and S37+ will both support 45W charging",
            "Both the Galaxy S37 and S37+ get 45W, a day after the S37 Ultra was tipped for 65W "
            "and a 5,500mAh battery.",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_minutes_are_a_figure_and_guides_and_explainers_are_asides() -> None:
    """'续航更正为 48 分钟，而非 52 分钟' corrects the 52-minute story; a buyer's guide, a 'top
    stories' round-up and a 'Why ...' explainer join no story."""
    found = stories(
        ("大疆 Mavic 7 Pro 续航曝光：52 分钟", "爆料人称大疆 Mavic 7 Pro 最长飞行时间 52 分钟。"),
        ("DJI Mavic 7 Pro flight time leaks: 52 minutes", "The Mavic 7 Pro flies for 52 minutes."),
        ("大疆 Mavic 7 Pro 续航更正为 48 分钟，而非 52 分钟", "Mavic 7 Pro 实际续航为 48 分钟。"),
        ("DJI Mavic 7 Pro 續航更正為 48 分鐘", "爆料者更正指 Mavic 7 Pro 飛行時間為 48 分鐘。"),
    )
    assert found[0] == found[1] != found[2] == found[3], found
    leak = (
        ("Pixel 15 Pro battery: 5,600mAh", "Google Pixel 15 Pro gets a 5,600mAh battery, 45W."),
        ("谷歌 Pixel 15 Pro 电池 5600mAh", "Pixel 15 Pro 电池 5600mAh，45W 快充。"),
    )
    for aside in (
        ("Pixel Buyer's Guide: wait for the Pixel 15 Pro?", "A 5,600mAh battery is tipped."),
        ("Top Stories: Pixel 15 Pro battery, Galaxy S40 price", "The Pixel 15 Pro gets 5,600mAh."),
        ("Why the Pixel 15 Pro's 5,600mAh battery matters", "5,600mAh and 45W at last."),
    ):
        found = stories(*leak, aside)
        assert found[0] == found[1] != found[2], (aside[0], found)


def test_two_chips_a_title_names_are_compared_not_one_story() -> None:
    """'Ryzen 9 13950X3D Geekbench leak: beats Core Ultra 9 685K' is the 13950X3D's score
    story, not the 685K's, whose write-up names the 13950X3D too (a CPU named by its number
    is a chip)."""
    found = stories(
        ("Intel Core Ultra 9 685K (24C/32T) GB6: 4312 / 32866 #Intel", ""),
        ("AMD Ryzen 9 13950X3D (16C/32T) GB6: 4158 SC / 34412 MC", ""),
        (
            "Intel Core Ultra 9 685K spotted on Geekbench with 4,312 single-core score",
            "Intel's Core Ultra 9 685K scored 4,312 single-core and 32,866 multi-core in "
            "Geekbench 6. Yesterday, AMD's Ryzen 9 13950X3D was reported to carry 192MB of L3.",
        ),
        (
            "AMD Ryzen 9 13950X3D Geekbench Leak: 34,412 Multi-Core, Beats Core Ultra 9 685K",
            "The Ryzen 9 13950X3D scored 4,158 single-core and 34,412 multi-core, ahead of the "
            "Core Ultra 9 685K's 32,866 but behind its 4,312 single-core.",
        ),
    )
    assert found[0] == found[2] != found[1] == found[3], found


def test_a_bare_year_is_no_figure_a_story_holds_for_a_title() -> None:
    """'PlayStation 8 Portable: release date April 9, 2042' is not the PS8 Pro's GPU story,
    though the GPU story's texts say 2042 too."""
    found = stories(
        (
            "PS8 Pro GPU: 128 CUs, ~3.4GHz, around 50 TFLOPs",
            "Multiple sources now. PS8 Pro GPU is 128 CU, up from 80 CU in the base PS8. Sony "
            "targeting holiday 2042 at the earliest.",
        ),
        (
            "PS8 Pro to feature 128 Compute Unit GPU, sources claim",
            "Sony's PlayStation 8 Pro will feature a 128 CU GPU clocked at up to 3.4GHz.",
        ),
        (
            "PS8 Pro GPU Rumored With 128 CUs, 60% More Than Base PS8",
            "The PlayStation 8 Pro's GPU will pack 128 Compute Units at 3.4 GHz. Sony's PS8 "
            "Portable is expected to launch in 2042.",
        ),
        ("PlayStation 8 Portable: release date April 9, 2042", "Reveal in March. #PS8Portable"),
        (
            "PlayStation 8 Portable release date leaks: April 9, 2042",
            "Sony's PS8 Portable will release worldwide on April 9, 2042, after a reveal in March.",
        ),
    )
    assert found[0] == found[1] == found[2] != found[3] == found[4], found


@pytest.mark.parametrize(
    "posts",
    [
        (  # 萬像, short for 萬像素, is megapixels
            ("Correction: EOS R8 Mark III is 36MP, not 45MP", "Our source says 36MP, not 45MP."),
            (
                "EOS R8 Mark III 傳聞更正：3600 萬像而非 4500 萬像",
                "更正指 EOS R8 Mark III 3600 萬像。",
            ),
        ),
        (  # "至尊版Gen8" glued is Gen 8
            (
                "#骁龙8至尊版Gen8# GB6 跑分",
                "#骁龙8至尊版Gen8# 工程机 GB6：单核 4450+，多核 13900+。",
            ),
            (
                "Snapdragon 8 Elite Gen 8 posts 4,450 single-core on Geekbench 6",
                "An engineering sample of the Snapdragon 8 Elite Gen 8 scored 4,450 and 13,900.",
            ),
        ),
        (  # GFX is Fujifilm's line, not a model code
            (
                "富士GFX100 V售价曝光：8499美元",
                "另有消息称X100IX将升级传感器。GFX100 V 售价 8499 美元。",
            ),
            (
                "GFX100 V price: $8,499 body only",
                "The GFX100 V will cost $8,499 body only in the US.",
            ),
        ),
    ],
)
def test_short_chinese_units_glued_generations_and_camera_lines_are_read(
    posts: tuple[tuple[str, str], ...],
) -> None:
    assert one(*posts)


def test_a_device_s_story_and_a_chip_s_are_brought_together_only_by_titles_that_name_both() -> None:
    """'Galaxy S40 Ultra benchmark: overclocked Snapdragon beats Exynos 3000' reports the S40
    Ultra's score; it does not bring in the Exynos 3000's own Geekbench story."""
    found = stories(
        (
            "Exynos 3000 (S5E9995) on Geekbench: 3,720 / 11,980",
            "Exynos 3000 ref board on GB6<br>Single 3720 / Multi 11980<br>10 cores, 4.1GHz.",
        ),
        (
            "Exynos 3000 Geekbench 6 scores leak: 3,720 single-core, 11,980 multi-core",
            "Samsung's Exynos 3000 scored 3,720 single-core and 11,980 multi-core. It is expected "
            "in the Galaxy S40 and S40+ in some markets; the Galaxy S40 Ultra uses Snapdragon.",
        ),
        (
            "Galaxy S40 Ultra spotted on Geekbench with Snapdragon 8 Elite Gen 14 for Galaxy",
            "The Galaxy S40 Ultra scored 4,010 single-core and 12,650 multi-core with 16GB of "
            "RAM. Yesterday the Exynos 3000, meant for the S40 and S40+, scored 3,720 and 11,980.",
        ),
        (
            "Galaxy S40 Ultra benchmark: overclocked Snapdragon beats Exynos 3000",
            "The Galaxy S40 Ultra posted 4,010 and 12,650 points in Geekbench, against the "
            "Exynos 3000's 3,720 and 11,980.",
        ),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_tipster_s_nod_to_an_earlier_leak_is_not_the_post_s_claim() -> None:
    """'前天说的3C 120W也对上了' points back at the certification story; the post is the
    display story."""
    found = stories(
        ("小米平板10 Pro 入网3C，120W", "#小米平板10Pro# 3C 认证来了，支持 120W 有线快充。"),
        (
            "Xiaomi Pad 10 Pro gets 3C certification with 120W fast charging",
            "The Xiaomi Pad 10 Pro has cleared 3C, which confirms 120W wired charging.",
        ),
        (
            "小米平板10 Pro 屏幕",
            "小米平板10 Pro：12.1英寸 3.2K OLED，144Hz，首次上OLED。前天说的3C 120W也对上了。",
        ),
        (
            "Xiaomi Pad 10 Pro to switch to a 12.1-inch 3.2K OLED display",
            "The Pad 10 Pro gets a 12.1-inch 3.2K OLED panel at 144Hz, with 120W charging.",
        ),
    )
    assert found[0] == found[1] != found[2] == found[3], found


@pytest.mark.parametrize(
    "posts",
    [
        (  # a model ends an "earlier" cue: what is said of it is the claim
            ("Correction: Galaxy S41 Ultra battery is 6,200mAh, not 5,700", ""),
            (
                "Galaxy S41 Ultra battery is actually 6,200mAh, tipster corrects",
                "Ice Universe has corrected his earlier claim: the Galaxy S41 Ultra packs a 6,200 "
                "mAh battery, not 5,700 mAh as reported last week.",
            ),
        ),
        (  # Chinese ordinals past ten
            ("第十二代骁龙8s 安兔兔 380万+", "8s Gen 12 跑分 380万+，比上代高 20%。"),
            ("Snapdragon 8s Gen 12 AnTuTu score leaks: over 3.8 million", ""),
        ),
        (  # a line and its model are no model code
            ("Arc C880 24GB 40Xe4", ""),
            (
                "Intel Arc C880 with 40 Xe4 cores and 24GB memory appears in shipping manifest",
                "Intel's Arc C880 will pack 24GB of memory. The Core Ultra 9 690K shipped too.",
            ),
        ),
        (  # the Leica Q5 is a camera, not a quarter, and a launch a title is ahead of is context
            ("Leica Q5 price: $7,995, announcement March 10", "The Leica Q5 will cost $7,995."),
            ("徕卡Q5售价曝光：7995美元", "外媒称徕卡Q5美国售价为7995美元，3月10日发布。"),
            ("Leica Q5 to cost $7,995 ahead of March 10 launch", "The Q5 will be $7,995."),
        ),
    ],
)
def test_cues_ordinals_lines_and_cameras_are_read_as_meant(
    posts: tuple[tuple[str, str], ...],
) -> None:
    assert one(*posts)


def test_a_monochrom_is_its_own_camera() -> None:
    """'Leica Q5 Monochrom coming in January' is not the Leica Q5's price story."""
    found = stories(
        ("Leica Q5 price: $7,995", "The Leica Q5 will cost $7,995 in the US."),
        ("Leica Q5 Monochrom coming in January with 60MP mono sensor", "60MP, January."),
        ("Leica Q5 Monochrom 傳一月登場", "Leica Q5 黑白版傳聞 1 月發佈，6000 萬像素。"),
    )
    assert found[0] != found[1] == found[2], found


def test_two_devices_that_share_a_chip_keep_their_stories() -> None:
    """'M11 MacBook Air 明年 2 月发布' reports the MacBook Air's launch; it does not bring in
    the M11 iPad Pro's March launch story, though both are written chip first."""
    found = stories(
        (
            "iPad Pro (M11) mass production to begin in January, launch in 1Q38 (likely March)",
            "My survey indicates iPad Pro M11 mass production will start in January 2038, with "
            "launch likely in March.",
        ),
        ("郭明錤：M11 iPad Pro明年3月发布", "分析师郭明錤表示，搭载M11芯片的iPad Pro将于3月发布。"),
        (
            "MacBook Air M11 to launch in February, ahead of iPad Pro",
            "Apple plans to release the M11 MacBook Air in February 2038, a month before the M11 "
            "iPad Pro. Both 13-inch and 15-inch models will be updated.",
        ),
        (
            "消息称苹果 M11 MacBook Air 明年 2 月发布，13/15 英寸同步更新",
            "苹果计划于 2038 年 2 月推出 M11 MacBook Air，13 英寸和 15 英寸两款，比 M11 iPad Pro "
            "早一个月（3 月）。",
        ),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_chip_s_news_is_not_the_story_of_the_device_whose_write_up_it_repeats() -> None:
    """'Tensor G8 for the Pixel 14 Pro to use TSMC's A16 process' reports the chip's process,
    not the Pixel 14 Pro's battery (nor the Pro XL's), though its text repeats both figures
    and the battery write-ups name the chip; a device's post that says which chip it runs
    still joins the device's story of that chip."""
    found = stories(
        ("Pixel 14 Pro XL：5,600mAh", ""),
        ("Pixel 14 Pro：5100mAh", ""),
        (
            "Pixel 14 Pro battery capacity leaks: 5,100mAh",
            "Google's Pixel 14 Pro packs a 5,100mAh cell, up from the Pixel 13 Pro. The Pixel 14 "
            "Pro XL is said to get 5,600mAh. Both run the Tensor G8 chip.",
        ),
        (
            "Pixel 14 Pro XL to get a 5,600mAh battery, leaker claims",
            "The Pixel 14 Pro XL will carry a 5,600mAh battery, with the Tensor G8 chip inside.",
        ),
        (
            "Tensor G8 chip for Pixel 14 Pro to use TSMC's A16 process, analyst says",
            "Google's Tensor G8, due in the Pixel 14 Pro and Pixel 14 Pro XL, moves to TSMC's "
            "A16 process. The Pixel 14 Pro XL is tipped for a 5,600mAh battery.",
        ),
        (
            "谷歌 Tensor G8 将采用台积电 A16 工艺",
            "Tensor G8 芯片采用台积电 A16 工艺，Pixel 14 系列首发。",
        ),
        ("Pixel 14 Pro Tensor G8", "Pixel 14 Pro 用 Tensor G8，年底发布。"),
        (
            "Google Pixel 14 Pro tipped to debut the Tensor G8 chip",
            "The Pixel 14 Pro will be the first phone with the Tensor G8.",
        ),
    )
    assert found[0] == found[3], found
    assert found[1] == found[2], found
    assert found[4] == found[5], found
    assert found[6] == found[7], found
    assert len({found[0], found[1], found[4], found[6]}) == 4, found


def test_snapdragon_s_xr_chips_are_read_whole_in_english_and_chinese() -> None:
    """ "XR5 Gen 1", "Snapdragon XR5 Gen 1", 第一代骁龙XR5 and 骁龙 XR5 第一代 are one chip,
    the Snapdragon XR5 Gen 1 (not a budget "Snapdragon 5 Gen 1"), so the chip's leak is one
    story in both languages, and the Snapdragon 5 Gen 1 phone chip's stays its own."""
    found = stories(
        (
            "Snapdragon XR5 Gen 1 to be made on TSMC N2P, with 16 GB of memory support",
            "Qualcomm's next headset chip, the Snapdragon XR5 Gen 1, moves to TSMC's N2P.",
        ),
        ("第一代骁龙XR5 用台积电 N2P", "第一代骁龙XR5 采用台积电 N2P 工艺，支持 16GB 内存。"),
        ("驍龍 XR5 第一代改用台積電 N2P", "高通驍龍 XR5 第一代將採用台積電 N2P 製程。"),
        ("XR5 Gen 1 = N2P", "16GB support."),
        (
            "Snapdragon 5 Gen 1 to be made on Samsung SF4, with 8 GB of memory support",
            "Qualcomm's budget Snapdragon 5 Gen 1 stays at Samsung.",
        ),
    )
    assert found[0] == found[1] == found[2] == found[3] != found[4], found


def test_a_product_named_without_its_line_is_the_one_named_with_it() -> None:
    """'大疆Pocket 6' is the Osmo Pocket 6, as 'Ryzen Z5 Extreme' is a tipster's 'Z5
    Extreme': a line word before a product word may be left out."""
    found = stories(
        (
            "DJI Osmo Pocket 6 to get a bigger 1.3-inch sensor",
            "DJI's next gimbal camera, the Osmo Pocket 6, moves to a 1.3-inch sensor.",
        ),
        ("大疆Pocket 6 上1.3英寸大底", ""),
        ("Osmo Pocket 6: 1.3-inch sensor, 6K/60", ""),
        ("DJI Osmo Pocket 6 price: $599", "The Osmo Pocket 6 will cost $599."),
    )
    assert found[0] == found[1] == found[2] != found[3], found


def test_a_tipster_s_pro_max_shorthand_is_the_iphone() -> None:
    """A headline-only "30PM 可变光圈" is the iPhone 30 Pro Max's variable aperture story,
    though the post never names the iPhone; "11PM" is still a time, not an iPhone."""
    found = stories(
        ("30PM 可变光圈", ""),
        (
            "iPhone 30 Pro Max to get a variable aperture main camera",
            "Apple's iPhone 30 Pro Max will get a variable aperture on its main camera.",
        ),
        ("iPhone 30 Pro Max 獨享可變光圈主鏡頭", "消息指 iPhone 30 Pro Max 主鏡頭加入可變光圈。"),
        ("iPhone 30 Pro 電池 5100mAh", ""),
    )
    assert found[0] == found[1] == found[2] != found[3], found
    assert Reader().read("Pixel event starts at 11PM", "").subject != "iphone 11 pro max"


def test_a_sensor_s_inches_do_not_contradict_a_screen_s() -> None:
    """Inches measure screens and camera sensors alike: a write-up that says the Ultra's
    1-inch sensor does not contradict the story whose text gave the Pro's 6.6-inch screen."""
    found = stories(
        (
            "小米28 Pro 7800毫安 + 120W",
            "小米28 Pro 电池 7800 毫安，120W 有线快充，6.6 英寸屏幕。",
        ),
        (
            "Xiaomi 28 Pro: 7,800 mAh battery and 120 W charging tipped",
            "The Xiaomi 28 Pro packs a 7,800 mAh battery with 120 W charging; the Xiaomi 28 "
            "Ultra keeps its 1-inch main sensor.",
        ),
    )
    assert found[0] == found[1], found


def test_a_model_name_glued_to_chinese_is_read() -> None:
    """ "#拯救者LegionGo4#" and "大疆Mini7Pro" name the Legion Go 4 and the Mini 7 Pro: a
    camel-cased name glued to Chinese words is still a model."""
    found = stories(
        ("#拯救者LegionGo4# 电池90Wh", ""),
        (
            "Lenovo Legion Go 4 to pack a 90 Wh battery, Weibo leaker claims",
            "The Legion Go 4 handheld gets a 90Wh battery, up from 80Wh.",
        ),
        ("大疆Mini7Pro 标准电池飞55分钟", ""),
        ("DJI Mini 7 Pro flight time: 55 minutes", "The Mini 7 Pro flies 55 minutes."),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_an_apple_watch_s_number_is_its_series() -> None:
    """A tipster's "Apple Watch S23" is the Apple Watch Series 23; Xiaomi's Watch S5 stays
    its own model."""
    found = stories(
        ("Apple Watch S23 傳加入血壓警示", "消息指 Apple Watch S23 將加入血壓警示功能。"),
        (
            "Apple Watch Series 23 to get blood pressure alerts, report says",
            "Apple Watch Series 23 will add blood pressure alerts.",
        ),
    )
    assert found[0] == found[1], found
    assert Reader().read("Xiaomi Watch S5 leaks", "").subject == "s5"


def test_a_month_with_its_year_is_a_month() -> None:
    """ "PS7 launches Nov 2041" and "PS7 发售时间曝光：2041年11月" give one launch month; the
    price story whose write-up says "November 2041" too is another leak."""
    found = stories(
        ("PS7 price: $699 (disc model)", "PS7 will cost $699, launching November 2041."),
        ("PS7 launches Nov 2041", ""),
        (
            "PS7 will cost $699, according to a retailer",
            "A retailer lists the PS7 at $699, ahead of its November 2041 launch.",
        ),
        ("PS7发售时间曝光：2041年11月", "索尼 PS7 将于 2041 年 11 月发售，售价 699 美元。"),
        ("PS7 is reportedly launching in November 2041", "Sony plans a November 2041 launch."),
    )
    assert found[0] == found[2] != found[1] == found[3] == found[4], found


def test_a_title_s_brand_keeps_another_brand_s_device_out_of_its_subject() -> None:
    """ "Next-gen Xbox APU specs leak" names a brand and no model; the PS7 its text compares
    it with is not its subject, so it does not join the PS7's price story."""
    found = stories(
        ("PS7 price: $699 (disc model)", "Sony's PS7 will cost $699 at launch in 2041."),
        (
            "PS7 will cost $699, according to a retailer",
            "The PS7 lists at $699; it launches in 2041.",
        ),
        (
            "Next-gen Xbox APU specs leak: 14 Zen 8 cores and 96 compute units",
            "The next Xbox APU packs 14 Zen 8 cores. The PS7, due in 2041 at $699, has fewer.",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_a_sibling_s_post_is_not_the_story_whose_figures_its_write_up_repeats() -> None:
    """ "Analyst: iPhone 31 Pro models to get variable aperture" is read as the iPhone 31 Pro
    and names the Pro Max in its text, with the Pro Max's 5,600 mAh: told the other way round
    it would be the Pro Max's battery story, but that story says nothing of an aperture."""
    found = stories(
        ("iPhone 31 Pro Max 电池 5600mAh", ""),
        (
            "iPhone 31 Pro Max rumored to pack 5,600mAh battery",
            "The iPhone 31 Pro Max gets a 5,600mAh battery, more than the iPhone 31 Pro's. "
            "Apple will launch both in September 2041.",
        ),
        (
            "Analyst: iPhone 31 Pro models to get variable aperture main camera",
            "Both the iPhone 31 Pro and iPhone 31 Pro Max get a variable aperture 48MP main "
            "camera, launching in September 2041. The Pro Max is also tipped for a 5,600mAh "
            "battery.",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_a_time_of_day_is_no_model() -> None:
    """ "10am" in an invite's text is a time, not a model: "Galaxy Unpacked: February 9" is
    then about the Galaxy S41 its text names, and joins the S41's Unpacked story."""
    found = stories(
        (
            "Leaked invite puts Galaxy S41 Unpacked on February 9",
            "Samsung's Galaxy S41 Unpacked takes place February 9.",
        ),
        ("Galaxy Unpacked: February 9, San Francisco", "Invites say 10am PT for the Galaxy S41."),
    )
    assert found[0] == found[1], found


def test_a_bare_8_elite_gen_and_spaced_chinese_core_counts_are_read() -> None:
    """A tipster's "8 Elite Gen 9" is the Snapdragon 8 Elite Gen 9, and "最高 52 核 GPU" a
    core count, as "52核GPU" is."""
    found = stories(
        ("Qualcomm to dual-source 8 Elite Gen 9: TSMC A12 + Samsung SF1", ""),
        (
            "Snapdragon 8 Elite Gen 9 to be dual-sourced from TSMC and Samsung Foundry",
            "Qualcomm will make the Snapdragon 8 Elite Gen 9 at both TSMC and Samsung.",
        ),
        ("M11 Max 最高 52 核 GPU", ""),
        ("M11 Max Chip to Feature Up to 52 GPU Cores", "Apple's M11 Max gets up to 52 GPU cores."),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_score_in_thousands_a_bare_8s_gen_and_a_numbered_trifold_are_read() -> None:
    """ "~21.5K" is a score of 21,500 (a K past 16 is no resolution); "8s Gen8" is the
    Snapdragon 8s Gen 8; 三星三折叠 4 代 is the Galaxy Z TriFold 4."""
    found = stories(
        ("RX 11900 XT TSE ~21.5K", ""),
        (
            "AMD Radeon RX 11900 XT scores 21,500 in Time Spy Extreme",
            "The Radeon RX 11900 XT reaches 21,500 points.",
        ),
        ("8s Gen8 安兔兔 360万", ""),
        (
            "Snapdragon 8s Gen 8 tops 3.6 million on AnTuTu",
            "Snapdragon 8s Gen 8 scores 3.6 million.",
        ),
        ("Galaxy Z TriFold 4 to cost $2,399", "Samsung's Galaxy Z TriFold 4 costs $2,399."),
        ("三星三折叠 4 代 2399 美元", ""),
    )
    assert found[0] == found[1] != found[2] == found[3] != found[4] == found[5], found


def test_a_screen_size_that_names_a_model_s_size_is_no_shared_fact() -> None:
    """ "16-Inch MacBook Pro battery appears in certification database" is not the M11 Max
    GPU story whose write-up also says "16-inch MacBook Pro": a screen's size names which
    MacBook Pro as often as it tells a leak (a sensor's inch, under 2, stays a fact)."""
    found = stories(
        ("M11 Max GPU 52核", ""),
        (
            "Report: M11 Max MacBook Pro to jump to a 52-core GPU",
            "The 16-inch MacBook Pro with the M11 Max gets a 52-core GPU.",
        ),
        (
            "16-Inch MacBook Pro Battery Appears in Certification Database Ahead of M11 Max Launch",
            "A 99.8Wh battery for the 16-inch MacBook Pro (M11 Max) shows up in a certification "
            "database; the chip's GPU is said to have 52 cores.",
        ),
        ("新款 16 吋 MacBook Pro 電池現身認證 容量 99.8Wh", "16 吋 MacBook Pro 電池容量 99.8Wh。"),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_tipster_s_hidden_digits_are_the_figure_and_no_model() -> None:
    """ "A24 Pro GB6: 5,1xx / 14,2xx" gives about 5,100 and 14,200, the scores the write-ups
    give, and names no "1xx" model that would make it another story."""
    found = stories(
        ("A24 Pro GB6: 5,1xx / 14,2xx", ""),
        (
            "Apple A24 Pro Geekbench score leaks: 5,100 single-core, 14,200 multi-core",
            "The A24 Pro scores 5,100 and 14,200 in Geekbench 6.",
        ),
    )
    assert found[0] == found[1], found


def test_headphone_jacks_stabilization_and_sealing_are_claims_in_both_languages() -> None:
    """ "No more headphone jack for the Xperia 1 XII" and "取消 3.5mm 耳机孔" say one thing, as
    "IBIS + weather sealing" and "机身防抖 + 防尘防滴" do."""
    found = stories(
        ("No more headphone jack for the Sony Xperia 1 XII, report claims", ""),
        ("索尼 Xperia 1 XII 取消 3.5mm 耳机孔", ""),
        ("Fujifilm X100IX: IBIS + full weather sealing", ""),
        ("富士 X100IX 曝光：机身防抖 + 原生防尘防滴", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_figure_said_as_a_bound_is_not_contradicted_by_one_above_it() -> None:
    """ "iPhone 29 Pro Max to feature Apple's first 5,000mAh+ battery" and "首度突破 5000mAh"
    say the battery is at least 5,000 mAh: the story of its 5,288 mAh, not a correction of
    it. A figure below the bound still contradicts it ("4,500mAh" is another leak)."""
    found = stories(
        ("iPhone29ProMax 电池 5288mAh", "iPhone 29 Pro Max 电池 5288mAh，首破 5000 毫安。"),
        (
            "iPhone 29 Pro Max to Feature Apple's First 5,000mAh+ Battery",
            "The iPhone 29 Pro Max will be the first iPhone with a battery of over 5,000mAh.",
        ),
        ("iPhone 29 Pro Max 電池容量曝光 首度突破 5000mAh", ""),
        ("Leaker claims the iPhone 29 Pro Max battery tops 5,000mAh", ""),
        ("iPhone 29 Pro Max battery is 4,500mAh, says another leaker", ""),
    )
    assert found[0] == found[1] == found[2] == found[3] != found[4], found


def test_a_euro_price_after_a_memory_size_is_the_price() -> None:
    """ "12/256 €649" is 256 GB for €649, not a price of €256 that contradicts the €649 of
    the write-ups."""
    found = stories(
        ("POCO F19 Pro EU pricing 💶", "POCO F19 Pro EU: 12/256 €649, 12/512 €699."),
        (
            "POCO F19 Pro global price leaked: starts at €649",
            "The POCO F19 Pro starts at €649 for 12GB/256GB in Europe; 12GB/512GB is €699.",
        ),
    )
    assert found[0] == found[1], found


def test_a_line_s_next_product_with_no_number_yet_is_a_model() -> None:
    """ "Next-gen Xbox", "The next Xbox" and "下一代 Xbox" name one product with no number yet,
    so their reports of one price are one story, whatever other console the texts compare;
    "Apple's next iPhone event" whose text names the iPhone 18 Pro is that phone's."""
    found = stories(
        ("Next-gen Xbox will cost $799, sources say", "Microsoft's next console costs $799."),
        (
            "Next Xbox to be priced at $799, report claims",
            "The next Xbox will cost $799, $100 more than the PlayStation 6.",
        ),
        ("外媒：下一代 Xbox 售價 799 美元", ""),
        ("Apple's iPhone 18 Pro event reportedly set for September 9", ""),
        (
            "Apple's next iPhone event is reportedly on September 9th",
            "Apple will show the iPhone 18 Pro on September 9.",
        ),
    )
    assert found[0] == found[1] == found[2] != found[3] == found[4], found
    # a Chinese word after the line ends its name, and a chip in the title is its part
    found = stories(
        ("Next Xbox 'Magnus' APU: 68 CUs, Zen 7, 36GB GDDR8", ""),
        ("下一代 Xbox 主机 Magnus APU 曝光：68 组 CU，36GB 显存", ""),
    )
    assert found[0] == found[1], found


def test_a_month_a_title_gives_is_held_by_a_day_in_it() -> None:
    """ "五月第二週登場" (in May) says no more than the story's "week of May 11": the month
    is the story's, not a figure it lacks."""
    found = stories(
        ("Gurman: M7 MacBook Air Launching Week of May 11", "The M7 MacBook Air launches May 11."),
        ("古爾曼：M7 MacBook Air 五月第二週登場", "M7 MacBook Air 將於五月第二週發表。"),
    )
    assert found[0] == found[1], found


def test_a_resolution_in_a_title_does_not_tell_another_leak() -> None:
    """ "#GalaxyA78 5K renders + 360° video" and "Galaxy A78 renders show a thinner 7.4mm
    design" are one leak of renders: a resolution ("5K", of the renders or a screen) is no
    figure that tells two leaks apart, though each text repeats the other's figures."""
    found = stories(
        (
            "Here comes your very first look at the #Samsung #GalaxyA78 (360° video, 5K renders)",
            "Galaxy A78, 6.7-inch flat display, 162.9 x 77.6 x 7.4mm, three camera rings.",
        ),
        (
            "Galaxy A78 renders show a thinner 7.4mm design",
            "The first renders of the Galaxy A78 are here. The phone has a 6.7-inch flat "
            "screen, measures 162.9 x 77.6 x 7.4mm, thinner than the 7.9mm Galaxy A77.",
        ),
    )
    assert found[0] == found[1], found
    # and two titles that give one resolution agree on it, whatever else each gives
    found = stories(
        ("拯救者 Legion Go 3 确认 锐龙 Z5 Extreme，8.8英寸 2.5K 165Hz", ""),
        ("Legion Go 3 leak: Ryzen Z5 Extreme, 80 Wh battery, 2.5K OLED", ""),
    )
    assert found[0] == found[1], found


def test_a_laptop_s_glued_number_is_its_model_and_its_generation_is_its_year() -> None:
    """ "Legion Pro 9i Gen 12" is one model, the Legion Pro 9i (not a "Legion Pro" and a
    "9i Gen 12"), the same as "Legion Pro 9i" of 2037 and another than the Legion Pro 7i;
    "Alienware Area-51 18" is a model whose line has a number in it. (Since the seventeenth
    pass the 拯救者 Y9000K is the Legion 9i, `model_aliases`, so the Chinese post names the
    Legion Pro 9i alone.)"""
    found = stories(
        ("Lenovo Legion Pro 9i Gen 12 to get an 18-inch 4K 240 Hz mini-LED panel", ""),
        ("拯救者 Legion Pro 9i 2037 屏幕：18英寸 4K mini LED 240Hz", ""),
        ("Lenovo Legion Pro 7i Gen 12 to get a 16-inch 2.5K 240 Hz OLED panel", ""),
        ("Alienware Area-51 18 (2037): Core Ultra 9 595HX + RTX 7090 Laptop 24GB", ""),
        ("外星人 Area-51 18 2037款曝光：RTX 7090 笔记本显卡+24GB显存", ""),
    )
    assert found[0] == found[1] != found[2], found
    assert found[3] == found[4] not in found[:3], found


def test_a_chip_s_foundry_is_what_its_title_claims() -> None:
    """ "将双代工" (to be made by two foundries), "built on SMIC N+4" is what a chip's title
    claims: the foundry story, not the benchmark story its text repeats. (The chip "for
    Galaxy" is a model of its own since the twelfth pass's fix 2, and "三星版独供Galaxy S34"
    does not name it: those two stay apart, a known split.)"""
    found = stories(
        ("第三代骁龙8至尊版 GB6 跑分", "第三代骁龙8至尊版 GB6 单核 4200 分，韩国版本。"),
        (
            "Snapdragon 8 Elite Gen 3 'for Galaxy' to be made on Samsung SF2P",
            "Qualcomm will dual-source the Snapdragon 8 Elite Gen 3: TSMC N2P, and Samsung "
            "SF2P for the Galaxy S34.",
        ),
        (
            "曝高通第三代骁龙8至尊版将双代工：三星版独供Galaxy S34",
            "高通第三代骁龙 8 至尊版将由台积电 N2P 与三星 SF2P 双代工，韩国爆料。"
            "该芯片昨日刚曝光 GB6 单核超 4200 分。",
        ),
        ("Kirin 9200 made on SMIC's N+4 process, tipster says", ""),
        ("麒麟9200 中芯N+4", ""),
    )
    assert found[0] != found[1] and found[0] != found[2], found
    assert found[3] == found[4], found


def test_a_four_thirds_sensor_is_no_date_and_a_stacked_cmos_is_a_sensor() -> None:
    """ "4/3 堆栈式 CMOS" is a Four Thirds stacked sensor, not April 3, and "stacked 4/3
    CMOS" and "4/3 吋堆疊式感光元件" say the same."""
    found = stories(
        ("【独家】御6 Pro 主摄换 4/3 堆栈式 CMOS", "大疆 Mavic 6 Pro 主摄换 4/3 堆栈式 CMOS。"),
        (
            "DJI Mavic 6 Pro to get stacked 4/3 sensor with 16 stops of dynamic range",
            "The Mavic 6 Pro's main camera moves to a stacked 4/3 CMOS.",
        ),
        ("Leak: Mavic 6 Pro stacked 4/3 CMOS, 16 stops DR", ""),
        ("DJI Mavic 6 Pro 傳用 4/3 吋堆疊式感光元件", ""),
    )
    assert len(set(found)) == 1, found


def test_dji_s_chinese_line_names_are_its_lines() -> None:
    """ "大疆御6 Pro" is the Mavic 6 Pro and "灵眸 Pocket 4" the Osmo Pocket 4."""
    found = stories(
        ("DJI Mavic 6 Pro launch date leaks: July 16", ""),
        ("大疆御6 Pro发布时间曝光：7月16日", ""),
        ("DJI Osmo Pocket 4 gets a 1-inch sensor", ""),
        ("灵眸 Pocket 4 曝光：一英寸传感器", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_title_that_gives_a_model_without_its_brand_is_about_it() -> None:
    """ "Mini 6 Pro FCC" names the DJI Mini 6 Pro its text names (not the model code its
    text gives)."""
    found = stories(
        ("DJI Mini 6 Pro shows up at the FCC, still under 249 grams", ""),
        ("Mini 6 Pro FCC", "MT6PD = DJI Mini 6 Pro at FCC. &lt;249g, O5. Launch soon-ish."),
    )
    assert found[0] == found[1], found


def test_a_chip_named_without_its_line_is_the_one_named_with_it() -> None:
    """ "ROG Ally 4 也是 Z5 Extreme" names the Ryzen Z5 Extreme the write-ups name: no other
    model in its title."""
    found = stories(
        ("ROG Ally 4 也是 Z5 Extreme", "ROG Ally 4：Z5 Extreme，8 英寸 144Hz，90Wh。"),
        ("ASUS ROG Ally 4 with Ryzen Z5 Extreme and 90Wh battery leaks", ""),
    )
    assert found[0] == found[1], found


def test_a_bound_of_a_zoom_or_a_multiple_is_a_bound_too() -> None:
    """ "might finally go beyond 5x zoom" is the story of the 8x periscope, not a 5x zoom
    that contradicts it; "两倍多" is more than twice."""
    found = stories(
        ("iPhone 22 Pro Max rumored to get 8x optical zoom", ""),
        ("The iPhone 22 Pro Max might finally go beyond 5x zoom", ""),
    )
    assert found[0] == found[1], found


def test_not_quotes_only_the_figure_right_after_it() -> None:
    """ "6,000 mAh, not 5,500" quotes 5,500 as wrong, but "the Ultra will not be part of the
    May 20 event" quotes no date: May 20 is still what the post says."""
    found = stories(
        ("小米29 / 29 Pro 5月20日", "小米29 / 29 Pro 5月20日发布。"),
        (
            "Xiaomi 29 series launch date: May 20 for the 29 and 29 Pro",
            "Xiaomi 29 / 29 Pro are coming on May 20 in China per a Weibo leak. The Xiaomi 29 "
            "Ultra will not be part of the May 20 event.",
        ),
    )
    assert found[0] == found[1], found


@pytest.mark.parametrize("chip_first", [True, False])
def test_a_chip_s_benchmark_is_not_a_device_s_chip_story_in_either_order(chip_first: bool) -> None:
    """ "Exynos 2800 Geekbench scores leak" is the chip's story; "Galaxy S31 and S31+ to use
    Exynos 2800 in Europe and Korea", whose write-up repeats the scores, is the phones'. Each
    title claims what the other does not, whichever came first."""
    chip = (
        "Exynos 2800 Geekbench scores leak: 3,650 single-core, 12,100 multi-core",
        "Samsung's Exynos 2800 has been benchmarked on Geekbench 6 with 3,650 single-core and "
        "12,100 multi-core points. The 10-core chip's prime core reportedly runs at 4.0GHz. "
        "The chip is expected to debut in the Galaxy S31 series next year.",
    )
    device = (
        "Galaxy S31 and S31+ to use Exynos 2800 in Europe and Korea, Ultra stays Snapdragon",
        "Samsung will use the Exynos 2800 in the Galaxy S31 and S31+ sold in Europe and Korea, "
        "while the US, China and Japan get the Snapdragon 8 Elite Gen 8 for Galaxy. The "
        "Exynos 2800 scored 3,650 and 12,100 in a Geekbench leak yesterday.",
    )
    found = stories(*((chip, device) if chip_first else (device, chip)))
    assert found[0] != found[1], found


def test_a_weekly_round_up_and_a_rhetorical_question_are_asides() -> None:
    """ "This week in hardware leaks: RTX 9090, ..." is a round-up, and "无创血糖监测，苹果和三星
    还要再等几年才能真正可用？" a question to the reader: neither joins the leak it mentions."""
    found = stories(
        ("RTX 9090 TGP is 575W, not 600W, leaker corrects", ""),
        (
            "This week in hardware leaks: RTX 9090, RTX 9080, M10 Max and the OLED MacBook Pro",
            "The RTX 9090's TGP was corrected to 575W, not 600W.",
        ),
        ("Apple Watch Series 23 to get blood glucose trend alerts", ""),
        (
            "无创血糖监测，苹果和三星还要再等几年才能真正可用？",
            "Apple Watch Series 23 将支持无创血糖趋势提醒。",
        ),
    )
    assert len(set(found)) == 4, found


def test_a_generation_written_as_an_ordinal_is_the_model_s_number() -> None:
    """ "Second-generation iPhone Fold" and "第二代 iPhone Fold" are the iPhone Fold 2, and
    "三星三折叠二代" the Galaxy Z TriFold 2 (a chip's generation stays its Gen)."""
    found = stories(
        ("Report: iPhone Fold 2 delayed to 2039", ""),
        ("Supply chain: second-generation iPhone Fold pushed to 2039 over hinge yields", ""),
        ("鉸鏈良率卡關 第二代 iPhone Fold 傳延至 2039 年", ""),
        ("Galaxy Z TriFold 2 launching in October, Korea and China first", ""),
        ("【三星三折叠二代 10月见】", "三星三折叠二代 10 月发布，韩国和中国首发。"),
    )
    assert found[0] == found[1] == found[2] != found[3] == found[4], found


def test_blood_sugar_and_micro_oled_are_claims_in_both_languages() -> None:
    """ "Blood sugar alerts" and "blood glucose alerts" / "无创血糖" say one thing, as
    "micro-OLED" and "硅基 OLED" do."""
    found = stories(
        ("Apple Watch Series 23 to get blood glucose trend alerts", ""),
        ("Apple Watch Series 23 to Gain Blood Sugar Alerts", ""),
        ("Report: Quest 6 moves to micro-OLED at 3,840 x 3,552 per eye", ""),
        ("Meta Quest 6 to use 3840x3552 micro-OLED displays, sources say", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_line_after_a_year_roman_numerals_to_twenty_and_omen_are_read() -> None:
    """ "Razer's 2038 Blade 16" is the Blade 16, "Xperia 1 XIX" the Xperia 1 XIX (not the
    Xperia 1 of another story), and 暗影精灵 HP's OMEN."""
    found = stories(
        ("Razer Blade 16 (2038) to slim down to 14.9 mm", ""),
        ("Razer's 2038 Blade 16 will be just 14.9mm thick", ""),
        ("HP OMEN MAX 16 (2037) certified on BIS", ""),
        ("惠普暗影精灵 MAX 16 2037款通过印度BIS认证", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found
    assert Reader().read("Xperia 1 XIX drops the headphone jack", "").subject == "xperia 1 xix"


def test_a_date_in_china_s_small_hours_is_the_evening_before_elsewhere() -> None:
    """ "发布会定于 9 月 16 日凌晨" (the small hours in China) is the event an English report
    dates September 15."""
    found = stories(
        ("Gurman: Apple's iPhone 29 event set for September 15", ""),
        ("古尔曼：苹果 iPhone 29 发布会定于 9 月 16 日凌晨", ""),
    )
    assert found[0] == found[1], found


def test_an_abbreviated_month_with_a_dot_is_a_date() -> None:
    """ "Sept. 15" is September 15, not September and a bare 15."""
    found = stories(
        ("Gurman: Apple's iPhone 29 event set for September 15", ""),
        ("Apple Plans iPhone 29 Event for Sept. 15, Sales to Start Sept. 25", ""),
    )
    assert found[0] == found[1], found


def test_a_score_said_as_a_bound_holds_the_score_above_it() -> None:
    """ "單核破 5000 分" (a single-core score over 5,000) is the story of the 5,120 score."""
    found = stories(
        ("Apple's M10 chip shows up on Geekbench with 5,120 single-core score", ""),
        ("Apple M10 跑分現身：單核破 5000 分", ""),
    )
    assert found[0] == found[1], found


@pytest.mark.parametrize("series_first", [True, False])
def test_one_model_s_post_is_not_its_series_story_in_either_order(series_first: bool) -> None:
    """ "M17 Max Chip to Feature 48-Core GPU", whose write-up repeats the M17 Pro and M17 Max
    MacBook Pros' launch, is not that launch's story: told the other way round, a model's
    post and its series' report must share what the title says, whichever came first."""
    series = (
        "Apple Plans M17 Pro and M17 Max MacBook Pros for Early 2038",
        "Apple is aiming to release MacBook Pro models with M17 Pro and M17 Max chips as early "
        "as the first quarter of 2038. The update keeps the current design; the OLED redesign "
        "came last year.",
    )
    model = (
        "M17 Max Chip to Feature 48-Core GPU, Leaker Claims",
        "Apple's M17 Max chip will have a 20-core CPU and a 48-core GPU, up from 40 GPU cores "
        "in the M16 Max. Bloomberg reported earlier this week that M17 Pro and M17 Max MacBook "
        "Pro models are planned for the first quarter of 2038.",
    )
    found = stories(*((series, model) if series_first else (model, series)))
    assert found[0] != found[1], found


def test_a_sibling_both_write_ups_name_is_not_the_same_model() -> None:
    """ "Galaxy S31+ clears 3C with 45W charging" is not the S31 Ultra's 5,500 mAh / 45W
    battery story, though each write-up names the other model; "天璣 9800 對 Snapdragon 8 Elite
    Gen 7：規格比較" is a comparison; and "R7二代" is the EOS R7 Mark II."""
    found = stories(
        ("S31U 5500mAh 45W. That's it.", ""),
        (
            "Galaxy S31 Ultra battery capacity leaks: 5,500mAh with 45W charging",
            "The Galaxy S31 Ultra gets a 5,500mAh battery and 45W charging; the S31 and S31+ "
            "stay at 4,200mAh and 4,900mAh.",
        ),
        (
            "Galaxy S31+ (SM-S947) clears 3C with 45W charging",
            "The Galaxy S31+ passed 3C in China with 45W charging and a 4,900mAh battery; the "
            "S31 Ultra is said to have 5,500mAh.",
        ),
        ("MediaTek Dimensity 9800 to clock up to 4.9GHz, tipster says", ""),
        ("天璣 9800 對 Snapdragon 8 Elite Gen 7：規格比較", "天璣 9800 主頻 4.9GHz。"),
        ("Canon EOS R7 Mark II to feature a 40MP stacked APS-C sensor [CR2]", ""),
        ("R7二代规格曝光：4000万像素堆栈CMOS", ""),
    )
    assert found[0] == found[1] != found[2], found
    assert found[3] != found[4], found
    assert found[5] == found[6], found


def test_an_opinion_piece_is_an_aside() -> None:
    """ "聊聊 RTX 9090 功耗：600W 还是 550W 其实没那么重要" and "80Wh is the ceiling for handheld
    batteries, and that's a problem" discuss a leak; they report none."""
    found = stories(
        ("RTX 9090 TGP now said to be 550W, not 600W", ""),
        ("聊聊 RTX 9090 功耗：600W 还是 550W 其实没那么重要", "RTX 9090 功耗 550W。"),
        ("ASUS ROG Ally 3 battery certified at 80 Wh", ""),
        (
            "80Wh is the ceiling for handheld batteries, and that's a problem",
            "The ROG Ally 3's battery was certified at 80 Wh.",
        ),
    )
    assert len(set(found)) == 4, found


def test_a_title_that_claims_only_its_chip_joins_the_chip_s_story() -> None:
    """ "Phone (4) 搭载第七代骁龙 8s" is the story of the Phone (4)'s chip, not of its launch
    date, though a launch report's text names the chip too and that story is older."""
    found = stories(
        ("Nothing Phone (4) launching on May 12.", ""),
        ("Nothing Phone (4) runs Snapdragon 8s Gen 7. Not the 8 Elite.", ""),
        (
            "Nothing Phone (4) has a launch date, according to a leaker",
            "The Phone (4) launches on May 12 with a Snapdragon chip and a new Glyph design.",
        ),
        ("Nothing Phone (4) 搭载第七代骁龙 8s", "Nothing Phone (4) 将采用骁龙芯片，5 月发布。"),
    )
    assert found[0] == found[2] != found[1] == found[3], found


def test_a_title_s_price_says_what_a_price_title_does() -> None:
    """ "RTX 9080 Could Launch At $1,499" is the price story ("【RTX 9080 定价】"), not the
    specs story whose write-ups mention the price and hold more of its text's figures."""
    found = stories(
        (
            "NVIDIA GeForce RTX 9080 Specs Leak: 384-bit 28 GB GDDR8 & 450W TBP",
            "The RTX 9080 gets 16384 CUDA cores, 28GB of GDDR8 on a 384-bit bus and a 450W "
            "TBP. It could launch at $1,499.",
        ),
        ("【RTX 9080 定价】", "RTX 9080 美国售价 1499 美元，国行 11999 元。"),
        (
            "NVIDIA GeForce RTX 9080 Could Launch At $1,499, Same As RTX 8080",
            "The RTX 9080, with 16384 CUDA cores, 28GB of memory and a 450W TBP, is said to "
            "keep its predecessor's $1,499 price; China pricing is CNY 11,999.",
        ),
    )
    assert found[0] != found[1] == found[2], found


def test_a_part_number_before_engineering_sample_is_no_old_figure() -> None:
    """ "高通第九代骁龙8至尊版（SM8975）工程机安兔兔跑分突破 480 万分": 工程机 (an engineering
    sample) says whose score follows, not that the part number SM8975 is an old figure the
    post corrects; and "AnTuTu v12" is the benchmark's version, not a vivo V12."""
    reader = Reader()
    post = reader.read(
        "第九代骁龙8至尊版安兔兔跑分曝光：突破 480 万分",
        "博主今日爆料，高通第九代骁龙8至尊版（SM8975）工程机安兔兔 V12 跑分突破 480 万分。",
    )
    assert post.quoted == (), post.quoted
    assert "v12" not in reader.read("SM8975 AnTuTu v12 4,812,330", "").designations
    found = stories(
        ("第九代骁龙8至尊版 安兔兔 480万+", "工程机安兔兔 V12 跑到 480万+，型号 SM8975。"),
        (
            "第九代骁龙8至尊版安兔兔跑分曝光：突破 480 万分",
            "博主今日爆料，高通第九代骁龙8至尊版（SM8975）工程机安兔兔 V12 跑分突破 480 万分。",
        ),
    )
    assert found[0] == found[1], found


def test_a_title_naming_a_device_s_chip_is_not_a_story_whose_write_ups_say_chip() -> None:
    """ "vivo X300 Ultra to use Snapdragon 8 Elite Gen 9" is not the story of its periscope,
    whose write-up mentions "the chip" and figures the chip post's text repeats; a story whose
    post names that chip in its text ("Legion Go 3", text only) is its story."""
    found = stories(
        ("vivo X300 Ultra 2亿 潜望长焦", "vivo X300 Ultra 潜望长焦 2 亿像素，1/1.28 英寸。"),
        (
            "vivo X300 Ultra camera leak: 200MP 1/1.28-inch periscope",
            "The X300 Ultra pairs a 200MP 1/1.28-inch periscope with its flagship chip.",
        ),
        (
            "vivo X300 Ultra to use Snapdragon 8 Elite Gen 9, not Dimensity",
            "After the 200MP 1/1.28-inch periscope leak, the X300 Ultra is now tipped to run "
            "the Snapdragon 8 Elite Gen 9 chip and launch in October.",
        ),
        ("Legion Go 3", "Ryzen Z4 Extreme, 32GB, 6x faster than Go 2's iGPU."),
        (
            "Lenovo Legion Go 3 傳搭 Ryzen Z4 Extreme",
            "Legion Go 3 搭载 Ryzen Z4 Extreme，32GB 内存。",
        ),
    )
    assert found[0] == found[1] != found[2], found
    assert found[3] == found[4], found


def test_a_plus_model_before_a_chinese_product_word_is_the_plus_model() -> None:
    """ "三星 Galaxy Tab S13+ 平板电池容量曝光" is the Tab S13+ (a tablet), not the Tab S13 and
    a Pad; "Core Ultra 9 485HX + RTX 6080" still names two parts."""
    reader = Reader()
    assert reader.read("三星 Galaxy Tab S13+ 平板电池容量曝光：10500mAh", "").subject == "s13 +"
    assert reader.read("Core Ultra 9 485HX + RTX 6080", "").designations == ("485hx", "rtx6080")
    found = stories(
        ("Galaxy Tab S13+ battery capacity tipped at 10,500mAh", ""),
        ("三星 Galaxy Tab S13+ 平板电池容量曝光：10500mAh", ""),
    )
    assert found[0] == found[1], found


def test_a_taiwanese_post_s_yuan_is_the_new_taiwan_dollar() -> None:
    """ "宏碁 Predator Helios 16 AI 新機 售價 8.99 萬元" is NT$89,900, the story of "Predator Helios
    16 AI Taiwan pricing leaks at NT$89,900"; 元 stays the yuan in Simplified Chinese, and in a
    Traditional post that names China's market or another currency."""
    reader = Reader()
    assert reader.read("新機 售價 8.99 萬元", "").claims == ("price", "twd:89900")
    assert reader.read("新机 售价 8.99 万元", "").claims == ("price", "cny:89900")
    assert reader.read("國行售價 4,999 元", "").claims == ("region:cn", "price", "cny:4999")
    assert reader.read("香港售價 港幣 4,999 元", "").claims == ("price", "hkd:4999")
    found = stories(
        ("Acer Predator Helios 16 AI Taiwan pricing leaks at NT$89,900", ""),
        ("宏碁 Predator Helios 16 AI 新機 售價 8.99 萬元", ""),
    )
    assert found[0] == found[1], found


def test_a_sentence_about_another_model_gives_that_model_s_figures() -> None:
    """ "The RTX 9080 is tipped with 14,336 cores and 24 GB on a 256-bit bus", in a write-up
    of the RTX 9090's specs, is the 9080's bus, not a 9090 figure that contradicts the 512-bit
    story; a sentence that opens with the post's own line ("the flagship RTX 90 card") or
    names the post's model is still the post's."""
    found = stories(
        ("RTX 9090", "GN202, 512-bit 48G GDDR8, 600W."),
        (
            "NVIDIA GeForce RTX 9090 Rumored With 24,576 Cores & 48 GB GDDR8 Memory, 600W TGP",
            "The flagship RTX 90 card is rumored to feature the GN202 GPU with 24,576 cores, "
            "48 GB of GDDR8 memory and a 600W TGP. The RTX 9080 is tipped with 14,336 cores "
            "and 24 GB on a 256-bit bus.",
        ),
    )
    assert found[0] == found[1], found
    reader = Reader()
    post = reader.read(
        "Galaxy S40 Ultra battery: 5,500mAh",
        "The S40 Ultra gets 5,500mAh. The Galaxy S39 Ultra had 5,000mAh. 三星 S40 Ultra 支持 45W。",
    )
    assert "mah:5000" not in post.claims and {"mah:5500", "w:45"} <= set(post.claims), post


def test_a_figure_bigger_than_first_reported_is_the_new_one() -> None:
    """ "Galaxy S40 Ultra battery revised up to 5,312mAh" ("bigger than first reported:
    5,312mAh instead of 5,100mAh") corrects the 5,100 mAh story, and is the correction's."""
    found = stories(
        ("Galaxy S40 Ultra battery reportedly tops 5,000mAh", "It has 5,100mAh, a first."),
        ("Galaxy S40 Ultra 电池 5100mAh，首次破五千", ""),
        ("Galaxy S40 Ultra Battery Is 5,312mAh, Not 5,100mAh, Leaker Says", ""),
        (
            "Galaxy S40 Ultra battery revised up to 5,312mAh",
            "The Galaxy S40 Ultra battery is even bigger than first reported: 5,312mAh instead "
            "of 5,100mAh, per an updated leak.",
        ),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_certification_is_not_the_launch_story_its_write_ups_repeat() -> None:
    """ "Xiaomi 30 Ultra clears 3C with 90W charging" is not the story of its launch date,
    whose write-up repeats its 90W; "Galaxy S41+ battery certified at 5,000mAh" is the
    tipster's "S41+ EB-BS947ABY 5000mAh typical", whose title gives its figure."""
    found = stories(
        ("小米30 Ultra 定档 2月26日", "小米30 Ultra 2月26日国内发布，3月1日全球。"),
        (
            "Xiaomi 30 Ultra launch dates leak: February 26 in China, March 1 globally",
            "The Xiaomi 30 Ultra will be announced in China on February 26 and globally on "
            "March 1. The phone is tipped to pack a 7,500 mAh battery with 90W charging.",
        ),
        (
            "Xiaomi 30 Ultra clears 3C with 90W charging",
            "The Xiaomi 30 Ultra (2901APD8C) has passed China's 3C certification, confirming "
            "90W wired charging, which matches last week's 7,500 mAh battery leak. Launch is "
            "expected on February 26 in China.",
        ),
        ("S41+ EB-BS947ABY rated 4855mAh = 5000mAh typical #GalaxyS41", ""),
        ("Galaxy S41+ battery gets certified at 5,000mAh", ""),
    )
    assert found[0] == found[1] != found[2], found
    assert found[3] == found[4], found


def test_teraflops_and_battery_life_are_claims() -> None:
    """ "PS8 Pro dev kits point to 84 TFLOPs GPU" and "PlayStation 8 Pro GPU Rumored At 84
    TFLOPs" give one figure (a tipster's "84TF" too); "to last 24 days on a single charge" is
    battery life, as "续航 24 天" is."""
    reader = Reader()
    assert "tflops:84" in reader.read("#PS8Pro# GPU 84TF", "").claims
    assert {"battery", "days:24"} <= set(
        reader.read("Xiaomi Smart Band 18 to last 24 days on a single charge", "").claims
    )
    found = stories(
        ("PS8 Pro dev kits point to 84 TFLOPs GPU, sources say", ""),
        ("PlayStation 8 Pro GPU Rumored At 84 TFLOPs, 2x The Base PS8", ""),
    )
    assert found[0] == found[1], found


def test_a_region_the_story_does_not_say_is_no_claim_against_it() -> None:
    """ "三星 Galaxy Watch 16 系列通过印度 BIS 认证" is the story of "Galaxy Watch16 series
    spotted on BIS", which does not say India; "PS8 Portable、Xbox Ally 3、Switch 4 傳聞規格比一比"
    is a comparison."""
    found = stories(
        (
            "Galaxy Watch16 series (SM-L360, SM-L760) spotted on BIS",
            "#GalaxyWatch16 #Samsung Launch is near 🔥",
        ),
        ("三星 Galaxy Watch 16 系列通过印度 BIS 认证", ""),
        ("PS8 Portable will cost $599, sources say", ""),
        ("PS8 Portable、Xbox Ally 3、Switch 4 傳聞規格比一比", "PS8 Portable 售價 599 美元。"),
    )
    assert found[0] == found[1], found
    assert found[2] != found[3], found


def test_a_camel_cased_name_in_a_hashtag_stays_one_word() -> None:
    """ "#MacBook Pro# M20 系列换 OLED" and "#MacBookPro屏下FaceID#" name the MacBook Pro (not a
    "Book Pro"), "#PlayStation8#" the PlayStation 8; "#SteamDeck3#" is still the Steam Deck 3
    and "#AppleWatch#" the Apple Watch, as written with a space."""
    reader = Reader()
    assert reader.read("#MacBookPro屏下FaceID# 刘海终于没了", "").subject == "macbook pro"
    assert reader.read("#PlayStation8# GPU", "").subject == "playstation 8"
    assert reader.read("#SteamDeck3#", "").subject == reader.read("Steam Deck 3", "").subject
    found = stories(
        (
            "#MacBook Pro# M20 系列 14/16英寸 用上串联OLED",
            "【MacBook Pro OLED】M20 Pro / M20 Max 的 14、16 英寸 MacBook Pro 换串联 OLED，刘海改成"
            "挖孔，HDR 峰值 1600 尼特。",
        ),
        (
            "OLED MacBook Pro With M20 Pro and M20 Max Chips to Feature Hole-Punch Camera",
            "Apple's 14-inch and 16-inch MacBook Pro models with M20 Pro and M20 Max chips will "
            "be the first Macs with tandem OLED displays, with a hole-punch cutout. Peak HDR "
            "brightness stays at 1,600 nits.",
        ),
    )
    assert found[0] == found[1], found


def test_dev_kits_taiwanese_chips_and_modems_are_claims_in_both_languages() -> None:
    """ "開發機" and "dev kits", "晶片" and "chip", "數據機" and "modem" say one thing."""
    reader = Reader()
    assert {"devkit", "chip"} <= set(
        reader.read("Steam Deck 4 開發機傳已出貨　搭 AMD 晶片", "").claims
    )
    assert "devkit" in reader.read("Steam Deck 4 dev kits are out", "").claims
    assert "modem" in reader.read("iPhone 40 全系列改用蘋果自研 C9 數據機", "").claims


def test_a_price_grouped_by_a_space_is_one_figure() -> None:
    """ "Motorola razr ultra 2040: 1 399 €" is €1,399, the story of "摩托罗拉 razr ultra 2040
    欧洲售价曝光：1399 欧元"; "12 256 €" is no price of €12,256."""
    reader = Reader()
    assert "eur:1399" in reader.read("Motorola razr ultra 2040: 1 399 €", "").claims
    assert "eur:12256" not in reader.read("Pixel 30 Pro 12 256 €", "").claims
    found = stories(
        ("Motorola razr ultra 2040: 1 399 €", ""),
        ("摩托罗拉 razr ultra 2040 欧洲售价曝光：1399 欧元", ""),
    )
    assert found[0] == found[1], found


def test_a_rog_gaming_phone_and_a_battery_of_ten_thousand_are_read() -> None:
    """ "ROG游戏手机22 7500毫安" is the ROG Phone 22 (游戏手机, a gaming phone), and "红米 Turbo
    15 万毫安" a 10,000 mAh battery."""
    reader = Reader()
    assert (
        reader.read("ROG游戏手机22 7500毫安", "").subject
        == reader.read("ASUS ROG Phone 22 battery tipped at 7,500mAh", "").subject
    )
    assert "mah:10000" in reader.read("红米 Turbo 15", "红米 Turbo 15 万毫安电池。").claims
    found = stories(
        ("ROG游戏手机22 7500毫安", ""),
        ("ASUS ROG Phone 22 battery tipped at 7,500mAh", ""),
    )
    assert found[0] == found[1], found


def test_a_sentence_opening_with_a_phrase_about_another_model_is_that_model_s() -> None:
    """ "For reference, the upcoming Snapdragon 8 Elite Gen 11 is rumoured to run its prime
    core at 5.2GHz", in a write-up of the Exynos 3000's Geekbench scores, is not a clock that
    contradicts the Exynos 3000's 4.4 GHz."""
    found = stories(
        ("Exynos 3000 Geekbench 6: 3,912 / 12,480", "Exynos 3000 大核 4.4GHz。"),
        (
            "Exynos 3000 Geekbench score leaks, beats Snapdragon 8 Elite Gen 10 in multi-core",
            "Samsung's Exynos 3000 has appeared on Geekbench 6 with 3,912 single-core and "
            "12,480 multi-core points. For reference, the upcoming Snapdragon 8 Elite Gen 11 is "
            "rumoured to run its prime core at 5.2GHz.",
        ),
    )
    assert found[0] == found[1], found


def test_a_title_about_products_in_the_plural_is_a_trend_piece() -> None:
    """ "Foldables are finally thin enough. Now fix the price", whose text cites the Fold15's
    3C listing, reports no leak; "Samsung's next foldables will reportedly launch on July 22"
    does."""
    found = stories(
        ("Galaxy Z Fold 15 gets 45W charging, 3C listing shows", ""),
        (
            "Foldables are finally thin enough. Now fix the price",
            "The Galaxy Z Fold 15 just passed 3C with 45W charging.",
        ),
        ("Samsung Galaxy Unpacked set for July 22 with the Z Fold 15", ""),
        ("Samsung's next foldables will reportedly launch on July 22", "Z Fold 15 on July 22."),
    )
    assert found[0] != found[1], found
    assert found[2] == found[3], found


def test_a_title_that_asks_then_explains_or_calls_a_race_is_an_aside() -> None:
    """ "7,500 or 8,000mAh? Why phone battery leaks keep changing" and "The race to the
    thinnest foldable is getting silly" discuss leaks; they report none."""
    found = stories(
        ("Honor Magic V10 will be 7.8mm thick when folded", ""),
        (
            "The race to the thinnest foldable is getting silly",
            "Honor's Magic V10 is tipped at 7.8mm folded.",
        ),
        ("Xiaomi 28 Pro battery: 8,000mAh", ""),
        (
            "7,500 or 8,000mAh? Why phone battery leaks keep changing",
            "The Xiaomi 28 Pro was tipped at 8,000mAh.",
        ),
    )
    assert len(set(found)) == 4, found


def test_a_chip_s_antutu_story_and_a_phone_s_geekbench_story_stay_apart() -> None:
    """ "Exynos 3800-powered Galaxy S40+ shows up on Geekbench" is about the S40+, and though
    its write-up repeats the chip's AnTuTu score, it does not bring the chip's AnTuTu story
    (4,520,000) into the S40+'s Geekbench story (3,610 / 12,480): their titles' scores differ."""
    found = stories(
        (
            "Exynos 3800 AnTuTu v12: 4,520,000. SF1.4 yield improving.",
            "Exynos 3800 engineering sample, AnTuTu 4.52M. CPU 10 cores, GPU Xclipse 1160.",
        ),
        ("Galaxy S40+ (SM-S947B) on Geekbench: Exynos 3800, 12GB, 3,610 / 12,480", ""),
        (
            "Exynos 3800-powered Galaxy S40+ shows up on Geekbench",
            "The European Galaxy S40+ (SM-S947B) has been spotted on Geekbench 6 with the "
            "Exynos 3800, 12GB of RAM and Android 19, scoring 3,610 in single-core and 12,480 "
            "in multi-core tests. The chip was said yesterday to cross 4.5 million points in "
            "AnTuTu.",
        ),
    )
    assert found[0] != found[1] == found[2], found
    assert Reader().read("Exynos 3800-powered Galaxy S40+ shows up on Geekbench", "").subject == (
        "s40 +"
    )


def test_a_chip_s_benchmark_is_not_the_story_of_a_device_its_write_up_repeats() -> None:
    """ "Unreleased Mac with M9 Max chip appears on Geekbench", whose text repeats the M9 Max
    MacBook Pro's OLED leak, is the chip's benchmark story, not the OLED story; a tipster's
    "GB7" and "TSE" are benchmarks too."""
    found = stories(
        ("16寸 MacBook Pro M9 Max 换 OLED", "16 英寸 MacBook Pro M9 Max 换 OLED，刘海变挖孔。"),
        (
            "Leaker: M9 Max MacBook Pro goes OLED, drops the notch",
            "The 16-inch MacBook Pro with M9 Max switches to OLED with a hole-punch camera.",
        ),
        (
            "Unreleased Mac with M9 Max chip appears on Geekbench",
            "A Mac with the M9 Max scored 4,980 single-core and 31,240 multi-core. It is "
            "expected in the 16-inch MacBook Pro, said this week to switch to OLED with a "
            "hole-punch camera.",
        ),
    )
    assert found[0] == found[1] != found[2], found
    reader = Reader()
    assert "benchmark" in reader.read("Exynos 3100 GB7: 4180 / 13400", "").claims
    assert "benchmark" in reader.read("RX 12900 XT TSE ~18.5K", "").claims


def test_a_figure_a_device_will_break_is_a_bound_not_a_conflict() -> None:
    """ "Galaxy S41 Ultra will finally break the 5,000mAh barrier" says more than 5,000mAh, so
    the 5,500mAh report is the same leak; and a tipster's "galaxy s42+ : 5000mAh" is the S42+,
    a plus before a colon, not a second model."""
    found = stories(
        (
            "Galaxy S41 Ultra battery: 5,500mAh",
            "三星 Galaxy S41 Ultra 电池升级 5500mAh，45W 快充。",
        ),
        (
            "Galaxy S41 Ultra will finally break the 5,000mAh barrier",
            "Samsung's Galaxy S41 Ultra is tipped to break its 5,000mAh habit with 5,500mAh.",
        ),
        ("Galaxy S42+ to get a 5,000mAh battery, tipster says", ""),
        ("galaxy s42+ : 5000mAh , 45W", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_an_event_s_day_without_a_model_is_the_launch_date_story_of_that_day() -> None:
    """ "Unpacked: August 3, Seoul." names no model, but it dates the event the Galaxy Z Fold
    21's launch story dates, so it is that story; an ordinal day ("August 3rd") is that day,
    and another event day or another claim on that day is not."""
    found = stories(
        ("Samsung Galaxy Unpacked for Z Fold 21 and Z Flip 21 set for August 3 in Seoul", ""),
        ("Unpacked: August 3, Seoul. 🗓️", ""),
        ("Samsung's Z Fold 21 and Flip 21 launch event is reportedly set for August 3rd", ""),
        ("三星 Unpacked 8 月 3 日首爾舉行 新一代摺機登場", ""),
        ("Unpacked: January 28, San Jose.", ""),
        ("Galaxy S45 Ultra battery: 6,000mAh", ""),
    )
    assert len({*found[:4]}) == 1, found
    assert len(set(found)) == 3, found


def test_a_launch_day_finds_the_event_s_posts_not_every_launch_of_that_day() -> None:
    """Many launches share a day. A post naming a model looks up the stories of that day that
    name none (the event's), not every model's launch story dated that day, so deciding it
    does not grow with the stories open; a post naming no model still finds them all."""
    reader = Reader()
    index = StoryIndex()
    at = datetime(2037, 7, 1, tzinfo=UTC)
    for number in range(1, 201):
        index.add(
            OpenStory(number, at, "", reader.read(f"Pixel {number} launch set for August 3", ""))
        )
    event = reader.read("Unpacked: August 3, Seoul.", "")
    post = reader.read("Galaxy Z Fold 21 launch set for August 3", "")
    assert index.candidates(post, at) == []
    assert len(index.candidates(event, at)) == 200
    index.add(OpenStory(201, at, "", event))
    assert [story.id for story in index.candidates(post, at)] == [201]


def test_a_figure_a_chip_goes_past_or_a_battery_exceeds_is_a_bound() -> None:
    """ "The first phone chip past 5GHz" and "battery to exceed 5,000mAh" say more than the
    figure: the 5.3GHz and 5,300mAh reports are their leaks, not corrections of them."""
    found = stories(
        ("Dimensity 9900 prime core to hit 5.3GHz", ""),
        ("Dimensity 9900 could be the first phone chip past 5GHz", ""),
        ("Pixel 31 Pro battery to exceed 5,000mAh", ""),
        ("Pixel 31 Pro rumored to get a 5,300mAh battery", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_an_architecture_named_first_is_not_the_title_s_subject() -> None:
    """ "AMD Zen 9 桌機旗艦 Ryzen 9 14950X 傳 32 核心" is about the 14950X, built on Zen 9;
    a title that names only the architecture is about it."""
    reader = Reader()
    assert reader.read("AMD Zen 9 桌機旗艦 Ryzen 9 14950X 傳 32 核心", "").subject == "14950x"
    assert reader.read("AMD Zen 9 details leak: wider cores", "").subject == "zen 9"
    found = stories(
        ("AMD Ryzen 9 14950X Zen 9 Desktop CPU To Feature 32 Cores & 6.1 GHz Boost", ""),
        ("AMD Zen 9 桌機旗艦 Ryzen 9 14950X 傳 32 核心", ""),
    )
    assert found[0] == found[1], found


def test_a_case_material_and_a_bluetooth_listing_are_claims() -> None:
    """ "Plastic Apple Watch SE 6 in the works" and "Apple Watch SE 6 傳改用塑膠機身" say one
    thing; so do "Nothing Ear (6) Bluetooth SIG" and "Nothing Ear 6 spotted on Bluetooth SIG"."""
    found = stories(
        ("Report: plastic Apple Watch SE 6 in the works", ""),
        ("Apple Watch SE 6 傳改用塑膠機身", ""),
        ("Nothing Ear (6) Bluetooth SIG", ""),
        ("Nothing Ear 6 spotted on Bluetooth SIG ahead of launch", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_product_brought_back_is_one_claim_however_it_is_said() -> None:
    """ "Google un-cancels the third Pixel Tablet", "Pixel Tablet 3 reportedly revived" and
    "the next Pixel Tablet is back on" report one leak: the product is revived."""
    found = stories(
        ("Google un-cancels the third Pixel Tablet", ""),
        ("Google's next Pixel Tablet is back on, with Tensor G9", ""),
        ("Pixel Tablet 3 reportedly revived, say Google's plans", ""),
        ("Pixel Tablet 3 battery: 9,000mAh", ""),
    )
    assert found[0] == found[1] == found[2] != found[3], found


def test_a_product_killed_is_cancelled() -> None:
    """ "Samsung kills the Galaxy S40 Edge" and "Galaxy S40 Edge cancelled" are one leak."""
    found = stories(
        ("Galaxy S40 Edge cancelled, S40 series back to three models", ""),
        ("Samsung kills the Galaxy S40 Edge", ""),
        ("Galaxy S40 Edge battery: 4,400mAh", ""),
    )
    assert found[0] == found[1] != found[2], found


def test_a_resolution_in_pixels_is_a_figure_that_tells_two_leaks_apart() -> None:
    """ "Quest 9 will have 3,200 × 3,200 per eye resolution", whose text repeats the
    September 20 launch, is not the Quest 9's launch date story: its title's figure is a
    resolution the date story's title does not give; and "3200x3200" is that resolution."""
    found = stories(
        ("Report: Quest 9 coming September 20", "Meta will reveal the Quest 9 at Connect."),
        (
            "Quest 9 Will Have 3,200 × 3,200 Per Eye Resolution, Supply Chain Report Claims",
            "Meta Quest 9 will use 3200x3200 LCD panels per eye. Yesterday we reported the "
            "headset launches at Connect on September 20.",
        ),
        ("Meta Quest 9 傳改用單眼 3200x3200 面板", ""),
    )
    assert found[0] != found[1] == found[2], found
    assert "px:3200x3200" in Reader().read("Quest 9: 3,200 × 3,200 per eye", "").claims


def test_a_model_a_title_names_in_passing_is_not_its_subject() -> None:
    """ "Huawei Mate X9 to launch in early September, ahead of Mate 95 series" is the Mate X9's
    launch story, the one "華為 Mate X9 傳 9 月初發表" tells; the Mate 95 is named in passing,
    as is the Fold 14 a thinner phone is compared with. A figure after "than" stays."""
    found = stories(
        ("Huawei Mate X9 to launch in early September, ahead of Mate 95 series", ""),
        ("華為 Mate X9 傳 9 月初發表", ""),
        ("OnePlus Ace 9 to launch on April 15, same day as Oppo Find X14 Ultra", ""),
        ("一加 Ace 9 手机定档 4 月 15 日发布", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found
    reader = Reader()
    assert reader.read("Honor Magic V9 is thinner than the Galaxy Z Fold 14", "").headline == (
        "v9",
    )
    assert "mah:5000+" in reader.read("Galaxy S45 battery more than 5,000mAh", "").claims


def test_the_model_a_title_s_one_succeeds_is_not_its_subject() -> None:
    """ "19PM successor? iPhone 23 Pro Max battery tipped at 5,400mAh" is the iPhone 23 Pro
    Max's battery story; "Pixel Tablet successor is alive" is still the Pixel Tablet's."""
    found = stories(
        ("iPhone 23 Pro Max rumored to feature 5,400 mAh battery", ""),
        ("19PM successor? iPhone 23 Pro Max battery tipped at 5,400mAh", ""),
    )
    assert found[0] == found[1], found
    reader = Reader()
    assert reader.read("19PM successor? iPhone 23 Pro Max battery", "").headline == (
        "iphone 23 pro max",
    )
    assert reader.read("Google Pixel Tablet successor is alive", "").subject == "pixel tablet"


def test_a_region_only_a_text_gives_contradicts_nothing() -> None:
    """A Taiwanese post dating the Unpacked in "美國時間" (US time) is the Unpacked story,
    though another report of it said China; regions both titles give still tell two leaks
    ("PS7 Pro EU price" and "PS7 Pro JP price")."""
    found = stories(
        (
            "Samsung Galaxy Unpacked for Z Fold 15 and Z Flip 15 is on August 11",
            "The invite also says the launch in China follows a day later.",
        ),
        (
            "三星夏季 Unpacked 傳 8/11 登場 新摺疊機 Z Fold15、Z Flip15 蓄勢待發",
            "根據外流邀請函，三星夏季 Galaxy Unpacked 將於美國時間 8 月 11 日舉行。",
        ),
        ("PS7 Pro EU price", "Sony raises the PS7 Pro's price in Europe."),
        ("PS7 Pro JP price", "PS7 Pro price in Japan goes up to 139,980 yen."),
    )
    assert found[0] == found[1] != found[2] != found[3], found


def test_a_count_times_a_core_design_is_cores_not_a_zoom() -> None:
    """ "8x Zen 9" is eight Zen 9 cores, not an 8x zoom: "Steam Deck 5 uses AMD 'Kestrel'
    APU: 8x Zen 9" claims cores, as "8 核 Zen 9" does."""
    reader = Reader()
    claims = reader.read("Steam Deck 5 uses AMD 'Kestrel' APU: 8x Zen 9, 24CU RDNA 7", "").claims
    assert "cores" in claims and "x:8" not in claims
    assert "x:8" in reader.read("Find X15 Ultra: 8x periscope", "").claims


def test_pixels_in_taiwanese_with_grouped_thousands_are_megapixels() -> None:
    """ "Sony A9 IV 畫素更正為 5,000 萬" is 50 MP, the corrected figure's story."""
    found = stories(
        ("Sony A9 IV to jump to a 60 MP stacked sensor", ""),
        ("Tipster corrects Sony A9 IV sensor: 50 MP, not 60 MP", ""),
        ("Sony A9 IV 畫素更正為 5,000 萬", ""),
    )
    assert found[0] != found[1] == found[2], found
    assert "mp:50" in Reader().read("Sony A9 IV 畫素更正為 5,000 萬", "").claims


def test_a_sony_alpha_in_a_tipster_s_shorthand_is_that_alpha() -> None:
    """ "A7M7" is the A7 VII and "A7R8" the A7R VIII; the Galaxy A75 stays the A75."""
    reader = Reader()
    assert reader.read("索尼 A7M7 曝光：5000 万像素堆栈式传感器", "").subject == "a7 vii"
    assert reader.read("A7R8 1亿堆栈，4月发布", "").subject == "a7r viii"
    assert reader.read("Galaxy A75 battery: 6,000mAh", "").subject == "a75"
    found = stories(
        ("Sony A7R VIII to jump to a 100MP stacked sensor", ""),
        ("A7R8 1亿像素堆栈，4月发布", ""),
    )
    assert found[0] == found[1], found


def test_meta_s_display_glasses_are_a_line_with_generations() -> None:
    """ "Meta Ray-Ban Display 4" is a numbered product, whoever writes it, and its price story
    is one: not the "Meta 4" nor a post with no model."""
    reader = Reader()
    assert reader.read("Meta Ray-Ban Display 4 will cost $699", "").subject == "raybandisplay 4"
    found = stories(
        ("Meta Ray-Ban Display 4 will cost $699, with a second display", ""),
        ("Report: Meta Ray-Ban Display 4 To Cost $699", ""),
        ("Meta 雷朋 Display 4 智能眼镜售价曝光：699 美元", ""),
    )
    assert len(set(found)) == 1, found


def test_pixels_before_a_partly_stacked_sensor_are_megapixels() -> None:
    """ "5000万 部分堆栈" is a 50 MP partially stacked sensor."""
    assert "mp:50" in Reader().read("#索尼A7M7# 5000万 部分堆栈", "").claims


def test_a_day_counted_from_an_event_is_no_battery_life() -> None:
    """ "峰会第二天" (the summit's second day) and "one day after the summit" place a launch in
    time; neither is a figure of days that contradicts the other."""
    found = stories(
        ("小米29 / 29 Pro 9月24日 发布", "小米29 标准版、Pro 定档 9 月 24 日，骁龙峰会第二天。"),
        (
            "Xiaomi 29 and 29 Pro to launch on September 24",
            "Xiaomi will unveil the Xiaomi 29 on September 24, one day after the Snapdragon "
            "Summit.",
        ),
    )
    assert found[0] == found[1], found
    assert "days:12" in Reader().read("Watch 9 battery: 12 days", "").claims


def test_a_bare_number_s_suffix_names_another_card() -> None:
    """A tipster's "9060 Ti" names the RTX 9060 Ti by its number, not the RTX 9060: the two
    cards' memory leaks stay two stories, and "9060 Ti" joins the Ti's."""
    found = stories(
        ("9060", "8G GDDR7, 128bit. RTX 9060 stays at 8GB."),
        ("NVIDIA RTX 9060 to stick with 8GB of memory", "The RTX 9060 keeps 8GB on 128-bit."),
        ("9060 Ti", "12G (3GB modules), 128bit"),
        ("RTX 9060 Ti to get 12GB thanks to 3GB GDDR7 modules", ""),
        ("6090", "GB202-450, 32G GDDR8, 512bit"),
        ("RTX 6090 to keep a 512-bit bus with 32GB of GDDR8", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found
    assert found[4] == found[5] != found[0], found


def test_a_chip_for_galaxy_is_a_model_of_its_own() -> None:
    """ "Snapdragon 8 Elite Gen 11 for Galaxy" (领先版) is a chip of its own, not the Snapdragon
    8 Elite Gen 11: its foundry story and the plain chip's clock story stay two."""
    reader = Reader()
    assert reader.read("骁龙8至尊版领先版 频率更高", "").subject == "snapdragon 8 elite for galaxy"
    found = stories(
        ("Snapdragon 8 Elite Gen 11 tipped to clock at 5.6GHz on TSMC N1P", ""),
        ("第十一代骁龙8至尊版 大核 5.6GHz 台积电 N1P 工艺", ""),
        ("Snapdragon 8 Elite Gen 11 for Galaxy could be made by Samsung Foundry on SF1P", ""),
        ("消息称第十一代骁龙 8 至尊版 for Galaxy 将由三星代工 SF1P", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_title_s_date_is_not_a_figure_of_another_unit() -> None:
    """ "M11 MacBook Air expected in March" gives a month; the M11 chip's story, whose posts say
    3 nm, holds no March. Its write-up repeats the chip's whole story (its 2 nm process and
    October production), and still it is the MacBook Air's launch, not the chip's story."""
    found = stories(
        ("M11 on N2", "Apple M11 taped out on TSMC N2, 3nm was the M10. MP starts Oct."),
        ("Apple M11 Chips On TSMC 2nm Enter Mass Production In October", ""),
        (
            "M11 MacBook Air Expected in March 2041",
            "Apple plans to launch the MacBook Air with the M11 chip in March 2041. The M11 is"
            " built on TSMC's 2nm process, with mass production starting in October.",
        ),
        ("消息称 M11 MacBook Air 将于 2041 年 3 月发布", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_device_s_benchmark_is_not_its_chip_s_benchmark_whose_scores_it_repeats() -> None:
    """ "OnePlus 30 shows up on Geekbench with Snapdragon 8 Elite Gen 12" gives the phone's
    scores and, as background, the chip's: it is the phone's leak, not the chip's Geekbench
    story, whichever came first; a chip's own write-ups still join the chip's story."""
    found = stories(
        ("第十二代骁龙8至尊版 GB6：4600 / 14900", "一加 30 将首发。"),
        (
            "Snapdragon 8 Elite Gen 12 Geekbench leak: 4,600 single-core, 14,900 multi-core",
            "The chip is clocked at 5GHz on a 2nm process. The OnePlus 30 is expected to debut it.",
        ),
        (
            "OnePlus 30 shows up on Geekbench with Snapdragon 8 Elite Gen 12",
            "The OnePlus 30 scored 4,480 single-core and 14,520 multi-core with 16GB of memory."
            " The Snapdragon 8 Elite Gen 12 itself leaked at 4,600 and 14,900 this week.",
        ),
        (
            "一加 30 现身 Geekbench：第十二代骁龙8至尊版，多核 14520",
            "一加 30 单核 4480 分，多核 14520 分，16GB 内存。",
        ),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_price_whose_text_recalls_a_listing_is_not_the_listing_s_story() -> None:
    """ "Switch 3 Lite price" gives a price and recalls "the FCC filing": it is the price's
    leak, not the Switch 3 Lite's FCC story, though it holds all that story says."""
    found = stories(
        ("任天堂 Switch 3 Lite 疑似通过 FCC 认证，型号 BEH-001", "机身更小，没有底座接口。"),
        ("Switch 3 Lite 現身 FCC？型號 BEH-001", ""),
        (
            "Switch 3 Lite price",
            "Switch 3 Lite is $349.99. Handheld only, as the FCC filing showed.",
        ),
        ("Rumour: Switch 3 Lite Will Cost $349.99", "The model passed through the FCC this week."),
        ("Switch 3 Lite 傳售 349.99 美元", ""),
    )
    assert found[0] == found[1] != found[2] == found[3] == found[4], found


def test_a_brand_s_unnamed_phone_with_a_chip_is_the_phone_not_the_chip() -> None:
    """ "Mystery Xiaomi phone with Snapdragon 8 Elite Gen 14 shows up on Geekbench" is that
    phone's run (the Xiaomi 28 Pro its text names), not the chip's Geekbench story whose
    scores its text repeats; a chip "to debut on a Realme phone" is still the chip's."""
    reader = Reader()
    assert reader.read("三星新机现身 Geekbench：Exynos 3100", "").subject == "samsung next"
    debut = reader.read("Snapdragon 7s Gen 9 to debut on a Realme phone in March", "")
    assert debut.subject is not None and debut.subject.startswith("snapdragon 7s")
    found = stories(
        ("第十四代骁龙8至尊版 工程机 GB6 4500+/15000+", "超大核 5.4GHz，今年秋天见。"),
        ("Snapdragon 8 Elite Gen 14 engineering sample breaks 15,000 in Geekbench 6", ""),
        (
            "Mystery Xiaomi phone with Snapdragon 8 Elite Gen 14 shows up on Geekbench",
            "A Xiaomi device scored 4,380 single-core and 14,640 multi-core with the chip,"
            " whose engineering sample broke 15,000 this week. It is likely the Xiaomi 28 Pro.",
        ),
        (
            "小米新机现身 Geekbench：搭载第十四代骁龙8至尊版",
            "单核 4380 分，多核 14640 分，预计为小米 28 Pro。",
        ),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_an_s_chip_keeps_its_generation() -> None:
    """ "Snapdragon 8s Gen 6" is not the "Snapdragon 8s Gen 7" (a laptop's "Gen 12" after
    "9i" is its year and is dropped, a chip's generation after "8s" is not)."""
    reader = Reader()
    assert reader.read("骁龙7s Gen5 首发", "").subject == "snapdragon 7s gen 5"
    assert reader.read("Legion Pro 9i Gen 12 specs", "").subject == "legion pro 9i"
    found = stories(
        ("Snapdragon 8s Gen 6 to clock at 3.4GHz", ""),
        ("Snapdragon 8s Gen 7 to clock at 3.4GHz", ""),
        ("第六代骁龙8s 大核 3.4GHz", ""),
    )
    assert found[0] == found[2] != found[1], found


def test_stacked_cache_on_both_dies_is_a_claim() -> None:
    """ "V-Cache on both CCDs", "Dual-CCD V-Cache" and 双CCD都有3D缓存 say one thing about the
    Ryzen 9 12950X3D; its clock story is another leak."""
    found = stories(
        ("12950X3D: V-Cache on both CCDs", "Ryzen 9 12950X3D: 16C, 3D V-Cache on both CCDs."),
        ("AMD Ryzen 9 12950X3D Dual-CCD V-Cache Confirmed By Leaker", ""),
        ("锐龙9 12950X3D双CCD都有3D缓存", ""),
        ("AMD Ryzen 9 12950X3D to boost to 6.1GHz", ""),
    )
    assert found[0] == found[1] == found[2] != found[3], found


def test_a_device_a_title_names_by_its_code_is_not_the_chip_its_text_names() -> None:
    """ "拯救者 Y7000P 2041" is a laptop named by what looks like a code (its global name, by
    `model_aliases`, is the Legion Pro 5i): a 3C listing of it is its story, not the story of
    the GPU its text says it carries (a model the text names by its name is the subject
    still: "vivo V2611A" is the X500 its text names)."""
    reader = Reader()
    listing = reader.read(
        "联想拯救者 Y7000P 2041 通过 3C 认证：配 300W 电源适配器",
        "该机型号 LNV-Y7P41，上代为 230W。预计搭载 RTX 10070 笔记本显卡。",
    )
    assert listing.subject == "legion pro 5i"
    coded = reader.read("vivo V2611A passes 3C with 90W charging", "It is the vivo X500.")
    assert coded.subject == "x500"
    found = stories(
        ("RTX 10070 Laptop: 300W", "RTX 10070 笔记本显卡整机 300W。"),
        ("NVIDIA RTX 10070 Laptop GPU tipped for 300W", ""),
        (
            "联想拯救者 Y7000P 2041 通过 3C 认证：配 300W 电源适配器",
            "该机型号 LNV-Y7P41，上代为 230W。预计搭载 RTX 10070 笔记本显卡。",
        ),
        ("拯救者 Y7000P 2041 通過 3C 認證 300W 變壓器", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_week_of_rumours_is_a_round_up() -> None:
    """ "Week in graphics rumours: …" names the week's leaks and reports none of them: the
    Radeon RX 12090 XT's power story is not brought into it."""
    found = stories(
        ("RX 12090 XT TBP is 450W, not 400W", "Radeon RX 12090 XT: 450W TBP, not 400W."),
        (
            "Week in graphics rumours: RX 12090 XT memory and power, RX 12080 XT",
            "The RX 12090 XT's TBP is now said to be 450W, not 400W, with 32GB of GDDR7; the"
            " RX 12080 XT gets 24GB.",
        ),
        ("消息称 AMD RX 12090 XT 显卡 TBP 为 450W，而非 400W", ""),
    )
    assert found[0] == found[2] != found[1], found


def test_a_day_counted_from_another_is_no_figure() -> None:
    """ "同一天" (the same day), "两天前" and "two days ago" say when, not how many days: a
    launch date's reports that say them are one story, not a contradiction of days."""
    reader = Reader()
    for title, text in (
        ("#荣耀Magic12系列# 11月28日", "Magic 12 / 12 Pro 同一天发布。"),
        ("Honor Magic 12 series launch date: November 28", "Renders leaked two days ago."),
        ("荣耀 Magic 12 系列 11 月 28 日发布", "两天前渲染图曝光。"),
    ):
        assert not any(c.startswith("days:") for c in reader.read(title, text).claims), title
    assert "days:14" in reader.read("Honor Watch 6 续航 14 天", "").claims
    assert one(
        ("#荣耀Magic12系列# 11月28日", "Magic 12 / 12 Pro 同一天发布。"),
        ("Honor Magic 12 series launch date: November 28", "Renders leaked two days ago."),
        ("荣耀 Magic 12 系列 11 月 28 日发布", "两天前渲染图曝光。"),
    )


def test_a_tipster_s_glued_z_fold_is_the_z_fold() -> None:
    """ "#三星ZFold21#" and "ZFlip10" are the Galaxy Z Fold 21 and Z Flip 10 as a news title
    writes them (one capital before a capitalised word is split off: "ZFold", "XFold")."""
    reader = Reader()
    assert reader.read("#三星ZFold21# 折叠 8.1mm", "").subject == "fold 21"
    assert reader.read("ZFlip10 电池 4500mAh", "").subject == "flip 10"
    assert reader.read("XRing O3 tapes out", "").subject == "xring o3"
    assert one(
        ("#三星ZFold21# 折叠 8.1mm，205克", "三星 Z Fold21 折叠 8.1mm，展开 3.9mm，205 克。"),
        ("Galaxy Z Fold 21 摺疊厚度 8.1mm", ""),
    )


def test_a_tipster_s_spec_sheet_says_what_the_write_ups_say() -> None:
    """A tipster's "RTX 7070 Ti" over "GB305-300<br>12288FP32<br>18G GDDR8" gives the shader
    count and the memory the write-ups give as "12,288 CUDA cores" and "18GB of GDDR8": one
    story (the glued "12288FP32" is a shader count, not a model code)."""
    reader = Reader()
    sheet = reader.read("RTX 7070 Ti", "GB305-300<br>12288FP32<br>18G GDDR8 36Gbps, 288bit")
    assert {"n:12288", "cores", "memory"} <= set(sheet.claims)
    assert one(
        ("RTX 7070 Ti", "GB305-300<br>12288FP32<br>18G GDDR8 36Gbps, 288bit"),
        (
            "NVIDIA RTX 7070 Ti specs: 12,288 CUDA cores and 18GB GDDR8",
            "The RTX 7070 Ti uses the GB305-300 die with 12,288 CUDA cores and 18GB of GDDR8 on"
            " a 288-bit bus, kopite7kimi says.",
        ),
        ("RTX 7070 Ti 规格曝光：12288 个 CUDA、18GB GDDR8", ""),
    )


def test_a_brand_s_unnamed_laptop_before_a_gpu_is_the_laptop_s_leak() -> None:
    """ "Lenovo's 2041 Legion gaming laptop gets 330W charger, hinting at RTX 10070 Laptop" is
    the unnamed laptop's leak, with words between the brand and "laptop": not the story of
    the GPU's power figure, though both say 330W (the device word may stand a few words after
    the brand; a chip "to debut on a Realme phone" stays the chip's)."""
    reader = Reader()
    title = "Lenovo's 2041 Legion gaming laptop gets 330W charger, hinting at RTX 10070 Laptop"
    assert reader.read(title, "").subject == "lenovo next"
    assert reader.read("Snapdragon 7s Gen 6 to debut on a Realme phone", "").subject == (
        "snapdragon 7s gen 6"
    )
    found = stories(
        ("RTX 10070 Laptop: 330W", ""),
        ("NVIDIA RTX 10070 Laptop GPU tipped for 330W", ""),
        (title, "A 3C listing shows a 330W adapter for Lenovo's next Legion."),
    )
    assert found[0] == found[1] != found[2], found


def test_two_write_ups_that_recall_each_other_s_leak_tell_two_leaks() -> None:
    """A battery write-up that recalls the periscope and a periscope write-up that recalls
    the battery, when the tipsters' own posts are not there to open each story first (a
    watch matched only the write-ups): their titles share nothing, so they are two leaks."""
    found = stories(
        (
            "Galaxy S40 Ultra to finally get a bigger 6,000mAh battery and 65W charging",
            "Samsung is moving past 5,500 mAh: the Galaxy S40 Ultra will pack a 6,000mAh battery"
            " with 65W wired charging, a tipster says. Earlier today the phone was also tipped"
            " to swap its 5x periscope for a 200MP 4x unit.",
        ),
        (
            "三星 Galaxy S40 Ultra 电池曝光：6000mAh + 65W 快充",
            "三星 Galaxy S40 Ultra 将配备 6000mAh 电池，支持 65W 有线快充，此前还曝光 2 亿像素 4"
            " 倍潜望。",
        ),
        (
            "Samsung Galaxy S40 Ultra to swap its 5x zoom for a 200MP 4x periscope",
            "The Galaxy S40 Ultra will drop its 50MP 5x periscope for a 200MP 4x periscope camera,"
            " a tipster claims. Separately, the phone gets a 6,000mAh battery with 65W charging.",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_a_correction_corrects_the_figure_its_title_gives_not_the_text_s_background() -> None:
    """A write-up of a tipster's correction that recalls another model's figures of another
    kind ("Charging stays at 45W. The S41+ passed 3C with 65W") corrects the battery its
    title gives, not the charging: it joins the tipster's correction, which says 45W too."""
    reader = Reader()
    write_up = (
        "Galaxy S41 Ultra battery is actually 6,000mAh, tipster corrects",
        "The tipster has corrected his earlier leak: the Galaxy S41 Ultra will ship with a"
        " 6,000mAh battery, not the 5,500mAh he reported. Charging stays at 45W. Earlier this"
        " week the Galaxy S41+ passed 3C certification with 65W charging.",
    )
    fingerprint = reader.read(*write_up)
    assert "w:45" in fingerprint.claims and "w:45" not in fingerprint.quoted
    found = stories(
        ("Galaxy S41 Ultra battery: 5,500mAh, 45W", "S41U 5500mAh 45W."),
        ("更正：三星 Galaxy S41 Ultra 电池为 6000mAh，不是 5500mAh", "6000mAh，45W 不变。"),
        write_up,
    )
    assert found[0] != found[1] == found[2], found


def test_a_dashed_name_with_its_number_glued_is_a_model() -> None:
    """Fujifilm's "X-Pro4" (the number glued to a three-letter line after the dash) is the
    X-Pro 4, as "X-T6" is the X-T 6: its launch-date posts are one story in any language."""
    reader = Reader()
    assert reader.read("Fujifilm X-Pro6 reportedly coming May 12", "").subject is not None
    assert one(
        ("Fujifilm X-Pro6 to be announced at X Summit on May 12", ""),
        ("Fujifilm X-Pro6 reportedly coming May 12", ""),
        ("富士 X-Pro6 傳 5 月 12 日 X Summit 發表", ""),
    )


def test_smart_glasses_and_a_tipster_s_glued_steam_deck_are_named_products() -> None:
    """Apple's "smart glasses" and "苹果智能眼镜" are the Apple glasses, as "Apple glasses" is;
    a tipster's "SteamDeck3" is the Steam Deck 3: each post's rewordings are one story."""
    reader = Reader()
    assert reader.read("Apple smart glasses to weigh 40 grams", "").subject == "apple glasses"
    assert reader.read("苹果智能眼镜重量曝光", "").subject == "apple glasses"
    assert reader.read("SteamDeck3电池70Wh", "").subject == reader.read("Steam Deck 3", "").subject
    assert one(
        ("Apple glasses: 40g, Zeiss lenses", "Apple's glasses weigh 40g with Zeiss lenses."),
        ("Apple smart glasses to weigh just 40 grams, Kuo says", "Zeiss lenses, 40 g."),
        ("郭明錤：苹果智能眼镜仅重 40 克", "蔡司镜片，重 40 克。"),
    )
    assert one(
        ("SteamDeck3电池70Wh", ""),
        ("Steam Deck 3 battery tipped at 70Wh", "A 70Wh battery for Valve's next handheld."),
    )


def test_a_tipster_s_hidden_last_digit_is_the_score_a_write_up_gives() -> None:
    """A tipster's "3,41x / 12,1xx" hides one or two last digits: about 3,410 and 12,100."""
    fingerprint = Reader().read("Exynos 2950 on GB6: 3,41x / 12,1xx", "")
    assert {"n:3410", "n:12100"} <= set(fingerprint.claims), fingerprint.claims
    assert one(
        ("Exynos 2950 on GB6: 3,41x / 12,1xx", ""),
        ("Exynos 2950 scores 3,410 and 12,100 in Geekbench 6", "Samsung's next chip."),
    )


def test_an_opinion_piece_on_a_leaked_price_is_an_aside() -> None:
    """An opinion piece, "The Switch 5 shouldn't cost $499" (or a text that opens
    "Opinion:"), argues about the leak; it is no report of it, so it joins no story."""
    found = stories(
        ("Switch 5 will cost $499.99, according to a leaker", "The Switch 5 is $499.99."),
        ("Nintendo's Switch 5 could cost $499.99", "A leaker says $499.99."),
        ("The Switch 5 shouldn’t cost $499", "It needs to stay affordable."),
        ("Switch 5 at $499.99?", "Opinion: whatever the leaks say, $499.99 is too much."),
    )
    assert found[0] == found[1] != found[2], found
    assert found[3] not in (found[0], found[2]), found


def test_a_family_written_with_a_chinese_enumeration_comma_is_its_series() -> None:
    """A tipster's "iPhone 31 Pro、Pro Max" is the Pro and the Pro Max, as "iPhone 31
    Pro/Pro Max" is, not one "iPhone 31 Pro Pro Max": the family's memory leak is one story
    in any script."""
    reader = Reader()
    assert (
        reader.read("iPhone 31 Pro、Pro Max 傳升級 16GB 記憶體", "").subject == "iphone 31 series"
    )
    assert one(
        ("iPhone 31 Pro/Pro Max 16GB 内存", ""),
        (
            "iPhone 31 Pro、Pro Max 傳升級 16GB 記憶體",
            "蘋果 iPhone 31 Pro 兩款將升級 16GB 記憶體。",
        ),
        ("iPhone 31 Pro and Pro Max to get 16GB of RAM", "Both Pro models get 16GB."),
    )


def test_the_same_model_at_the_same_certifier_is_one_listing() -> None:
    """Two write-ups of the Switch 5 at the FCC, each with its own background, report one
    listing; the Switch 5 at 3C the same day is another."""
    found = stories(
        (
            "Nintendo Switch 5 Appears To Have Passed Through The FCC",
            "A new Nintendo device has shown up in FCC filings, listing Wi-Fi 8.",
        ),
        (
            "The Nintendo Switch 5 just cleared the FCC",
            "Approval usually means a launch within months.",
        ),
        ("任天堂 Switch 5 通过 3C 认证", "任天堂新主机通过国内 3C 认证，支持 65W 充电。"),
    )
    assert found[0] == found[1] != found[2], found


def test_a_brand_s_shorthand_ultra_and_an_alpha_are_models() -> None:
    """A tipster's "小米31U" after its brand is the Xiaomi 31 Ultra, and Sony's "α9 V" is
    its "A9 V": the shorthand post joins the write-ups that spell the model out."""
    reader = Reader()
    assert reader.read("更正：小米31U 是8000", "").subject == "xiaomi 31 ultra"
    assert reader.read("Sony α9 V", "").subject == reader.read("Sony A9 V", "").subject
    assert one(
        ("更正：小米31U 是8000", ""),
        ("Xiaomi 31 Ultra battery is actually 8,000 mAh, tipster corrects himself", ""),
    )
    assert one(
        ("Rumour: Sony α9 V with 60MP stacked sensor due this spring", ""),
        ("(SR5) Sony A9 V to have a 60MP stacked sensor", ""),
    )


def test_a_tipster_s_line_initial_is_the_model_the_post_names_in_full() -> None:
    """A tipster's "P95U" is the Pura 95 Ultra the post's hashtag spells out: the post joins
    the write-ups of its camera leak."""
    post = ("P95U：一英寸可变光圈 + 2亿潜望", "Pura 95 Ultra 影像：2 亿潜望。#华为Pura95Ultra#")
    assert Reader().read(*post).subject == "pura 95 ultra"
    assert one(
        post,
        ("Huawei Pura 95 Ultra to get 1-inch variable aperture camera and 200MP periscope", ""),
        ("华为 Pura 95 Ultra 影像配置曝光：一英寸可变光圈主摄 + 2 亿像素潜望", ""),
    )


def test_a_screen_size_beside_a_price_names_the_model_not_the_leak() -> None:
    """ "15 英寸 MacBook Air M20 涨价 100 美元" is the 15-inch model's price leak: its 15
    inches name which model, so it is not the launch-date story whose write-ups give both
    sizes, though its text repeats that launch date."""
    found = stories(
        (
            "MacBook Air M20 launch reportedly set for May 19",
            "Apple will release the 13-inch and 15-inch MacBook Air with the M20 chip on May 19.",
        ),
        (
            "M20 版 MacBook Air 定档 5 月 19 日：13/15 英寸同步上市",
            "苹果将于 5 月 19 日推出搭载 M20 芯片的 13 英寸和 15 英寸 MacBook Air。",
        ),
        (
            "消息称苹果 15 英寸 MacBook Air M20 涨价 100 美元，起售价 1399 美元",
            "搭载 M20 芯片的 15 英寸 MacBook Air 起售价将上调至 1399 美元。此前报道称，M20 版"
            " MacBook Air 将于 5 月 19 日发布，13 英寸和 15 英寸同步上市。",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_a_laptop_s_chinese_name_is_the_laptop_not_its_chip() -> None:
    """ASUS's "ROG 幻16" is the Zephyrus G16 and its "幻 13" the Flow Z13: a listing of the
    laptop with a Ryzen AI Max is the laptop's story in any language, not the chip's."""
    reader = Reader()
    assert reader.read("华硕 ROG 幻 13 新款曝光，搭载锐龙 AI Max 695", "").subject is not None
    assert not is_chip(
        reader.read("华硕 ROG 幻 13 新款曝光，搭载锐龙 AI Max 695", "").subject or ""
    )
    found = stories(
        ("AMD Ryzen AI Max 695 to pack 64 RDNA 7 CUs and a 512-bit bus", ""),
        ("AMD 锐龙 AI Max 695 曝光：64CU 核显，512bit 内存", ""),
        ("ASUS ROG Flow Z13 refresh with Ryzen AI Max 695 appears in shipping data", ""),
        ("华硕 ROG 幻 13 新款曝光，搭载锐龙 AI Max 695", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found
    assert one(
        ("ASUS ROG Zephyrus G16 (2041) leaks with RTX 12080 Laptop GPU and 2.5K OLED", ""),
        ("华硕 ROG 幻16 2041 款曝光：RTX 12080 笔记本显卡 + 2.5K OLED", ""),
    )


def test_dates_no_title_gives_are_background_not_a_contradiction() -> None:
    """A chip's process leak whose write-up dates the phone it debuts in ("May 8") does not
    contradict the tipster's "下半年见" (the second half): no title dates the leak, so the
    dates are the texts' background. A title's date still tells two launch leaks apart."""
    assert one(
        ("麒麟9300 中芯N+5 良率已经可以了", "麒麟9300：中芯 N+5，良率已经可以了，下半年见。"),
        (
            "Kirin 9300 to be made on SMIC N+5, tipster says",
            "Huawei's Kirin 9300 will be fabricated on SMIC's N+5 process with good yields. The"
            " Pura 120 launches on May 8 with the current chip.",
        ),
        ("華為麒麟 9300 傳採中芯 N+5 製程", "消息指出，華為麒麟 9300 將採用中芯國際 N+5 製程。"),
    )
    found = stories(
        ("Pura 120 launch set for May 8", "Huawei will launch the Pura 120 on May 8."),
        ("Pura 120 launch set for June 12", "Huawei will launch the Pura 120 on June 12."),
    )
    assert found[0] != found[1], found


def test_a_weekly_round_up_in_chinese_is_an_aside() -> None:
    """ "手機週報：…" rounds up the week's leaks; it joins none of them."""
    assert "aside" in Reader().read("手機週報：iPhone 33 Pro Max 電池、Mate X11 定檔", "").claims
    found = stories(
        ("iPhone 33 Pro Max battery capacity leaks at 5,588mAh", "A 5,588mAh battery."),
        (
            "手機週報：iPhone 33 Pro Max 電池、Find X13 Ultra 發表日",
            "iPhone 33 Pro Max 電池 5588mAh。",
        ),
    )
    assert found[0] != found[1], found


def test_a_tipsters_shorthand_of_the_subject_is_not_another_model() -> None:
    """ "27PM 电池 5600mAh，比 26PM 大 250mAh" of the iPhone 27 Pro Max tells its own battery:
    the sentence names the subject by its shorthand, so it is not another model's sentence
    and its figures are the post's."""
    title = "#iPhone27ProMax# 电池"
    text = "27PM 电池 5600mAh，钢壳，比 26PM 大 250mAh。eSIM 版本更大一点。"
    assert "mah:5600" in Reader().read(title, text).claims
    assert one(
        (title, text),
        (
            "iPhone 27 Pro Max to get a 5,600 mAh battery",
            "The iPhone 27 Pro Max will pack a 5,600 mAh battery, 250 mAh more than the"
            " iPhone 26 Pro Max.",
        ),
    )


def test_a_title_about_a_devices_chip_claims_the_chip_its_text_names() -> None:
    """ "华为Mate95 Pro 芯片" (the chip) with "麒麟9200" in its text reports what "Mate 95 Pro to
    be powered by Kirin 9200" does; a title naming another chip for it is another leak."""
    tipster = ("华为Mate95 Pro 芯片", "华为Mate95 Pro：麒麟9200，性能提升 30%，GPU 提升更多。")
    assert one(
        tipster,
        (
            "Huawei Mate 95 Pro to be powered by Kirin 9200",
            "Huawei's Mate 95 Pro will use the Kirin 9200 chipset. The Mate 85 Pro used the"
            " Kirin 9100. The Mate 95 series is expected in November.",
        ),
    )
    found = stories(tipster, ("Huawei Mate 95 Pro to use Kirin 9300, not 9200", ""))
    assert found[0] != found[1], found


def test_rog_flow_z_in_chinese_and_a_size_written_glued() -> None:
    """ASUS's 幻 Z15 is the Flow Z15; "14in" and "16-inch" after a MacBook Pro are its screen's
    size, not a model ("MacBook Pro 14in" is a MacBook Pro with a 14-inch screen)."""
    assert one(
        ("ASUS ROG Flow Z15 (2041) leaks with Ryzen AI Max+ 695", ""),
        ("华硕 ROG 幻 Z15 2041 款曝光：锐龙 AI Max+ 695", ""),
    )
    reader = Reader()
    for title in ("MacBook Pro 16-inch gets M11 Max", "MacBook Pro 16in gets M11 Max"):
        read = reader.read(title, "")
        assert read.subject == "macbook pro" and "inch:16" in read.claims, read
    assert one(
        ("MacBook Pro 16in M11 Max price: $3,499", ""),
        ("16-inch MacBook Pro with M11 Max to cost $3,499", ""),
    )


def test_a_chips_antutu_score_and_a_phones_geekbench_listing_are_two_leaks() -> None:
    """A chip's AnTuTu story, one of whose write-ups names the phone it will power, and that
    phone's Geekbench listing with the chip, whose write-up recalls the AnTuTu score: the
    two titles name two benchmarks, so the listing stays its own story."""
    found = stories(
        ("天玑9900 安兔兔 450万+", "天玑9900 工程机安兔兔 450万+，GPU 涨幅很大，功耗还在调。"),
        (
            "Dimensity 9900: early AnTuTu score tops 4.5 million",
            "MediaTek's Dimensity 9900 is said to score more than 4.5 million points in AnTuTu"
            " on an engineering device. The chip will power the vivo X500 Pro, tipped yesterday"
            " with a 7,000 mAh battery.",
        ),
        (
            "vivo X500 Pro visits Geekbench with Dimensity 9900",
            "A vivo phone has appeared on Geekbench 6 with the Dimensity 9900 and 16GB RAM. It"
            " scored 3,900 single-core and 11,800 multi-core.",
        ),
        (
            "vivo X500 Pro runs Geekbench with Dimensity 9900",
            "The vivo X500 Pro has been benchmarked: 3,900 and 11,800 points. The chip itself"
            " reportedly crossed 4.5 million in AnTuTu yesterday, and the phone is tipped to"
            " carry a 7,000 mAh battery.",
        ),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_title_about_every_product_of_a_kind_is_a_round_up() -> None:
    """ "The 120W club: every fast-charging phone tipped for this year" rounds up many
    phones' leaks, whatever figure its title gives; it joins none of them."""
    assert "aside" in Reader().read("Every flagship chip of 2040, compared", "").claims
    found = stories(
        ("真我GT10 Pro 120W", "真我GT10 Pro 120W 快充，7000mAh。"),
        ("realme GT 10 Pro to support 120W fast charging", "The realme GT 10 Pro gets 120W."),
        (
            "The 120W club: every fast-charging phone tipped for this year",
            "From the realme GT 10 Pro to the OnePlus 21, 120W charging is everywhere.",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_not_before_a_date_is_a_bound_not_an_old_figure() -> None:
    """ "will not arrive before 2034" claims 2034 as the earliest, it quotes no old year: the
    post is that leak's, not the story of the screen its text recalls."""
    denial = (
        "Valve says there won't be a Steam Deck 4 before 2034",
        "Despite new SteamOS code pointing at a 144Hz OLED device, Valve said that a true Steam"
        " Deck 4 will not arrive before 2034.",
    )
    read = Reader().read(*denial)
    assert "n:2034" in read.claims and "n:2034" not in read.quoted
    found = stories(
        ("Steam Deck 4 panel", "SteamOS 代码里的 Steam Deck 4：8 英寸 144Hz OLED。"),
        ("SteamOS code points to a 144Hz OLED screen for Steam Deck 4", "A 144Hz OLED panel."),
        denial,
        ("V 社：Steam Deck 4 不会早于 2034 年推出", "Steam Deck 4 不会在 2034 年之前推出。"),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_tipsters_dotted_date_is_a_day() -> None:
    """A tipster's "Tab S20 系列 8.27" dates the launch as "August 27" does; a figure written
    so with its unit, a price or a screen's size before a resolution stays a figure."""
    assert one(
        ("Tab S20 系列 8.27", ""),
        ("Samsung to launch Galaxy Tab S20 series on August 27", "The Galaxy Tab S20 series."),
        ("Galaxy Tab S20 series launch date leaks: August 27", ""),
    )
    reader = Reader()
    assert "date:8-27" in reader.read("Unpacked 8.27 🇺🇸 New York", "").claims
    for title in (
        "Galaxy S41 6.21 2K LTPO",
        "Galaxy S41 6.21 英寸",
        "Galaxy S41 $7.15",
        "X 1.09 公斤",
    ):
        assert not any(c.startswith("date:") for c in reader.read(title, "").claims), title


def test_a_title_saying_what_a_phone_needs_is_an_opinion() -> None:
    """ "Samsung needs more than a bigger battery in the Galaxy S32 Ultra" argues, whatever
    figure its text recalls: it joins none of the battery story's reports."""
    found = stories(
        ("S32U battery", "S32U 6000mAh，45W。"),
        ("Galaxy S32 Ultra to get a 6,000mAh battery", "The Galaxy S32 Ultra gets 6,000mAh."),
        (
            "Samsung needs more than a bigger battery in the Galaxy S32 Ultra",
            "A 6,000mAh cell is welcome, but Samsung's charging has fallen behind. Here's what"
            " the S32 Ultra really needs.",
        ),
    )
    assert found[0] == found[1] != found[2], found
    found = stories(
        ("22PM 新增2TB版本，国行16999", "22PM 2TB，16999。"),
        ("iPhone 22 Pro Max 2TB model to cost CNY 16,999 in China", "A 2TB model at CNY 16,999."),
        (
            "A 2TB iPhone is a solution looking for a problem",
            "The iPhone 22 Pro Max 2TB at 16,999.",
        ),
    )
    assert found[0] == found[1] != found[2], found


def test_a_sony_alpha_is_a_camera_not_an_apple_chip() -> None:
    """Sony's "A7R VII" is a camera, not Apple's A-series: a Canon post that names it beside
    its own model names another device, and a Sony post that names the Canon in its text is
    not the Canon's leak. "the same resolution rumored for the Sony A7R VII" names it in
    passing, as "ahead of" does."""
    assert not is_chip("a7r vii") and not is_chip("a6900") and is_chip("a21 pro")
    found = stories(
        ("Sony A7R VII to have a 90MP stacked sensor", "Sony's next A7R gets 90MP."),
        (
            "Canon EOS R5 Mark IV will have a 90mp sensor [CR2]",
            "We have been told the EOS R5 Mark IV will move to a 90 megapixel sensor, up from"
            " 80mp in the R5 Mark III.",
        ),
        ("索尼 A7R VII 传闻：9000万像素堆栈式传感器", "索尼 A7R VII 采用 9000 万像素传感器。"),
        (
            "Canon EOS R5 Mark IV tipped for 90MP, the same resolution rumored for the Sony"
            " A7R VII",
            "Canon Rumors reports that the EOS R5 Mark IV will have a 90MP sensor. By"
            " coincidence, Sony's A7R VII was also rumored with a 90MP stacked sensor today.",
        ),
        (
            "消息指 Sony A7R VII 採用 90MP 堆疊式 CMOS",
            "據外國傳聞網站消息，Sony A7R VII 將換上 9000 萬像素堆疊式 CMOS。無獨有偶，Canon EOS R5"
            " Mark IV 同樣傳出 9000 萬像素規格。",
        ),
    )
    assert found[0] == found[2] == found[4] != found[1] == found[3], found


def test_a_price_in_yen_is_the_japanese_price_not_the_us_one() -> None:
    """日元 and 日圓 are yen (万日元 ten thousand of them): the Japanese price's story is not the
    US price's, though a write-up of each recalls the other."""
    reader = Reader()
    assert "jpy:318000" in reader.read("富士 X100IX 日本售价曝光：31.8 万日元", "").claims
    assert "jpy:84980" in reader.read("PS7 Portable 日本售價 84,980 日圓", "").claims
    found = stories(
        ("PS7 Portable – US price: $599.99", ""),
        ("PS7 Portable Japanese price leaks at ¥84,980 via retailer system", ""),
        ("Sony's PS7 Portable will cost $599.99 in the US, according to a leaker", ""),
        (
            "索尼 PS7 Portable 日版售价曝光：84980 日元",
            "IT之家 9 月 17 日消息，日本零售商内部系统截图显示，PS7 Portable 日版含税售价为"
            " 84980 日元。今天早些时候，爆料者 billbil-kun 还透露其美版售价为 599.99 美元。",
        ),
        ("PS7 Portable 日本售價 84,980 日圓 零售商系統流出", ""),
    )
    assert found[0] == found[2] != found[1] == found[3] == found[4], found


def test_a_denial_is_its_own_story_not_the_leak_it_denies() -> None:
    """ "Find X12 Ultra 还没定档" and "OPPO 高層否認 Find X12 Ultra 11 月 3 日發表傳聞" deny the
    November 3 launch leak; they are one story of their own, not that leak's."""
    found = stories(
        ("OPPO Find X12 Ultra 11月3日发布", "Find X12 Ultra 11月3日，和 X12、X12 Pro 一起。"),
        (
            "Oppo Find X12 Ultra launch date tipped",
            "Oppo will unveil the Find X12 Ultra on November 3.",
        ),
        ("Find X12 Ultra 还没定档", "Find X12 Ultra 还没定档，网上传的日期不准。"),
        (
            "Oppo exec says Find X12 Ultra has no launch date yet",
            "The Find X12 Ultra's launch date has not been set, pushing back on yesterday's report"
            " that it would arrive on November 3.",
        ),
        ("OPPO 高層否認 Find X12 Ultra 11 月 3 日發表傳聞", "Find X12 Ultra 尚未定檔。"),
    )
    assert found[0] == found[1] != found[2] == found[3] == found[4], found


def test_the_year_s_end_is_a_date_in_every_language() -> None:
    """ "This holiday", "假日季", "年末商戰" and "late 2041" say one time of year: posts that say
    it of one product are one story, and its price is another."""
    reader = Reader()
    assert "when:yearend" in reader.read("Steam Deck 3 to launch late 2041", "").claims
    assert "when:yearend" in reader.read("Steam Deck 3 明年底推出", "").claims
    found = stories(
        ("Steam Deck 3 is coming this holiday.", "OLED, new APU, same price tier."),
        (
            "Valve's Steam Deck 3 is launching this holiday, insider claims",
            "Valve will release the Steam Deck 3 this holiday season, according to an insider.",
        ),
        (
            "消息称 Valve Steam Deck 3 将于今年假日季推出",
            "爆料者称 Steam Deck 3 将在今年假日季上市。",
        ),
        ("Steam Deck 3 傳年末商戰推出", "Valve 將於今年年末推出 Steam Deck 3。"),
        ("Steam Deck 3 price: $649", "Steam Deck 3 starts at $649, one tipster says."),
    )
    assert found[0] == found[1] == found[2] == found[3] != found[4], found


def test_a_yen_sign_is_yen_or_yuan_by_the_place_its_post_names() -> None:
    """ "JP price: ¥39,980" and "China price: ¥2,299" are two stories, though the second's text
    recalls the first; an official teaser that repeats neither price is a third."""
    reader = Reader()
    assert "jpy:39980" in reader.read("Xbox Ally 2 JP price: ¥39,980", "").claims
    assert "cny:2299" in reader.read("Xbox Ally 2 China price: ¥2,299", "").claims
    assert "n:2299" in reader.read("Xbox Ally 2 ¥2,299", "").claims  # no place: a bare figure
    found = stories(
        ("Xbox Ally 2 JP price: ¥39,980", "Hearing Xbox Ally 2 is ¥39,980 in Japan. Spring 2041."),
        (
            "Xbox Ally 2 to cost 39,980 yen in Japan, insider claims",
            "Microsoft's Xbox Ally 2 will cost 39,980 yen in Japan, launching in spring 2041.",
        ),
        ("传 Xbox Ally 2 日本售价 39,980 日元", "Xbox Ally 2 日版售价 39980 日元，明年春季推出。"),
        (
            "Xbox Ally 2 China price tipped at ¥2,299",
            "A Weibo leaker says the Xbox Ally 2 will cost ¥2,299 in mainland China. Earlier"
            " today a separate insider put the Japanese price at ¥39,980.",
        ),
        ("曝国行 Xbox Ally 2 售价 2299 元", ""),
        (
            "Xbox Ally 2 — coming Spring 2041",
            "Made for your hands. More on March 3. Leaks put it at ¥39,980 in Japan and ¥2,299"
            " in China.",
        ),
    )
    assert found[0] == found[1] == found[2] != found[3] == found[4] != found[5], found
    assert found[5] != found[0], found


def test_a_tipster_s_short_denial_is_a_denial() -> None:
    """ "Pixel 14 Pro this year? No.", a headline whose text opens "No.", and "isn't locked yet"
    deny the leak; they are one story of their own, not the leak's."""
    found = stories(
        ("Pixel 14 Pro launch date tipped for August 19", "Google will launch it on August 19."),
        ("谷歌 Pixel 14 Pro 定档 8 月 19 日", "Pixel 14 Pro 将于 8 月 19 日发布。"),
        ("Pixel 14 Pro on August 19? No.", "Nothing is locked. Don't trust the date."),
        ("Pixel 14 Pro launch date", "No. Aug 19 is not final, Google has not fixed a date yet."),
        ("Pixel 14 Pro launch date isn't locked yet, says tipster", "August 19 is not final."),
        ("Pixel 14 Pro 发布日期尚未敲定", "消息人士称 8 月 19 日的说法不准，谷歌尚未确定日期。"),
    )
    assert found[0] == found[1] != found[2] == found[3] == found[4] == found[5], found


def test_a_date_written_with_its_year_is_that_day() -> None:
    """ "21.01.2041" (day first) and "2041.01.21" (year first) are January 21; "03.04.2041"
    says neither which is the month, and is no date."""
    reader = Reader()
    assert "date:1-21" in reader.read("#GalaxyUnpacked 📅 21.01.2041 #GalaxyS33", "").claims
    assert "date:1-21" in reader.read("Galaxy S33 Unpacked 2041.01.21", "").claims
    assert not any(c.startswith("date:") for c in reader.read("Galaxy S33 03.04.2041", "").claims)
    found = stories(
        ("#GalaxyUnpacked 📅 21.01.2041 #GalaxyS33 #GalaxyS33Ultra", ""),
        ("Galaxy S33 series Unpacked date leaks: January 21", "Unpacked is set for January 21."),
        ("三星 Galaxy S33 系列 1 月 21 日 Unpacked 发布", ""),
    )
    assert found[0] == found[1] == found[2], found


def test_a_price_a_post_says_it_breaks_is_a_bound() -> None:
    """ "to break ¥10,000 in China" is a bound the China price of 10,499 yuan is within."""
    assert "cny:10000+" in Reader().read("Mate 100 RS to Break ¥10,000 in China", "").claims
    found = stories(
        ("Mate 100 RS to Break ¥10,000 in China", "Huawei's top model will cost more in China."),
        ("华为 Mate 100 RS 国行售价 10499 元起", ""),
    )
    assert found[0] == found[1], found


def test_a_word_yaml_reads_as_a_boolean_is_refused_naming_its_place() -> None:
    """A bare no, off, yes or on in a data file is read by YAML as a boolean and the word
    would be lost: loading refuses it, naming the file and the place."""
    with pytest.raises(ValueError, match=r"glossary.yaml: topics.deal\[2\] is read as a boolean"):
        parse_data("topics:\n  deal: [deal, sale, off]\n", "glossary.yaml")
    assert parse_data('topics:\n  deal: [deal, sale, "off"]\n', "glossary.yaml") == {
        "topics": {"deal": ["deal", "sale", "off"]}
    }


def test_another_region_s_price_is_a_story_of_its_own_that_corrects_nothing() -> None:
    """The China price after the Japanese one is another leak, not a correction of it: its
    alert names no story it corrects."""
    reader = Reader()
    index = StoryIndex()
    japan = reader.read("Pixel 15 Pro to start at ¥159,800 in Japan", "")
    index.add(OpenStory(1, START, "Pixel 15 Pro to start at ¥159,800 in Japan", japan))
    china = reader.read("Pixel 15 Pro 国行 ¥6999 起", "")
    verdict = index.decide(china, START + timedelta(hours=1))
    assert verdict.story is None and verdict.corrects is None, verdict
    # a price that does correct one still says so
    verdict = index.decide(
        reader.read("Pixel 15 Pro to start at ¥149,800 in Japan, not ¥159,800", ""),
        START + timedelta(hours=2),
    )
    assert verdict.story is None and verdict.corrects is not None, verdict
    assert verdict.corrects.story_id == 1 and "jpy:159800" in verdict.corrects.earlier, verdict


def test_a_colour_s_own_name_is_its_colour_in_every_language() -> None:
    """ "鼠尾草绿", "冰川银", "落日铜" and "Deep Indigo" are green, silver, copper and blue: the
    posts that name one model's colours are one story, whatever names they use."""
    reader = Reader()
    assert {"color:black", "color:silver", "color:green", "color:copper"} <= set(
        reader.read("#Pixel15Pro# 配色：深石墨、冰川银、鼠尾草绿、落日铜", "").claims
    )
    assert "color:blue" in reader.read("Galaxy Book 9 Pro to add Deep Indigo", "").claims
    found = stories(
        ("#Pixel15Pro# 配色：深石墨、冰川银、鼠尾草绿、落日铜 🎨", ""),
        ("Pixel 15 Pro to come in sage green and a new sunset copper, leaker claims", ""),
        ("Pixel 15 Pro 四色曝光　新增落日銅、鼠尾草綠", ""),
        ("Pixel 15 Pro battery: 5,400mAh", "Google's Pixel 15 Pro gets a 5,400mAh battery."),
    )
    assert found[0] == found[1] == found[2] != found[3], found


def test_a_suffixed_model_s_series_is_that_line_not_the_whole_family() -> None:
    """ "iPhone 23 Pro 系列" is the Pro and Pro Max: its colour story is not the iPhone 23 Air's,
    whose colours leak the same day."""
    assert Reader().read("iPhone 23 Pro 系列新色曝光", "").subject == "iphone 23 pro"
    found = stories(
        ("23 Pro / Pro Max 新配色：深樱桃红🍒", "iPhone 23 Pro 和 23 Pro Max 新增深樱桃红。"),
        ("iPhone 23 Pro 系列新色「深櫻桃紅」曝光", "iPhone 23 Pro 系列將新增深櫻桃紅配色。"),
        ("iPhone 23 Air dummies in Sage, Lavender and Midnight", "iPhone 23 Air colours."),
        ("iPhone 23 Air 模型機曝光　鼠尾草綠、薰衣草紫", ""),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_title_that_names_a_model_without_its_brand_is_that_model() -> None:
    """A tipster's "Mini 7 Pro: 1-inch sensor" is the DJI Mini 7 Pro of the write-ups, in
    either order; "Mini 7 (non-Pro): 219g" is the Mini 7, another model's story."""
    found = stories(
        ("Mini 7 Pro: 1-inch sensor", "50MP, f/1.7. Still under 249g."),
        ("DJI Mini 7 Pro leak: 1-inch 50MP camera sensor", "DJI's next Mini gets a 1-inch sensor."),
        ("大疆 DJI Mini 7 Pro 无人机曝光：1 英寸传感器", "大疆 Mini 7 Pro 将升级 1 英寸传感器。"),
        ("Mini 7 (non-Pro): 219g", ""),
        ("DJI Mini 7 to weigh just 219 grams", "The standard DJI Mini 7 weighs 219 grams."),
        ("Mini 7 标准版 219 克", ""),
        ("Apple Event: September 13, 10 a.m. PT", ""),
    )
    assert found[0] == found[1] == found[2] != found[3] == found[4] == found[5], found
    assert found[6] not in found[:6], found


def test_a_model_sold_under_two_names_is_one_model() -> None:
    """Lenovo's 拯救者 Y9000P is its Legion Pro 7i: a Weibo post and a write-up of one leak
    are one story by either name; the Y9000K (the Legion 9i) on the same day is another."""
    reader = Reader()
    assert reader.read("联想拯救者 Y9000P 2041 通过 3C 认证", "").subject == "legion pro 7i"
    found = stories(
        ("联想拯救者 Y9000P 2041 通过 3C 认证，配 400W 电源适配器", "联想 Y9000P 2041 通过 3C。"),
        ("Lenovo Legion Pro 7i Gen 16 certified in China with a 400W power adapter", ""),
        ("拯救者Y9000P 2041入网3C：400W适配器", ""),
        ("联想拯救者 Y9000K 2041 通过 3C 认证，配 330W 适配器", ""),
        ("Lenovo Legion 9i Gen 16 passes 3C with a 330W adapter", ""),
    )
    assert found[0] == found[1] == found[2] != found[3] == found[4], found


def test_a_post_that_matches_two_stories_joins_the_one_whose_titles_give_its_date() -> None:
    """An official teaser "10月18日 19:00 #小米21Ultra# 新品发布会" (its text recalls the
    1-inch camera) is the launch date's story, not the camera's, whose write-up "debuts" the
    sensor and repeats the date."""
    found = stories(
        ("小米21 Ultra 定档10月18日", "小米21 Ultra 将于 10 月 18 日发布。"),
        ("小米21 Ultra 主摄：2亿像素 1英寸 LOFIC", ""),
        ("Xiaomi 21 Ultra launch date leaks: October 18", "Xiaomi will launch it on October 18."),
        (
            "Xiaomi 21 Ultra to debut a 200MP 1-inch LOFIC main sensor",
            "The Xiaomi 21 Ultra, launching October 18, gets a 200MP 1-inch main camera.",
        ),
        ("10月18日 19:00 #小米21Ultra# 新品发布会", "一英寸，再进化。10 月 18 日 19:00 见。"),
    )
    assert found[0] == found[2] == found[4] != found[1] == found[3], found


def test_a_post_disputing_a_leak_is_a_denial() -> None:
    """ "Leaker disputes ... rumor" and "又有爆料称 ... 并无 VC" dispute the vapor chamber leak:
    they are one story of their own, not the leak's."""
    found = stories(
        ("M8 iPad Pro to Gain Vapor Chamber Cooling", "Apple's M8 iPad Pro gets a vapor chamber."),
        ("M8 iPad Pro 上 VC 均热板", "M8 iPad Pro 将加入 VC 均热板散热。"),
        ("Leaker disputes M8 iPad Pro vapor chamber rumor", "Another leaker says there is no VC."),
        ("又有爆料称 M8 iPad Pro 并无 VC 均热板", "另一爆料者称 M8 iPad Pro 不会有 VC 均热板。"),
    )
    assert found[0] == found[1] != found[2] == found[3], found


def test_a_day_said_from_the_post_s_own_is_the_day_another_names() -> None:
    """A title's "下周见", "next week" or "月底发" dates the launch the write-ups give a day:
    one story; a spec post whose text says "next week" in passing is not that launch's."""
    found = stories(
        ("小米23 Ultra 下周见", "一英寸，再进化。"),
        ("Xiaomi 23 Ultra launching next week, tipster says", "A launch is a week away."),
        ("小米23 Ultra定档3月22日", "小米23 Ultra 将于 3 月 22 日发布。"),
        ("Xiaomi 23 Ultra launch date: March 22", "Xiaomi will launch it on March 22."),
        ("小米23 Ultra 规格", "2 亿像素主摄，7000mAh 电池。Pro 版下周再说"),
    )
    assert found[0] == found[1] == found[2] == found[3] != found[4], found


def test_a_chip_s_prime_core_is_no_model_suffix() -> None:
    """ "8E9 prime @ 5.2GHz" is the Snapdragon 8 Elite Gen 9's prime core, and its post is the
    clock story's."""
    assert Reader().read("Can confirm", "8E9 prime @ 5.2GHz").subject == "snapdragon 8 elite gen 9"
    found = stories(
        ("Snapdragon 8 Elite Gen 9 prime core to hit 5.2GHz, tipster claims", ""),
        ("Can confirm", "Can confirm. 8E9 prime @ 5.2GHz on final silicon 👀"),
    )
    assert found[0] == found[1], found
