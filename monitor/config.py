"""pages.yaml: the list of monitored pages (monitor.pages), read once and validated loudly.
Its `channels:` section is read by monitor.channel_config.

Every problem names the file, the page and the field; all problems are reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from monitor.adapters import registry
from monitor.filters import parse_filters
from monitor.pages import (
    DEFAULT_ACTIVE_WINDOW,
    DEFAULT_INTERVAL,
    DEFAULT_INTERVAL_ACTIVE,
    MIN_INTERVAL,
    ConfigError,
    Labels,
    PageConfig,
)
from monitor.webhook_config import parse_webhook_section

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_PAGE_FIELDS = {
    "id",
    "name",
    "url",
    "kind",
    "interval",
    "interval_active",
    "active_window",
    "labels",
    "webhook",
    "filters",
}


def load_pages(path: str | Path) -> list[PageConfig]:
    """Read and validate a pages file; raise ConfigError naming every problem."""
    return parse_pages(read_file(path), str(path))


def read_file(path: str | Path) -> Any:
    """The YAML document of a pages file; ConfigError if it is missing or not YAML."""
    where = str(path)
    try:
        # libyaml's loader when PyYAML has it: 2 s instead of 8 s for 10,000 pages
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)
    except FileNotFoundError:
        raise ConfigError([f"{where}: file not found"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{where}: not valid YAML: {exc}".replace("\n", " ")]) from None


def parse_pages(raw: Any, where: str) -> list[PageConfig]:
    if isinstance(raw, Mapping):
        raw = raw.get("pages")
    if not isinstance(raw, list):
        raise ConfigError([f"{where}: expected a list of pages under 'pages:'"])
    problems: list[str] = []
    pages: list[PageConfig] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        page_problems: list[str] = []
        page = _parse_page(item, index, page_problems)
        label = _page_label(item, index)
        problems += [f"{where}: page {label}: {p}" for p in page_problems]
        if page is None:
            continue
        if page.id in seen:
            problems.append(f"{where}: page {label}: field 'id': duplicate id {page.id!r}")
        seen.add(page.id)
        pages.append(page)
    if problems:
        raise ConfigError(problems)
    return pages


def _page_label(item: Any, index: int) -> str:
    if isinstance(item, Mapping) and isinstance(item.get("id"), str):
        return repr(item["id"])
    return f"#{index + 1}"


def _parse_page(item: Any, index: int, problems: list[str]) -> PageConfig | None:
    if not isinstance(item, Mapping):
        problems.append("expected a mapping with id, name and url")
        return None
    problems += [f"field {k!r}: unknown field" for k in item if k not in _PAGE_FIELDS]
    page_id = _text(item, "id", problems)
    if page_id is not None and not _ID.match(page_id):
        problems.append(f"field 'id': {page_id!r} must be lower-case letters, digits, - or _")
    name = _text(item, "name", problems)
    url = _text(item, "url", problems)
    if url is not None and urlparse(url).scheme not in ("http", "https"):
        problems.append(f"field 'url': {url!r} is not an http(s) URL")
    kind = item.get("kind")
    kinds = known_kinds()
    if kind is not None and kind not in kinds:
        problems.append(f"field 'kind': {kind!r} is not one of {', '.join(kinds)} (or omit it)")
    interval = _seconds(item, "interval", DEFAULT_INTERVAL, MIN_INTERVAL, problems)
    active = _seconds(item, "interval_active", DEFAULT_INTERVAL_ACTIVE, MIN_INTERVAL, problems)
    window = _seconds(item, "active_window", DEFAULT_ACTIVE_WINDOW, 0, problems)
    labels = _labels(item.get("labels"), problems)
    webhook = parse_webhook_section(item.get("webhook"), problems)
    filters = parse_filters(_mapping(item, "filters", problems), problems)
    if problems or page_id is None or name is None or url is None:
        return None
    return PageConfig(page_id, name, url, kind, interval, labels, webhook, filters, active, window)


def _seconds(
    item: Mapping[str, Any], key: str, default: int, least: int, problems: list[str]
) -> int:
    """A whole number of seconds ≥ `least` (a bool is not one), or `default` when absent."""
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        problems.append(f"field {key!r}: {value!r} must be whole seconds ≥ {least}")
        return default
    return int(value)


def known_kinds() -> list[str]:
    return sorted(registry())


def _text(item: Mapping[str, Any], key: str, problems: list[str]) -> str | None:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"field {key!r}: required, a non-empty string")
        return None
    return value.strip()


def _mapping(item: Mapping[str, Any], key: str, problems: list[str]) -> Mapping[str, Any]:
    value = item.get(key) or {}
    if not isinstance(value, Mapping):
        problems.append(f"field {key!r}: expected a mapping")
        return {}
    return value


def _labels(raw: Any, problems: list[str]) -> Labels:
    if raw is None:
        return Labels()
    if not isinstance(raw, Mapping):
        problems.append("field 'labels': expected a mapping with 'groups' and/or 'components'")
        return Labels()
    found: dict[str, dict[str, str]] = {}
    for key in ("groups", "components"):
        value = raw.get(key) or {}
        ok = isinstance(value, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
        if not ok:
            problems.append(f"field 'labels.{key}': expected a mapping of id or name to label")
            value = {}
        found[key] = dict(value)
    problems += [f"field 'labels.{k}': unknown field" for k in raw if k not in found]
    return Labels(groups=found["groups"], components=found["components"])
