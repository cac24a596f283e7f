"""`statusmon channels list | test NAME | status | replay NAME --since 2h [--force]`."""

from __future__ import annotations

import argparse
import sys
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

from monitor import delivery, eventlog, keys, routing, store
from monitor.channel_config import ChannelConfig, load_channels
from monitor.channels.base import Message
from monitor.cli.events import since
from monitor.events import StatusEvent
from monitor.settings import Settings

SHOWN = 10  # newest dead letters listed per channel


def add_parser(sub: Any) -> None:
    channels = sub.add_parser("channels", help="where printed events are also sent")
    actions = channels.add_subparsers(required=True, metavar="ACTION")
    actions.add_parser("list", help="the channels of pages.yaml").set_defaults(func=_list)
    test = actions.add_parser("test", help="send a test message and show the answer")
    test.add_argument("name")
    test.set_defaults(func=_test)
    actions.add_parser("status", help="last success, failures, dead letters").set_defaults(
        func=_status
    )
    replay = actions.add_parser("replay", help="send the logged events again")
    replay.add_argument("name")
    replay.add_argument("--since", type=since, required=True, help="2h, 30m, 7d or ISO-8601")
    replay.add_argument("--force", action="store_true", help="also those sent already")
    replay.set_defaults(func=_replay)


def _channels(settings: Settings) -> dict[str, ChannelConfig]:
    return {c.name: c for c in load_channels(settings.pages_path)}


def _one(settings: Settings, name: str) -> ChannelConfig | None:
    found = _channels(settings).get(name)
    if found is None:
        print(f"statusmon: no channel {name!r} in {settings.pages_path}", file=sys.stderr)
    return found


def _list(args: argparse.Namespace, settings: Settings) -> int:
    for c in _channels(settings).values():
        rule = c.route
        rules = [
            f"pages {','.join(rule.pages)}" if rule.pages else "all pages",
            f"kinds {','.join(rule.kinds)}",
        ]
        rules += [f"≥ {rule.min_severity}"] if rule.min_severity else []
        rules += ["maintenance quiet"] if rule.components.maintenance == "quiet" else []
        rules += [] if rule.resolutions else ["no resolutions"]
        print(f"{c.name}\t{c.type}\t{c.rate:g}/s\t{'; '.join(rules)}")
    return 0


def test_event(name: str) -> StatusEvent:
    now = datetime.now(UTC)
    return StatusEvent(
        page_id="statusmon-test",
        page_name="statusmon",
        provider="test",
        kind="incident",
        product="statusmon - Channel test",
        status="investigating",
        status_raw="investigating",
        occurred_at=now,
        dedup_key=f"test-{uuid.uuid4().hex}",
        body=f"A test message from statusmon to channel {name}: nothing is wrong.",
        incident_id=f"test-{now:%Y%m%d%H%M%S}",
        incident_name="Channel test",
    )


def _test(args: argparse.Namespace, settings: Settings) -> int:
    channel = _one(settings, args.name)
    if channel is None:
        return 2
    event, deadline = test_event(channel.name), settings.delivery_deadline
    answer = channel.sender.send(Message(event, "unknown", settings.tz, True), deadline)
    print(f"{channel.name}: {'accepted' if answer.ok else 'refused'}: {answer.detail}")
    if answer.ok and channel.type == "pagerduty":  # close the incident the test opened
        done = replace(event, status="resolved", status_raw="resolved", body="Test over.")
        closed = channel.sender.send(Message(done, "operational", settings.tz, True), deadline)
        print(f"{channel.name}: resolve {'accepted' if closed.ok else 'refused'}: {closed.detail}")
    return 0 if answer.ok else 1


def _status(args: argparse.Namespace, settings: Settings) -> int:
    r = store.connect(settings.redis)
    held = cast(dict[str, str], r.hgetall(keys.CHANNEL_STATUS))
    due = [m.split("|", 1)[0] for m in cast(list[str], r.zrange(keys.DELIVERIES_DUE, 0, -1))]
    dead = delivery.dead_letters(r)
    for name in _channels(settings):
        success = held.get(f"{name}|last_success")
        print(
            f"{name}: last success {_when(success)}, "
            f"{held.get(f'{name}|failures', '0')} failed attempts, "
            f"{due.count(name)} pending, {sum(d[0] == name for d in dead)} dead letters"
        )
        if held.get(f"{name}|last_error"):
            print(
                f"  last error ({_when(held.get(f'{name}|last_failure'))}): "
                f"{held[f'{name}|last_error']}"
            )
        mine = [d for d in dead if d[0] == name]
        for _, key, error in mine[-SHOWN:]:
            print(f"  dead: {key}: {error}")
        if len(mine) > SHOWN:
            print(f"  … and {len(mine) - SHOWN} older dead letters")
    return 0


def _when(stamp: str | None) -> str:
    if not stamp:
        return "never"
    return datetime.fromtimestamp(float(stamp), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _replay(args: argparse.Namespace, settings: Settings) -> int:
    channel = _one(settings, args.name)
    if channel is None:
        return 2
    r = store.connect(settings.redis)
    filed = skipped = 0
    for entry in eventlog.read(r, args.since):
        event = entry.event
        state = store.load_state(r, event.page_id)
        if not channel.wants(event, state):
            continue
        if args.force:
            r.delete(keys.delivery(channel.name, event.dedup_key))
        printed = entry.printed_at.isoformat()
        severity = routing.severity(state, event)
        if delivery.reset(
            r, channel.name, event.dedup_key, entry.id, printed, severity, settings.dedup_ttl
        ):
            filed += 1
        else:
            skipped += 1
    note = f"; {skipped} sent or on their way already (--force sends them again)" if skipped else ""
    print(f"{channel.name}: {filed} events to send{note}")
    return 0
