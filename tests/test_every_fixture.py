"""Every real payload in ../shared/fixtures and ../shared/fixtures/more, read as `statusmon parse
FILE` reads it (no --kind: the platform is detected as a poll detects it): the exact lines its
first poll implies, or the exact refusal saying what it is. Each row was checked by hand against
its file (the comment says why, where it is not plain); a new file fails until it has a row.
The two long outputs are golden files in tests/golden/every/.

Then each file against every platform named with --kind: its own gives the same reading, any
other is refused naming the platform the file looks like (or, for a refused file, what it is).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from monitor.adapters import registry
from monitor.adapters.marks import read_as
from monitor.cli.main import main
from monitor.errors import ParseError
from monitor.pages import PageConfig
from tests.paths import FIXTURES, GOLDEN


@dataclass(frozen=True)
class Reads:
    platform: str
    lines: tuple[str, ...]
    golden: str | None = None

    def __init__(self, platform: str, *lines: str, golden: str | None = None) -> None:
        object.__setattr__(self, "platform", platform)
        object.__setattr__(self, "lines", lines)
        object.__setattr__(self, "golden", golden)

    def stdout(self) -> str:
        if self.golden:
            return (GOLDEN / "every" / self.golden).read_text(encoding="utf-8")
        return "".join(line + "\n" for line in self.lines)


@dataclass(frozen=True)
class Refused:
    message: str


TABLE: dict[str, Reads | Refused] = {
    # two open multi-service events ("3"): each service, then the event; the resolved one is silent
    "aws/health-currentevents-2026.json": Reads(
        "aws",
        "[2026-03-01 12:51:25] Product: Status page UAE - AWS Sign-In",
        "Status: Partial Outage",
        "[2026-03-01 12:51:25] Product: Status page UAE - AWS Security Token Service",
        "Status: Partial Outage",
        "[2026-03-01 12:51:25] Product: Status page UAE - Amazon Bedrock",
        "Status: Partial Outage",
        "[2026-03-01 12:51:25] Product: Status page UAE - AWS Sign-In, AWS Security Token Service, Amazon Bedrock",
        "Status: Investigating - We are investigating issues with AWS services in the ME-CENTRAL-1 Region.",
        "[2026-03-02 05:56:27] Product: Status page Bahrain - AWS Security Token Service",
        "Status: Partial Outage",
        "[2026-03-02 05:56:27] Product: Status page Bahrain - AWS Sign-In",
        "Status: Partial Outage",
        "[2026-03-02 05:56:27] Product: Status page Bahrain - Amazon Bedrock",
        "Status: Partial Outage",
        "[2026-03-02 05:56:27] Product: Status page Bahrain - AWS Security Token Service, AWS Sign-In, Amazon Bedrock",
        "Status: Investigating - We are investigating increased API error rates in a single Availability Zone (mes1-az2) in the ME-SOUTH-1 Region.",
    ),
    # every resource operational, the one report (a maintenance) resolved
    "betterstack/together-index-json-2026-09-04.json": Reads("betterstack"),
    # one incident, ended
    "gcp/incidents-json-bigquery-europe-north1-2023-03-10.json": Reads("gcp"),
    "incidentio/openai-proxy-summary-2025-04-10.json": Reads(
        "incidentio",
        "[2025-04-01 06:30:00] Product: Status page Sora - Video generation",
        "Status: Degraded Performance",
        "[2025-04-08 17:48:00] Product: Status page Sora - Video generation",
        "Status: Monitoring - New users may experience temporary delays in video generation capabilities. We are applying the mitigation and are monitoring the recovery.",
    ),
    # three components, all OPERATIONAL
    "instatus/perplexity-v2-components.json": Reads("instatus"),
    # no arn: keyed <service>_<date>; status "0" with end_time: resolved, services current "0"
    "more/aws/currentevents-resolved-no-arn-int-log-status-2023-03-13.json": Reads("aws"),
    "more/aws/legacy-status-data-json-2022-07.json": Refused(
        "this is AWS's legacy status.aws.amazon.com/data.json, not the Health Dashboard's currentevents: point the page at https://health.aws.amazon.com/health/status"
    ),
    # updates carry no status and nothing ends the incident: open, investigating
    "more/betterstack/webhook-incident-update-no-status-docs-example.json": Reads(
        "betterstack",
        "[2024-01-15 11:45:00] Product: Status page - Database Connection Issues",
        "Status: Investigating - We've identified the issue and are working on a fix",
    ),
    # the state is in the title: "operating normally: [RESOLVED]" closed, "Informational message" open
    "more/feed/aws-status-all-rss-2023-02-13-resolved-and-informational.xml": Reads(
        "feed",
        "[2023-02-02 22:19:24] Product: Status page - Increased error rates when accessing Cost Explorer, Budgets, and Cost and Usage Reports",
        "Status: Investigating - We are currently seeing early signs of recovery and we continue to work towards full mitigation. We will provide you another update by 3:15 PM PST.",
    ),
    # the newest entry is open; <updated> gives its second
    "more/feed/github-history-2022-06-17-investigating.atom": Reads(
        "feed",
        "[2022-06-17 03:54:19] Product: Status page - Incident with GitHub Actions",
        "Status: Investigating - We are investigating reports of degraded performance for GitHub Actions.",
    ),
    # an upcoming maintenance; its future <published> is not an update's time
    "more/feed/github-history-2025-05-27-scheduled-maintenance-upcoming.atom": Reads(
        "feed",
        "[2025-05-22 15:26:24] Product: Status page - Codespaces Scheduled Maintenance",
        "Status: Maintenance Scheduled - Codespaces Scheduled Maintenance: Codespaces will be undergoing global maintenance from 16:30 UTC on Wednesday, May 28 to 16:30 UTC on Thursday, May 29. Maintenance will begin in our Europe, Asia, and Australia regions. Once it is complete, maintenance will start in our US regions. Each batch of regions will take approximately three to four hours to complete. During this time period, users may experience intermittent connectivity issues when creating new Codespaces or accessing existing ones. To avoid disruptions, ensure that any uncommitted changes are committed and pushed before the maintenance starts. Codespaces with uncommitted changes will remain accessible as usual after the maintenance is complete.",
    ),
    "more/feed/github-history-2025-05-30-maintenance-in-progress.atom": Reads(
        "feed",
        "[2025-05-29 21:30:21] Product: Status page - Codespaces Scheduled Maintenance",
        "Status: Maintenance In Progress - Codespaces Scheduled Maintenance: Scheduled maintenance is currently in progress. We will provide updates as necessary.",
    ),
    "more/feed/github-history-2026-05-07-open-latest-update-label.atom": Reads(
        "feed",
        "[2026-05-07 06:14:57] Product: Status page - CCR and CCA failing to start for PR comments",
        "Status: Monitoring - Copilot code review and cloud agents are starting again for pull requests, we are monitoring for full recovery.",
    ),
    # two guid-less items on one link, both "(已恢复)" (recovered): two closed incidents
    "more/feed/volcengine-rss-chinese-no-guid-same-link-2025-09-18.rss": Reads("feed"),
    # one item, "Status: RESOLVED"
    "more/feed/xai-status-rss-single-item-status-resolved-2026-09-03.xml": Reads("feed"),
    # 157 incidents, all with `end`
    "more/gcp/incidents-json-full-history-157-closed-2022-07-03.json": Reads("gcp"),
    # one id three times: the open entry (SERVICE_OUTAGE, no end) is the one read
    "more/gcp/incidents-same-id-three-entries-one-open-checkmk-edited-2022-07-20.json": Reads(
        "gcp",
        "[2022-07-20 13:44:35] Product: Status page - Secret Manager",
        "Status: Major Outage",
        "[2022-07-20 13:44:35] Product: Status page - Secret Manager",
        "Status: Investigating - We experienced an issue with Secret Manager beginning at Tuesday, 2022-07-19 07:17 US/Pacific. Self-diagnosis: Customers who had their secrets exclusively in europe-west2 or attempted to create a secret in europe-west2 were seeing UNAVAILABLE / 5xx errors The issue has been resolved for all affected projects as of Tuesday, 2022-07-19 08:47 US/Pacific. We thank you for your patience while we worked on resolving the issue.",
    ),
    # reduced fields, SERVICE_INFORMATION, ended
    "more/gcp/incidents-vertex-gemini-2026-02-27-reduced-fields.json": Reads("gcp"),
    "more/incidentio/openai-proxy-component-impacts-2025-04-10.json": Refused(
        "this is incident.io's component_impacts history (…/proxy/<host>/component_impacts), not the page's summary (…/proxy/<host>): point the page at the status page's home URL"
    ),
    "more/incidentio/openai-statuspage-compat-summary-all-operational-no-incidents-key-2026-07.json": Refused(
        "this is the Statuspage-compatible summary.json an incident.io page serves (ULID ids; no groups, no incident components): statusmon reads incident.io pages from /proxy/<host>: point the page at the status page's home URL"
    ),
    "more/incidentio/openai-statuspage-compat-summary-degraded-two-incidents-2026-09-29.json": Refused(
        "this is the Statuspage-compatible summary.json an incident.io page serves (ULID ids; no groups, no incident components): statusmon reads incident.io pages from /proxy/<host>: point the page at the status page's home URL"
    ),
    # page UP, no incident arrays
    "more/instatus/perplexity-summary-up.json": Reads("instatus"),
    # integer id; "Connections" is named only by the incident; the newest note is its update
    "more/slack/current-active-int-id-escaped-slashes-2023-09-26.json": Reads(
        "slack",
        "[2023-09-26 18:55:36] Product: Status page - Connections",
        "Status: Partial Outage",
        "[2023-09-26 18:55:36] Product: Status page - Connections",
        "Status: Investigating - sample note 2",
    ),
    "more/slack/current-active-notifications-2020-07-30.json": Reads(
        "slack",
        "[2020-07-24 17:45:08] Product: Status page - Apps/Integrations/APIs",
        "Status: Partial Outage",
        "[2020-07-24 17:45:08] Product: Status page - Apps/Integrations/APIs",
        "Status: Investigating - We're currently aware of some intermittent latency and timeouts with image attachments, certain API methods (including users.setPhoto, chat.postMessage and chat.update, views.*), and apps which use these features. We are currently investigating and will update when we believe these issues have been resolved. Sorry for the inconvenience.",
        "[2020-07-30 22:12:34] Product: Status page - Notifications",
        "Status: Partial Outage",
        "[2020-07-30 22:12:34] Product: Status page - Notifications",
        "Status: Investigating - Some users might notice that their notifications settings for mobile are not being respected. We are taking a look and hope to have more news soon.",
    ),
    "more/statuspage/claude-summary-open-incident-degraded-2026-10-07.json": Reads(
        "statuspage",
        "[2026-10-07 21:44:41] Product: Status page - Claude Console (platform.claude.com)",
        "Status: Degraded Performance",
        "[2026-10-07 21:44:41] Product: Status page - Claude Console (platform.claude.com)",
        "Status: Monitoring - We've mitigated the errors loading usage data on platform.claude.com and in the Admin API usage report. While we work on a full fix, the most recent ~30 minutes of usage may take longer to appear on the platform.claude.com. API requests are not affected, and we will provide additional updates here.",
    ),
    "more/statuspage/cloudamqp-summary-under-maintenance-2020-07-16.json": Reads(
        "statuspage",
        "[2020-07-16 21:10:37] Product: Status page - Shared servers",
        "Status: Under Maintenance",
        "[2020-07-16 21:10:37] Product: Status page - Shared servers",
        "Status: Maintenance In Progress - Upgrade of shared servers “jellyfish”, “wildboar”, and “reindeer”: Scheduled maintenance is currently in progress. We will provide updates as necessary.",
    ),
    # 2 incidents, 11 maintenances; the components they name are not in the trimmed list:
    # read from the incidents (WARP, Tunnel degraded; GRU under maintenance), grouped by name
    "more/statuspage/cloudflare-summary-groups-maintenance-unicode-2026-09.json": Reads(
        "statuspage", golden="cloudflare-summary-groups-maintenance-unicode-2026-09.txt"
    ),
    "more/statuspage/github-components-json-2024-09-17.json": Refused(
        "this is Statuspage's components.json, not summary.json: point the page at the status page's home URL"
    ),
    # newest entry open, "Update" keeps the phase before it
    "more/statuspage/github-history-2026-07-09-open-incident-unicode.atom": Reads(
        "feed",
        "[2026-07-09 06:01:43] Product: Status page - Delays starting Actions runs",
        "Status: Investigating - We are continuing to work on a mitigation.",
    ),
    "more/statuspage/github-incidents-json-two-resolved-2024-09-17.json": Refused(
        "this is Statuspage's incidents.json, not summary.json: point the page at the status page's home URL"
    ),
    "more/statuspage/github-status-json-not-summary-2023-09-26.json": Refused(
        "this is Statuspage's status.json, not summary.json: point the page at the status page's home URL"
    ),
    # all operational, no incidents
    "more/statuspage/github-summary-all-operational-2019-12-30-minified.json": Reads("statuspage"),
    # 5 major + 1 partial outage; the incident names only GitHub's pseudo-component
    "more/statuspage/github-summary-major-outage-2020-04-02.json": Reads(
        "statuspage",
        "[2020-04-02 20:18:20] Product: Status page - API Requests",
        "Status: Major Outage",
        "[2020-04-02 20:18:21] Product: Status page - Issues, PRs, Projects",
        "Status: Major Outage",
        "[2020-04-02 20:21:56] Product: Status page - GitHub Actions",
        "Status: Partial Outage",
        "[2020-04-02 20:26:21] Product: Status page - Git Operations",
        "Status: Major Outage",
        "[2020-04-02 20:26:36] Product: Status page - Visit www.githubstatus.com for more information",
        "Status: Investigating - We are investigating reports of service unavailability.",
        "[2020-04-02 20:36:52] Product: Status page - GitHub Packages",
        "Status: Major Outage",
        "[2020-04-02 20:37:08] Product: Status page - Webhooks",
        "Status: Major Outage",
    ),
    # Statuspage's 2014 docs data: -06:00 offsets, 1 incident, 2 maintenances, 2 components down
    "more/statuspage/github-summary-partial-outage-2020-07-12.json": Reads(
        "statuspage",
        "[2014-05-14 20:22:40] Product: Status page - Unplanned Database Outage",
        "Status: Identified - Our master database has ham sandwiches flying out of the rack, and we're working our hardest to stop the bleeding. The whole site is down while we restore functionality, and we'll provide another update within 30 minutes.",
        "[2014-05-14 20:24:41] Product: Status page - Network Maintenance (No Interruption Expected)",
        "Status: Maintenance Scheduled - Network Maintenance (No Interruption Expected): Our data center has informed us that they will be performing routine network maintenance. No interruption in service is expected. Any issues during this maintenance should be directed to our support center",
        "[2014-05-14 20:34:20] Product: Status page - Web Tier Recycle",
        "Status: Maintenance In Progress - Web Tier Recycle: Scheduled maintenance is currently in progress. We will provide updates as necessary.",
        "[2014-05-14 20:34:43] Product: Status page - API",
        "Status: Partial Outage",
        "[2014-05-14 20:34:44] Product: Status page - Management Portal",
        "Status: Major Outage",
    ),
    # group rows (degraded themselves) are no components; 2 incidents, 9 maintenances
    "more/statuspage/twilio-summary-groups-degraded-2020-06-16.json": Reads(
        "statuspage", golden="twilio-summary-groups-degraded-2020-06-16.txt"
    ),
    # back to operational: nothing to say on a first sight
    "more/statuspage/webhook-component-update-recovered-atlassian-docs-sentry-readme.json": Reads(
        "statuspage"
    ),
    # status monitoring, but its one update is the investigating one
    "more/statuspage/webhook-incident-create-atlassian-docs-example.json": Reads(
        "statuspage",
        "[2013-05-29 21:08:51] Product: Status page - Virginia Is Down",
        "Status: Investigating - The cloud, located in Norther Virginia, has once again gone the way of the dodo.",
    ),
    # resolved
    "more/statuspage/webhook-incident-resolved-two-updates-zulip.json": Reads("statuspage"),
    "pagerduty/webhook-v3-incident-triggered-zulip.json": Refused(
        "this is a PagerDuty v3 webhook (incident.triggered), not a status page's payload: statusmon does not read PagerDuty"
    ),
    # status ok, no incidents
    "slack/current-ok-docs-example.json": Reads("slack"),
    # all operational, no incidents
    "statuspage/claude-summary-all-operational-2026-09-03.json": Reads("statuspage"),
    # 25 entries, all resolved
    "statuspage/github-history-2026-08-22.atom": Reads("feed"),
    "statuspage/github-summary-incident-2022-11-25.json": Reads(
        "statuspage",
        "[2022-11-25 15:50:04] Product: Status page - Pages, Packages",
        "Status: Investigating - Packages is now experiencing degraded performance. We are still investigating and will provide an update when we have one.",
        "[2022-11-25 15:50:05] Product: Status page - Packages",
        "Status: Partial Outage",
    ),
    "statuspage/webhook-component-update-zulip.json": Reads(
        "statuspage",
        "[2017-12-26 07:59:09] Product: Status page - Database component",
        "Status: Under Maintenance",
    ),
    "statuspage/webhook-incident-atlassian-docs-example.json": Reads(
        "statuspage",
        "[2013-05-29 22:07:53] Product: Status page - Virginia Is Down",
        "Status: Monitoring - A fix has been implemented and we are monitoring the results.",
    ),
    "statuspage/webhook-incident-created-zulip.json": Reads(
        "statuspage",
        "[2017-12-26 07:32:00] Product: Status page - Management Portal (example)",
        "Status: Identified - We just encountered that database queries are timing out resulting in inconvenience to our end users...we'll do quick fix latest by tomorrow !!!",
    ),
}
PAGE = PageConfig(id="page", name="Status page", url="https://status.invalid")


def test_every_fixture_file_has_a_row() -> None:
    files = {
        str(p.relative_to(FIXTURES))
        for p in FIXTURES.rglob("*")
        if p.is_file() and p.suffix != ".md"
    }
    assert len(files) >= 46
    assert files == set(TABLE)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_parse_prints_exactly_what_the_file_implies_or_says_what_it_is(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_TZ", "UTC")
    code = main(["parse", str(FIXTURES / name)])
    out, err = capsys.readouterr()
    expected = TABLE[name]
    if isinstance(expected, Refused):
        assert (code, out, err) == (1, "", f"statusmon: {expected.message}\n")
    else:
        assert (code, err) == (0, "")
        assert out == expected.stdout()


@pytest.mark.parametrize("name", sorted(TABLE))
def test_a_named_kind_reads_the_file_only_if_it_is_that_platforms(name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    expected = TABLE[name]
    for kind in sorted(registry()):
        if isinstance(expected, Reads) and kind == expected.platform:
            assert read_as(body, PAGE, kind) == read_as(body, PAGE)
            assert read_as(body, PAGE)[0] == kind
            continue
        with pytest.raises(ParseError) as caught:
            read_as(body, PAGE, kind)
        if isinstance(expected, Refused):
            assert str(caught.value) == expected.message
        else:
            assert f", not {kind}: use --kind {expected.platform}, or no --kind" in str(
                caught.value
            )
