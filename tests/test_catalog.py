"""The catalog of real status pages, and the auto-detection that must agree with it.

The platform of each entry is what probe() picks for a page of that shape: for every platform
in the catalog a loopback page serves that platform's real capture (plus the decoys such
pages also answer, like a Statuspage page's history.atom) at the real endpoint paths.
"""

from __future__ import annotations

import copy
import json
import socket
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from monitor.adapters import registry
from monitor.cli.catalog import (
    CATEGORIES,
    CatalogEntry,
    by_url,
    find,
    load_catalog,
    parse_catalog,
    url_key,
)
from monitor.pages import ConfigError, PageConfig
from monitor.probe import ProbeError, probe
from tests.paths import FIXTURES
from tests.support.pageserver import PageServer
from tests.support.scenarios import compatible_summary

CATALOG = load_catalog()
FEED = (FIXTURES / "statuspage" / "github-history-2026-08-22.atom").read_bytes()


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def serve(pages: PageServer, platform: str, path: str) -> None:
    """One page of `platform` at the loopback server (page path `path`), as it is served."""
    if platform == "statuspage":
        pages.set_json(
            "/api/v2/summary.json",
            load("statuspage/claude-summary-all-operational-2026-09-03.json"),
        )
        pages.set("/history.atom", FEED)
    elif platform == "incidentio":
        proxy = load("incidentio/openai-proxy-summary-2025-04-10.json")
        pages.set_json(f"/proxy/{pages.host}", proxy)
        pages.set_json("/api/v2/summary.json", compatible_summary(proxy))
        pages.set("/history.atom", FEED)
    elif platform == "instatus":
        pages.set_json("/v2/components.json", load("instatus/perplexity-v2-components.json"))
    elif platform == "betterstack":
        pages.set_json("/index.json", load("betterstack/together-index-json-2026-09-04.json"))
    elif platform == "gcp":
        pages.set_json(
            "/incidents.json", load("gcp/incidents-json-bigquery-europe-north1-2023-03-10.json")
        )
    elif platform == "aws":
        text = (FIXTURES / "aws" / "health-currentevents-2026.json").read_text(encoding="utf-8")
        pages.set("/public/currentevents", b"\xfe\xff" + text.encode("utf-16-be"))
    elif platform == "slack":
        pages.set(
            "/api/v2.0.0/current",
            (FIXTURES / "slack" / "current-ok-docs-example.json").read_bytes(),
        )
    elif platform == "feed":
        pages.set(path or "/history.atom", FEED)
    else:
        raise AssertionError(f"no page shape for platform {platform!r}: add one here")


def detect(pages: PageServer, path: str = "") -> str:
    page = PageConfig("probe", "Probed", pages.url + path)
    kind, _snapshot = probe(requests.Session(), page, timeout=5)
    return kind


def test_the_catalog_lists_at_least_100_pages() -> None:
    assert len(CATALOG) >= 100


def test_every_entry_is_well_formed() -> None:
    for entry in CATALOG:
        parts = urlsplit(entry.url)
        assert entry.id == entry.id.lower() and entry.id.replace("-", "").isalnum(), entry
        assert parts.scheme == "https" and parts.hostname, entry
        assert entry.platform in registry(), entry
        assert entry.category in CATEGORIES, entry
        assert entry.name.strip() == entry.name != "", entry


def test_entries_are_unique_by_id_name_and_url() -> None:
    for key in (lambda e: e.id, lambda e: e.name.casefold(), lambda e: url_key(e.url)):
        counts = Counter(key(e) for e in CATALOG)
        assert [k for k, n in counts.items() if n > 1] == []


def test_only_feeds_have_a_path_every_other_platform_is_read_from_the_site_root() -> None:
    for entry in CATALOG:
        if entry.platform != "feed":
            assert urlsplit(entry.url).path in ("", "/"), entry


def test_every_platform_the_catalog_uses_has_an_adapter() -> None:
    assert {e.platform for e in CATALOG} <= set(registry())


def test_find_takes_an_id_or_a_name_in_any_case_and_always_finds_that_entry() -> None:
    for entry in CATALOG:
        assert find(entry.id, CATALOG) is entry
        assert find(entry.name.upper(), CATALOG) is entry
    assert find("together ai") == find("together")
    assert find("no such vendor") is None


def test_by_url_ignores_case_of_the_host_and_a_trailing_slash() -> None:
    github = find("github")
    assert github is not None
    assert by_url("https://WWW.GithubStatus.com/") == github
    assert by_url("https://www.githubstatus.com/history.atom") is None


def test_an_entry_becomes_a_page_of_its_platform() -> None:
    entry = find("Together AI")
    assert entry is not None
    assert entry.page() == PageConfig(
        "together", "Together AI", "https://status.together.ai", "betterstack"
    )
    assert entry.page(page_id="tgt", interval=30).interval == 30


def test_a_malformed_catalog_names_every_problem_by_entry_and_field() -> None:
    raw = {
        "catalog": [
            {
                "id": "Bad Id",
                "name": "A",
                "url": "http://a.example",
                "platform": "nope",
                "category": "ai",
            },
            {
                "id": "b",
                "name": "B",
                "url": "https://b.example",
                "platform": "statuspage",
                "category": "toys",
            },
            {
                "id": "c",
                "name": "a",
                "url": "https://c.example",
                "platform": "feed",
                "category": "ai",
                "extra": 1,
            },
            {
                "id": "b",
                "name": "D",
                "url": "https://B.example/",
                "platform": "feed",
                "category": "ai",
            },
            "not a mapping",
        ]
    }
    with pytest.raises(ConfigError) as caught:
        parse_catalog(raw, "catalog.yaml")
    assert caught.value.problems == [
        "catalog.yaml: entry 'Bad Id': field 'id': 'Bad Id' is not a lower-case slug (a-z, 0-9, -)",
        "catalog.yaml: entry 'Bad Id': field 'url': 'http://a.example' is not an https URL of a page",
        "catalog.yaml: entry 'Bad Id': field 'platform': 'nope' is not one of "
        + ", ".join(sorted(registry())),
        "catalog.yaml: entry 'b': field 'category': 'toys' is not one of " + ", ".join(CATEGORIES),
        "catalog.yaml: entry 'c': field 'extra': unknown field",
        "catalog.yaml: entry 'c': field 'name': the same as entry 'Bad Id'",
        "catalog.yaml: entry 'b': field 'id': the same as entry 'b'",
        "catalog.yaml: entry 'b': field 'url': the same as entry 'b'",
        "catalog.yaml: entry #5: expected a mapping with id, name, url, platform, category",
    ]


def test_a_catalog_without_entries_says_so() -> None:
    with pytest.raises(ConfigError, match="expected a list of entries under 'catalog:'"):
        parse_catalog({"pages": []}, "catalog.yaml")


@pytest.mark.parametrize("platform", sorted({e.platform for e in CATALOG}))
def test_auto_detection_picks_the_catalog_platform_for_a_page_of_that_shape(
    pages: PageServer, platform: str
) -> None:
    entry: CatalogEntry = next(e for e in CATALOG if e.platform == platform)
    path = urlsplit(entry.url).path
    serve(pages, platform, path)
    assert detect(pages, path) == entry.platform


def test_an_incident_io_page_that_also_serves_a_compatible_summary_json_is_incident_io(
    pages: PageServer,
) -> None:
    proxy = load("incidentio/openai-proxy-summary-2025-04-10.json")
    compatible = compatible_summary(proxy)
    assert set(compatible) == {"page", "status", "components"}
    assert len(compatible["components"][0]["id"]) == 26  # a ULID, not a 12-character code
    pages.set_json("/api/v2/summary.json", compatible)
    pages.set_json(f"/proxy/{pages.host}", proxy)
    assert detect(pages) == "incidentio"


def test_the_compatible_summary_json_alone_is_never_read_as_statuspage(pages: PageServer) -> None:
    pages.set_json(
        "/api/v2/summary.json",
        compatible_summary(load("incidentio/openai-proxy-summary-2025-04-10.json")),
    )
    with pytest.raises(ProbeError) as caught:
        detect(pages)
    assert str(caught.value).startswith("no known platform answered: incidentio: ")
    assert "as incident.io pages serve: not Atlassian Statuspage" in str(caught.value)
    assert caught.value.transient is False


def test_a_richer_platform_failing_for_now_blocks_a_poorer_reading(pages: PageServer) -> None:
    pages.set(f"/proxy/{pages.host}", "upstream hiccup", status=503)
    pages.set(
        "/history.atom", FEED
    )  # the feed would answer: read now, the page would lose components
    with pytest.raises(ProbeError) as caught:
        detect(pages)
    assert str(caught.value).startswith(
        "feed answered, but incidentio (tried first) failed for now; try again, or name the platform (--kind feed): "
    )
    assert caught.value.transient is True


def test_an_unreachable_host_ends_the_probe_at_once() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    page = PageConfig("probe", "Probed", f"http://127.0.0.1:{port}")
    with pytest.raises(ProbeError) as caught:
        probe(requests.Session(), page, timeout=5)
    assert str(caught.value) == (
        f"127.0.0.1:{port} did not answer: connection refused by 127.0.0.1:{port}"
    )
    assert caught.value.transient is True


def test_lower_case_components_at_the_instatus_path_are_not_instatus(pages: PageServer) -> None:
    statuspage = load("statuspage/claude-summary-all-operational-2026-09-03.json")
    pages.set_json("/v2/components.json", {"components": statuspage["components"]})
    with pytest.raises(
        ProbeError, match=r"instatus: .*lower-case component statuses: not Instatus"
    ):
        detect(pages)


def test_an_empty_incident_list_is_not_taken_for_google_cloud(pages: PageServer) -> None:
    pages.set_json("/incidents.json", [])
    pages.set_json("/public/currentevents", [])  # AWS with nothing going on: a real answer
    assert detect(pages) == "aws"


def test_a_better_stack_document_must_be_a_status_page(pages: PageServer) -> None:
    index = copy.deepcopy(load("betterstack/together-index-json-2026-09-04.json"))
    index["data"]["type"] = "monitor"
    pages.set_json("/index.json", index)
    with pytest.raises(
        ProbeError, match=r"betterstack: .*data\.type is 'monitor', not 'status_page'"
    ):
        detect(pages)


def test_a_summary_json_without_statuspage_ids_and_indicator_is_not_statuspage(
    pages: PageServer,
) -> None:
    summary = load("statuspage/claude-summary-all-operational-2026-09-03.json")
    summary["page"]["id"] = "clyi6jhgg31469ihojbwbsmeeg"  # an Instatus-style cuid
    del summary["status"]
    pages.set_json("/api/v2/summary.json", summary)
    with pytest.raises(
        ProbeError, match="no 12-character page id or status indicator: not Atlassian Statuspage"
    ):
        detect(pages)
