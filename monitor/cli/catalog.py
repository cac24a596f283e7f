"""The catalog of well-known public status pages (`catalog.yaml`, shipped with the package).

Read and validated like pages.yaml: every problem names the file, the entry and the field, all
at once. `find` looks an entry up by id or name, `by_url` by its URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from monitor.config import known_kinds
from monitor.pages import DEFAULT_INTERVAL, ConfigError, PageConfig

CATEGORIES = (
    "ai",
    "cloud",
    "data",
    "devtools",
    "monitoring",
    "comms",
    "productivity",
    "security",
    "payments",
    "commerce",
    "analytics",
    "marketing",
    "media",
    "social",
    "gaming",
    "design",
)
FIELDS = ("id", "name", "url", "platform", "category")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    name: str
    url: str
    platform: str  # an adapter name: the page's kind
    category: str

    def page(
        self,
        *,
        page_id: str | None = None,
        name: str | None = None,
        kind: str | None = None,
        interval: int = DEFAULT_INTERVAL,
    ) -> PageConfig:
        return PageConfig(
            page_id or self.id, name or self.name, self.url, kind or self.platform, interval
        )


def load_catalog(path: str | Path | None = None) -> list[CatalogEntry]:
    """The shipped catalog (or the file at `path`); ConfigError naming every problem."""
    if path is None:
        where = "catalog.yaml"
        text = resources.files("monitor.cli").joinpath("catalog.yaml").read_text(encoding="utf-8")
    else:
        where, text = str(path), Path(path).read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError([f"{where}: not valid YAML: {exc}".replace("\n", " ")]) from None
    return parse_catalog(raw, where)


def parse_catalog(raw: Any, where: str) -> list[CatalogEntry]:
    rows = raw.get("catalog") if isinstance(raw, Mapping) else None
    if not isinstance(rows, list):
        raise ConfigError([f"{where}: expected a list of entries under 'catalog:'"])
    problems: list[str] = []
    entries: list[CatalogEntry] = []
    seen: dict[str, dict[str, str]] = {"id": {}, "name": {}, "url": {}}
    kinds = known_kinds()
    for index, row in enumerate(rows):
        label = repr(row["id"]) if isinstance(row, Mapping) and "id" in row else f"#{index + 1}"
        found: list[str] = []
        entry = _entry(row, kinds, found)
        for key, value in _identity(row):
            if value in seen[key]:
                found.append(f"field {key!r}: the same as entry {seen[key][value]!r}")
            seen[key].setdefault(value, str(row["id"]))
        if entry is not None:
            entries.append(entry)
        problems += [f"{where}: entry {label}: {p}" for p in found]
    if problems:
        raise ConfigError(problems)
    return entries


def _identity(row: Any) -> list[tuple[str, str]]:
    """What must be unique: id, name (any case) and URL (as `url_key` compares them)."""
    if not isinstance(row, Mapping) or not isinstance(row.get("id"), str):
        return []
    norm: dict[str, Callable[[str], str]] = {"id": str, "name": str.casefold, "url": url_key}
    return [(k, f(row[k])) for k, f in norm.items() if isinstance(row.get(k), str)]


def _entry(row: Any, kinds: list[str], problems: list[str]) -> CatalogEntry | None:
    if not isinstance(row, Mapping):
        problems.append(f"expected a mapping with {', '.join(FIELDS)}")
        return None
    problems += [f"field {k!r}: unknown field" for k in row if k not in FIELDS]
    values: dict[str, str] = {}
    for key in FIELDS:
        value = row.get(key)
        if isinstance(value, str) and value.strip() and value == value.strip():
            values[key] = value
        else:
            problems.append(f"field {key!r}: required, a non-empty string without outer spaces")
    if problems:
        return None
    entry = CatalogEntry(**values)
    if not _SLUG.match(entry.id):
        problems.append(f"field 'id': {entry.id!r} is not a lower-case slug (a-z, 0-9, -)")
    parts = urlsplit(entry.url)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        problems.append(f"field 'url': {entry.url!r} is not an https URL of a page")
    if entry.platform not in kinds:
        problems.append(f"field 'platform': {entry.platform!r} is not one of {', '.join(kinds)}")
    if entry.category not in CATEGORIES:
        problems.append(
            f"field 'category': {entry.category!r} is not one of {', '.join(CATEGORIES)}"
        )
    return None if problems else entry


def url_key(url: str) -> str:
    """A URL compared as the same page: scheme and host case-folded, no trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}" + (
        f"?{parts.query}" if parts.query else ""
    )


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def find(name_or_id: str, entries: list[CatalogEntry] | None = None) -> CatalogEntry | None:
    """The entry whose id or name is `name_or_id` (any case; "together ai" finds Together AI)."""
    wanted = slug(name_or_id)
    for entry in load_catalog() if entries is None else entries:
        if wanted and wanted in (entry.id, slug(entry.name)):
            return entry
    return None


def by_url(url: str, entries: list[CatalogEntry] | None = None) -> CatalogEntry | None:
    wanted = url_key(url)
    for entry in load_catalog() if entries is None else entries:
        if url_key(entry.url) == wanted:
            return entry
    return None
