"""The status-page simulator on loopback: validators and 304s, scenario steps, faults, recorder.

Every request goes over a real socket to the simulator's own server; the monitor's adapters
read what it serves, so the simulated pages stay in the shape the real captures have.
"""

from __future__ import annotations

import json
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from monitor.adapters import get_adapter
from monitor.pages import PageConfig
from monitor.simulate.model import Publication
from monitor.simulate.pages import Layout
from monitor.simulate.recorder import Recorder, read_publications
from monitor.simulate.scenario import ScenarioError, load_scenario, parse_scenario
from monitor.simulate.score import lags, score
from monitor.simulate.server import SimServer
from tests.paths import FIXTURES

SUMMARY = "/api/v2/summary.json"
API = 2  # index of "Claude API (api.anthropic.com)" in Claude's real component list


@pytest.fixture
def sim() -> Iterator[SimServer]:
    server = SimServer(Layout(pages=4, incidentio_every=2), hosts=2).start_in_thread()
    yield server
    server.close()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def proxy(sim: SimServer, n: int) -> str:
    return f"{sim.url(n)}/proxy/{sim.url(n).split('/')[2]}"


def page_config(sim: SimServer, n: int) -> PageConfig:
    page = sim.world.pages[n]
    return PageConfig(page.model.page_id, page.name, page.base, page.kind)


# -- validators


def test_a_page_answers_304_to_its_own_etag_until_it_changes(sim, http) -> None:
    first = http.get(sim.url(0) + SUMMARY)
    etag = first.headers["ETag"]
    again = http.get(sim.url(0) + SUMMARY, headers={"If-None-Match": etag})
    sim.apply({"do": "component", "page": 0, "component": API, "status": "major_outage"})
    changed = http.get(sim.url(0) + SUMMARY, headers={"If-None-Match": etag})

    assert (first.status_code, again.status_code, changed.status_code) == (200, 304, 200)
    assert etag.startswith('W/"') and again.headers["ETag"] == etag and again.content == b""
    assert changed.headers["ETag"] != etag


def test_if_modified_since_counts_only_without_if_none_match(sim, http) -> None:
    last_modified = http.get(sim.url(0) + SUMMARY).headers["Last-Modified"]
    later = formatdate(time.time() + 3600, usegmt=True)

    by_date = http.get(sim.url(0) + SUMMARY, headers={"If-Modified-Since": last_modified})
    stale_tag = http.get(
        sim.url(0) + SUMMARY, headers={"If-None-Match": 'W/"old"', "If-Modified-Since": later}
    )
    assert (by_date.status_code, stale_tag.status_code) == (304, 200)


def test_responses_carry_the_real_cache_control_and_gzip_when_asked(sim, http) -> None:
    zipped = http.get(sim.url(0) + SUMMARY)
    plain = http.get(sim.url(0) + SUMMARY, headers={"Accept-Encoding": "identity"})

    assert zipped.headers["Cache-Control"].startswith("max-age=10, public")
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert (
        int(zipped.headers["Content-Length"]) < len(plain.content) and zipped.json() == plain.json()
    )


def test_an_unchanged_document_keeps_its_validators_when_another_page_changes(sim, http) -> None:
    before = http.get(sim.url(2) + SUMMARY).headers["ETag"]
    sim.apply({"do": "component", "page": 0, "component": 0, "status": "partial_outage"})
    assert http.get(sim.url(2) + SUMMARY).headers["ETag"] == before


def test_each_port_is_a_host_of_its_own_pages(sim, http) -> None:
    port_of_page_1 = sim.url(1).split("/")[2]
    assert sim.url(0).split("/")[2] != port_of_page_1
    wrong_host = f"http://{port_of_page_1}/p/0{SUMMARY}"
    assert http.get(wrong_host).status_code == 404


# -- the pages' shapes and lifecycles


def test_the_monitors_adapters_read_both_simulated_platforms(sim, http) -> None:
    sim.apply({"do": "open", "page": 0, "incident": "a", "name": "Errors", "components": [API]})
    sim.apply({"do": "open", "page": 1, "incident": "a", "name": "Chat down", "components": [0]})
    statuspage = get_adapter("statuspage").parse(
        http.get(sim.url(0) + SUMMARY).content, page_config(sim, 0)
    )
    incidentio = get_adapter("incidentio").parse(
        http.get(proxy(sim, 1)).content, page_config(sim, 1)
    )

    api = statuspage.components["k8w3r06qmzrp"]
    chat = incidentio.components["01JMXBRMFE6N2NNT7DG6XZQ6PW"]
    assert (api.name, api.status) == ("Claude API (api.anthropic.com)", "degraded")
    assert (chat.group_name, chat.name, chat.status) == ("APIs", "Chat", "degraded")
    assert [i.name for i in statuspage.incidents.values()] == ["Errors"]
    assert [i.name for i in incidentio.incidents.values()] == ["Chat down"]


def test_a_resolved_statuspage_incident_leaves_summary_and_stays_in_incidents_json(
    sim, http
) -> None:
    sim.apply({"do": "open", "page": 0, "incident": "a", "name": "Errors", "components": [API]})
    pubs = sim.apply({"do": "resolve", "page": 0, "incident": "a"})
    summary = http.get(sim.url(0) + SUMMARY).json()
    listed = http.get(sim.url(0) + "/api/v2/incidents.json").json()["incidents"]

    assert summary["incidents"] == [] and summary["status"]["indicator"] == "none"
    assert [(i["name"], i["status"]) for i in listed] == [("Errors", "resolved")]
    assert [u["status"] for u in listed[0]["incident_updates"]] == ["resolved", "investigating"]
    assert [(p.kind, p.status) for p in pubs] == [
        ("component", "operational"),
        ("incident", "resolved"),
    ]


def test_an_incident_io_incident_that_resolves_is_still_at_its_own_url(sim, http) -> None:
    opened = sim.apply(
        {"do": "open", "page": 1, "incident": "a", "name": "Down", "components": [0]}
    )
    sim.apply({"do": "resolve", "page": 1, "incident": "a"})
    incident_id = opened[-1].ref

    summary = http.get(proxy(sim, 1)).json()["summary"]
    detail = http.get(f"{proxy(sim, 1)}/incidents/{incident_id}").json()["incident"]
    assert summary["ongoing_incidents"] == [] and summary["affected_components"] == []
    assert detail["status"] == "resolved"
    assert [u["to_status"] for u in detail["updates"]] == ["resolved", "investigating"]


def test_a_maintenance_moves_through_its_phases_and_ends_in_its_own_list(sim, http) -> None:
    for phase in ("scheduled", "in_progress"):
        step = {"do": "maintenance", "page": 0, "maintenance": "m", "phase": phase}
        sim.apply({**step, "name": "DB upgrade", "components": [0]})
    during = http.get(sim.url(0) + SUMMARY).json()
    sim.apply({"do": "maintenance", "page": 0, "maintenance": "m", "phase": "completed"})
    after = http.get(sim.url(0) + SUMMARY).json()
    listed = http.get(sim.url(0) + "/api/v2/scheduled-maintenances.json").json()

    assert [m["status"] for m in during["scheduled_maintenances"]] == ["in_progress"]
    assert during["components"][0]["status"] == "under_maintenance"
    assert during["status"]["indicator"] == "maintenance"
    assert (
        after["scheduled_maintenances"] == [] and after["components"][0]["status"] == "operational"
    )
    assert [m["status"] for m in listed["scheduled_maintenances"]] == ["completed"]


def test_a_rename_changes_the_name_but_not_the_id_and_publishes_no_line(sim, http) -> None:
    pubs = sim.apply({"do": "rename", "page": 1, "component": 0, "name": "Chat Completions"})
    summary = http.get(proxy(sim, 1)).json()["summary"]
    group = summary["structure"]["items"][0]["group"]

    assert group["components"][0] == {**group["components"][0], "name": "Chat Completions"}
    assert group["components"][0]["component_id"] == "01JMXBRMFE6N2NNT7DG6XZQ6PW"
    assert [p.expected for p in pubs] == [False]


def test_the_history_feed_has_the_real_feeds_structure(sim, http) -> None:
    sim.apply({"do": "open", "page": 0, "incident": "a", "name": "Errors & more"})
    sim.apply({"do": "update", "page": 0, "incident": "a", "status": "investigating"})
    ours = ET.fromstring(http.get(sim.url(0) + "/history.atom").content)
    real = ET.parse(FIXTURES / "statuspage/github-history-2026-08-22.atom").getroot()
    ns = "{http://www.w3.org/2005/Atom}"

    def shape(feed: ET.Element) -> list[str]:
        return [child.tag for child in feed if child.tag != f"{ns}entry"] + [
            child.tag for child in feed.find(f"{ns}entry") or []
        ]

    assert shape(ours) == shape(real)
    entry = ours.find(f"{ns}entry")
    assert entry is not None and entry.findtext(f"{ns}title") == "Errors & more"
    content = entry.findtext(f"{ns}content") or ""
    assert content.index("<strong>Update</strong>") < content.index(
        "<strong>Investigating</strong>"
    )


# -- scenarios


def test_steps_sharing_a_time_are_applied_together_by_step(sim, http) -> None:
    scenario = parse_scenario(
        {
            "steps": [
                {"at": 0, "page": 0, "do": "open", "incident": "a", "name": "Errors"},
                {"at": 60, "page": 0, "do": "update", "incident": "a", "status": "identified"},
                {"at": 60, "page": 0, "do": "update", "incident": "a", "status": "monitoring"},
                {"at": 90, "page": 0, "do": "resolve", "incident": "a"},
            ]
        }
    )
    server = SimServer(Layout(pages=1), scenario=scenario).start_in_thread()
    try:
        statuses = [[p.status for p in server.timeline.step()] for _ in range(4)]
    finally:
        server.close()
    assert statuses == [["investigating"], ["identified", "monitoring"], ["resolved"], []]


def test_a_started_timeline_applies_each_step_at_its_time() -> None:
    scenario = parse_scenario(
        [
            {"at": 0, "page": 0, "do": "open", "incident": "a", "name": "Errors"},
            {"at": 0.3, "page": 0, "do": "resolve", "incident": "a"},
        ]
    )
    server = SimServer(Layout(pages=1), scenario=scenario).start_in_thread()
    try:
        server.start_timeline()
        world = server.world
        assert world.wait(lambda: len(world.recorder.rows) == 2, timeout=10)
        rows = world.recorder.rows
    finally:
        server.close()
    assert [p.status for p in rows] == ["investigating", "resolved"]
    assert rows[1].published_at - rows[0].published_at >= 0.25


def test_a_scenario_file_with_mistakes_names_every_bad_step(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "steps:\n"
        "  - {page: 0, do: open, name: No label}\n"
        "  - {page: -1, do: explode}\n"
        "  - {page: 0, do: fault, mode: '418'}\n"
        "  - {page: 0, do: maintenance, maintenance: m, phase: later, at: -5}\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert err.value.problems == [
        f"{path}: step 1: field 'incident': required for 'open'",
        f"{path}: step 2: field 'do': 'explode' is not one of "
        "open, update, resolve, component, rename, maintenance, fault, clear_faults",
        f"{path}: step 2: field 'page': -1 is not a page index",
        f"{path}: step 3: field 'mode': '418' is not one of "
        "429, 500, 502, 503, 504, slow, challenge, truncated, reset",
        f"{path}: step 4: field 'at': -5 must be seconds ≥ 0",
        f"{path}: step 4: field 'phase': 'later' is not one of "
        "scheduled, in_progress, verifying, completed",
    ]


def test_a_scenario_round_trips_through_its_yaml(tmp_path: Path) -> None:
    scenario = parse_scenario([{"at": 5, "page": 1, "do": "rename", "component": 0, "name": "X"}])
    path = tmp_path / "s.yaml"
    path.write_text(scenario.dump())
    assert load_scenario(path) == scenario


# -- faults


def test_a_429_carries_retry_after_and_lasts_its_count(sim, http) -> None:
    sim.apply({"do": "fault", "page": 0, "mode": "429", "retry_after": 7, "count": 2})
    answers = [http.get(sim.url(0) + SUMMARY) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "7"
    assert sim.world.stats.faults["429"] == 2


def test_a_5xx_is_an_html_error_page(sim, http) -> None:
    sim.apply({"do": "fault", "page": 0, "mode": "503"})
    answer = http.get(sim.url(0) + SUMMARY)
    assert answer.status_code == 503 and answer.text.startswith("<html>")


def test_a_challenge_is_cloudflares_html_with_cf_mitigated(sim, http) -> None:
    sim.apply({"do": "fault", "page": 1, "mode": "challenge"})
    answer = http.get(proxy(sim, 1))
    assert answer.status_code == 403 and answer.headers["cf-mitigated"] == "challenge"
    assert "<title>Just a moment...</title>" in answer.text


def test_truncated_json_is_well_framed_http_with_half_a_body(sim, http) -> None:
    whole = http.get(sim.url(0) + SUMMARY).content
    sim.apply({"do": "fault", "page": 0, "mode": "truncated"})
    cut = http.get(sim.url(0) + SUMMARY)
    assert cut.status_code == 200 and cut.content == whole[: len(whole) // 2]
    with pytest.raises(ValueError):
        json.loads(cut.content)


def test_a_reset_closes_the_connection_mid_body(sim, http) -> None:
    sim.apply({"do": "fault", "page": 0, "mode": "reset"})
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(sim.url(0) + SUMMARY)
    assert http.get(sim.url(0) + SUMMARY).status_code == 200


def test_a_slow_response_comes_after_its_delay_and_does_not_hold_up_other_pages(sim, http) -> None:
    sim.apply({"do": "fault", "page": 0, "mode": "slow", "delay": 0.5})
    slow: list[float] = []

    def fetch_slow() -> None:
        with requests.Session() as own:
            began = time.monotonic()
            own.get(sim.url(0) + SUMMARY)
            slow.append(time.monotonic() - began)

    thread = threading.Thread(target=fetch_slow)
    thread.start()
    assert sim.world.wait(lambda: sim.world.stats.faults["slow"] == 1)
    began = time.monotonic()
    assert http.get(sim.url(2) + SUMMARY).status_code == 200
    fast = time.monotonic() - began
    thread.join(10)
    assert slow[0] >= 0.5 > fast


def test_a_network_delay_is_set_at_run_time_and_applies_to_every_page(sim, http) -> None:
    http.post(sim.control_url + "/latency", json=0.4)
    began = time.monotonic()
    assert http.get(sim.url(1) + "/proxy/x").status_code == 200
    delayed = time.monotonic() - began
    http.post(sim.control_url + "/latency", json=0)
    assert delayed >= 0.2 and sim.world.latency == 0


def test_a_fault_can_be_limited_to_one_path(sim, http) -> None:
    sim.apply({"do": "fault", "page": 0, "mode": "500", "path": "/api/v2/incidents.json"})
    summary = http.get(sim.url(0) + SUMMARY)
    incidents = http.get(sim.url(0) + "/api/v2/incidents.json")
    assert (summary.status_code, incidents.status_code) == (200, 500)


# -- recorder, control endpoints, webhooks, scoring


def test_the_recorder_writes_each_publication_as_a_json_line(tmp_path: Path) -> None:
    path = tmp_path / "published.jsonl"
    server = SimServer(Layout(pages=1), recorder=Recorder(path)).start_in_thread()
    try:
        pubs = server.apply(
            {"do": "open", "page": 0, "incident": "a", "name": "E", "components": [API]}
        )
        pubs += server.apply({"do": "rename", "page": 0, "component": 0, "name": "Web"})
    finally:
        server.close()
    assert read_publications(path) == pubs
    assert [(p.kind, p.status, p.previous) for p in pubs] == [
        ("component", "degraded_performance", "operational"),
        ("incident", "investigating", None),
        ("rename", "Web", None),
    ]
    assert pubs[1].update_id and pubs[0].occurred_at == pubs[1].occurred_at


def test_the_control_endpoints_apply_steps_and_report_traffic(sim, http) -> None:
    control = sim.control_url
    applied = http.post(
        control + "/apply",
        json=[{"page": 0, "do": "component", "component": 1, "status": "partial_outage"}],
    ).json()
    http.get(sim.url(0) + SUMMARY)
    stats = http.get(control + "/stats").json()
    log = http.get(control + "/log").json()
    bad = http.post(control + "/apply", json=[{"page": 99, "do": "open"}])

    assert [p["status"] for p in applied] == ["partial_outage"]
    assert stats["by_status"] == {"200": 1} and stats["bytes_out"] > 0
    assert [row[1:4] for row in log["rows"]] == [[0, SUMMARY, 200]]
    assert bad.status_code == 400 and "step 1: field 'page'" in bad.json()["error"]


class Hooks:
    """A loopback webhook receiver that keeps every POSTed body."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.arrived = threading.Condition()
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                with hooks.arrived:
                    hooks.bodies.append(json.loads(body))
                    hooks.arrived.notify_all()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webhook/{{page_id}}"

    def wait(self, count: int) -> list[dict[str, Any]]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.bodies) >= count, 10)
            return list(self.bodies)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_statuspage_changes_are_posted_as_statuspage_webhooks() -> None:
    hooks = Hooks()
    server = SimServer(Layout(pages=2, incidentio_every=2), webhook_url=hooks.url)
    server.start_in_thread()
    try:
        server.apply({"do": "open", "page": 0, "incident": "a", "name": "E", "components": [API]})
        server.apply({"do": "open", "page": 1, "incident": "a", "name": "E", "components": [0]})
        bodies = hooks.wait(2)
        assert server.world.wait(lambda: len(server.webhooks.results) == 2)  # type: ignore[union-attr]
        statuses = [r[3] for r in server.webhooks.results]  # type: ignore[union-attr]
    finally:
        server.close()
        hooks.close()
    component, incident = sorted(bodies, key=lambda b: "incident" in b)
    assert component["component_update"]["old_status"] == "operational"
    assert component["component_update"]["new_status"] == "degraded_performance"
    assert component["component"]["id"] == "k8w3r06qmzrp"
    assert incident["incident"]["incident_updates"][0]["status"] == "investigating"
    assert incident["page"]["id"] == server.world.pages[0].provider_id  # type: ignore[attr-defined]
    assert statuses == [202, 202]  # and nothing for the incident.io page: it has no webhooks
    page = page_config(server, 0)
    snap = get_adapter("statuspage").parse_webhook(incident, page)
    assert [u.status for i in snap.incidents.values() for u in i.updates] == ["investigating"]


def test_the_score_counts_missed_duplicate_and_unexpected_lines() -> None:
    def pub(ref: str, update: str | None, status: str, at: float) -> Publication:
        kind = "component" if update is None else "incident"
        return Publication("p", kind, ref, update, status, at, "")

    published = [
        pub("i1", "u1", "investigating", 10.0),
        pub("i1", "u2", "resolved", 20.0),
        pub("c1", None, "major_outage", 10.0),
        pub("c1", None, "major_outage", 30.0),
    ]
    update = {"page_id": "p", "kind": "incident", "incident_id": "i1", "update_id": "u1"}
    outage = {"page_id": "p", "kind": "component", "component_ids": ["c1"]}
    printed = [
        (12.0, update),
        (13.0, update),
        (15.0, {**outage, "status_raw": "major_outage"}),
        (16.0, {**outage, "status_raw": "operational"}),
    ]
    result = score(published, printed)
    assert (result.expected, result.printed) == (4, 4)
    assert (result.missed, result.duplicates, result.unexpected) == (2, 1, 1)
    assert result.missed_by_kind == {"update": 1, "component": 1}
    assert sorted(lags(result)) == [2.0, 5.0]


def test_states_shorter_than_an_interval_are_counted_apart_from_misses() -> None:
    def pub(kind: str, ref: str, update: str | None, status: str, at: float) -> Publication:
        return Publication("p", kind, ref, update, status, at, "")

    published = [
        pub("incident", "blip", "b1", "investigating", 0.0),  # open for 10 s only
        pub("incident", "blip", "b2", "resolved", 10.0),
        pub("component", "c1", None, "major_outage", 0.0),  # held 90 s
        pub("component", "c1", None, "operational", 90.0),
        pub("component", "c1", None, "partial_outage", 100.0),  # held 5 s
        pub("component", "c1", None, "operational", 105.0),
    ]
    outage = {"page_id": "p", "kind": "component", "component_ids": ["c1"]}
    printed = [(95.0, {**outage, "status_raw": "operational"})]
    result = score(published, printed, visible=60)
    assert (result.short, result.short_missed) == (5, 4)
    assert (result.expected, result.missed) == (1, 1)  # only major_outage was owed: missed
    assert score(published, printed).missed == 5


def test_statusmon_simulate_serves_until_its_duration_and_writes_a_pages_file(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    pages = tmp_path / "pages.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "monitor.simulate", "--pages", "3", "--pages-file", str(pages)]
        + ["--interval", "30", "--duration", "0.5"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    ready = json.loads(proc.stdout.splitlines()[0])
    assert proc.returncode == 0 and ready["pages"] == 3
    from monitor.config import load_pages

    loaded = load_pages(pages)
    assert [(p.id, p.kind, p.interval) for p in loaded] == [
        (f"sim0000{n}", "statuspage", 30) for n in range(3)
    ]


def test_statusmon_simulate_listens_on_the_address_given_and_names_the_url_host_given(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    pages = tmp_path / "pages.yaml"
    argv = [sys.executable, "-m", "monitor.simulate", "--pages", "2", "--pages-file", str(pages)]
    argv += ["--host", "0.0.0.0", "--url-host", "sim.test", "--duration", "30"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            ready = json.loads(proc.stdout.readline())
            port = ready["ports"][0]
            assert ready["control"] == f"http://0.0.0.0:{port}/_sim"  # every address: loopback too
            info = requests.get(f"http://127.0.0.1:{port}/_sim/info", timeout=10)
            assert info.status_code == 200
        finally:
            proc.terminate()
    from monitor.config import load_pages

    assert [p.url for p in load_pages(pages)] == [f"http://sim.test:{port}/p/{n}" for n in (0, 1)]
