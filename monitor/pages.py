"""The typed page config every part of statusmon reads (pages.yaml is parsed by monitor.config).

A `PageConfig` is plain data: the loader validates it, the schedule stores it in Redis (without
its webhook secrets), the adapters read its URL and name, the detector its labels and filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

from monitor.filters import Filters
from monitor.webhook_config import WebhookConfig

MIN_INTERVAL = 5
DEFAULT_INTERVAL = 60
DEFAULT_INTERVAL_ACTIVE = 10  # seconds between polls while a page is active (monitor.pace)
DEFAULT_ACTIVE_WINDOW = 600  # seconds a change keeps a quiet page active


class ConfigError(ValueError):
    """Bad configuration (pages.yaml or the environment): every problem, each on its own line,
    naming the file, page and field or the variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Labels:
    """Product-label overrides; keys are provider ids or display names."""

    groups: Mapping[str, str] = field(default_factory=dict)
    components: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PageConfig:
    id: str
    name: str
    url: str
    kind: str | None = None  # the platform (an adapter's name); None: auto-detect
    interval: int = DEFAULT_INTERVAL
    labels: Labels = field(default_factory=Labels)
    webhook: WebhookConfig | None = None  # None: the page takes no webhooks
    filters: Filters = field(default_factory=Filters)
    interval_active: int = DEFAULT_INTERVAL_ACTIVE  # while active (monitor.pace); ≤ interval
    active_window: int = DEFAULT_ACTIVE_WINDOW  # seconds a change keeps the page active

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")

    @property
    def host(self) -> str:
        return urlparse(self.url).netloc
