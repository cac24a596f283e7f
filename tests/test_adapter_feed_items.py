"""Feed items read right: the state AWS and Volcengine keep only in the title, ids for items
without a guid, and `<updated>`'s second on a Statuspage feed's newest update. Real captures
from ../shared/fixtures/more/feed, then written items for the transitions they lack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from monitor.adapters.feed import ADAPTER
from monitor.adapters.feeditems import title_state
from monitor.detect import diff
from monitor.model import Snapshot
from monitor.pages import PageConfig
from monitor.state import PageState
from tests.paths import FIXTURES

PAGE = PageConfig(id="f", name="Feed", url="https://status.example.com/rss", kind="feed")
MORE = FIXTURES / "more" / "feed"
AWS_RSS = MORE / "aws-status-all-rss-2023-02-13-resolved-and-informational.xml"
VOLCENGINE = MORE / "volcengine-rss-chinese-no-guid-same-link-2025-09-18.rss"
NOW = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)


def parse(body: bytes) -> Snapshot:
    return ADAPTER.parse(body, PAGE)


def rss(*items: str) -> bytes:
    return f'<rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'.encode()


def item(title: str, pub: str, guid: str | None = None, body: str = "Text.") -> str:
    link = "<link>https://status.example.com/</link>"
    tag = f"<guid>{guid}</guid>" if guid else ""
    return f"<item><title>{title}</title>{link}{tag}<pubDate>{pub}</pubDate><description>{body}</description></item>"


def first_poll(snap: Snapshot) -> tuple[list[str], PageState]:
    result = diff(PAGE, "feed", None, snap, NOW)
    return [f"{e.product} | {e.status} | {e.occurred_at.isoformat()}" for e in result.events], (
        result.state
    )


def test_aws_keeps_the_state_in_the_title_so_a_resolved_item_is_closed_and_named_plainly() -> None:
    snap = parse(AWS_RSS.read_bytes())
    rds = snap.incidents["http://status.aws.amazon.com/#rds-us-east-1_1676072880"]
    info = snap.incidents["http://status.aws.amazon.com/#billingconsole_1675376364"]
    assert (rds.name, rds.status) == ("Connectivity issues affecting some instances", "resolved")
    assert (info.status, info.name) == (
        "investigating",
        "Increased error rates when accessing Cost Explorer, Budgets, and Cost and Usage Reports",
    )
    lines, _ = first_poll(snap)
    assert lines == [
        "Feed - Increased error rates when accessing Cost Explorer, Budgets, and Cost and Usage"
        " Reports | investigating | 2023-02-02T22:19:24+00:00"  # 14:19:24 PST
    ]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Service is operating normally: [RESOLVED] Delays", ("Delays", "resolved")),
        ("Informational message: Delays", ("Delays", "investigating")),
        ("Performance issues: Delays", ("Delays", "investigating")),
        ("Service disruption: Delays", ("Delays", "investigating")),
        ("[RESOLVED] Delays", ("Delays", "resolved")),
        ("方舟大模型服务平台异常(已恢复)", ("方舟大模型服务平台异常", "resolved")),
        ("方舟大模型服务平台异常（已恢复）", ("方舟大模型服务平台异常", "resolved")),
        ("Resolved issues with logins", ("Resolved issues with logins", None)),
        (
            "Service disruption in the title's middle",
            ("Service disruption in the title's middle", None),
        ),
    ],
)
def test_a_title_states_a_phase_only_by_its_documented_marks(
    title: str, expected: tuple[str, str | None]
) -> None:
    assert title_state(title) == expected


def test_an_aws_item_whose_title_turns_resolved_is_a_new_closing_update() -> None:
    guid = "http://status.aws.amazon.com/#ec2-us-east-1_1676072880"
    pub = "Fri, 10 Feb 2023 15:48:00 PST"
    opened = parse(rss(item("Service disruption: Instances unreachable", pub, guid)))
    lines, state = first_poll(opened)
    assert lines == ["Feed - Instances unreachable | investigating | 2023-02-10T23:48:00+00:00"]
    title = "Service is operating normally: [RESOLVED] Instances unreachable"
    closed = parse(rss(item(title, pub, guid)))
    later = diff(PAGE, "feed", state, closed, NOW)
    assert [(e.incident_name, e.status) for e in later.events] == [
        ("Instances unreachable", "resolved")
    ]


def test_items_without_guid_sharing_a_link_stay_apart_with_ids_from_their_data() -> None:
    snap = parse(VOLCENGINE.read_bytes())
    assert sorted(snap.incidents) == [
        "https://status.volcengine.com/ 2025-09-18T14:10:00+00:00 方舟大模型服务平台异常",
        "https://status.volcengine.com/ 2025-09-18T14:20:00+00:00 方舟大模型服务平台异常",
    ]
    newer = snap.incidents[sorted(snap.incidents)[1]]
    assert newer.updates[-1].at == datetime(2025, 9, 18, 14, 20, tzinfo=UTC)
    assert newer.updates[-1].body.startswith("我们观测到")
    assert {i.status for i in snap.incidents.values()} == {"resolved"}  # "(已恢复)"
    assert parse(VOLCENGINE.read_bytes()) == snap  # the same ids on every read
    assert first_poll(snap)[0] == []


def test_a_guidless_item_keeps_its_id_when_its_title_gains_the_recovered_mark() -> None:
    pub = "Thu, 18 Sep 2025 22:10:00 +0800"
    opened = parse(rss(item("方舟大模型服务平台异常", pub)))
    lines, state = first_poll(opened)
    assert [line.split(" | ")[1] for line in lines] == ["unknown"]
    recovered = parse(rss(item("方舟大模型服务平台异常(已恢复)", pub)))
    assert recovered.incidents.keys() == opened.incidents.keys()
    later = diff(PAGE, "feed", state, recovered, NOW)
    assert [e.status for e in later.events] == ["resolved"]


def test_the_same_id_twice_keeps_the_latest_item_whatever_the_order() -> None:
    old = item("Delays", "Thu, 18 Sep 2025 10:00:00 GMT", "g1", "Old.")
    new = item("Delays", "Thu, 18 Sep 2025 11:00:00 GMT", "g1", "New.")
    for body in (rss(old, new), rss(new, old)):
        assert parse(body).incidents["g1"].updates[-1].body == "New."


def test_a_statuspage_feeds_newest_update_has_the_second_of_updated() -> None:
    atom = FIXTURES / "more" / "statuspage" / "github-history-2026-07-09-open-incident-unicode.atom"
    lines, _ = first_poll(parse(atom.read_bytes()))
    assert lines == [
        "Feed - Delays starting Actions runs | investigating | 2026-07-09T06:01:43+00:00"
    ]


def test_an_updated_outside_the_newest_updates_minute_is_no_stamp_for_it() -> None:
    feed = MORE / "github-history-2025-05-27-scheduled-maintenance-upcoming.atom"
    snap = parse(feed.read_bytes())
    # <published> is the future start (May 28 16:30), <updated> the last edit (May 22 15:26:24)
    upcoming = snap.incidents["tag:www.githubstatus.com,2005:Incident/25233647"]
    assert [u.at.isoformat() for u in upcoming.updates] == ["2025-05-22T15:26:24+00:00"]
    runners = snap.incidents["tag:www.githubstatus.com,2005:Incident/25243966"]
    assert runners.updates[-1].at.second == 40  # "May 23, 18:33" Resolved, <updated> 18:33:40
    assert all(u.at.second == 0 for u in runners.updates[:-1])
