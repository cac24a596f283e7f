"""`statusmon pages catalog` and `statusmon pages add`: list well-known pages, add one to the
pages file by catalog id or by URL (probed for its platform), and load it into a running system.
`pages status` (monitor.cli.pages_status) shows each page's poll interval now and why.

A duplicate id or URL is refused; the file is edited as text by monitor.cli.pages_file.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from redis.exceptions import RedisError

from monitor import store
from monitor.adapters import registry
from monitor.cli.catalog import CATEGORIES, CatalogEntry, by_url, find, load_catalog, slug, url_key
from monitor.cli.pages_file import append_page, existing_pages, read_text, write_pages
from monitor.cli.pages_status import add_parser as add_status_parser
from monitor.pages import DEFAULT_INTERVAL, MIN_INTERVAL, ConfigError, PageConfig
from monitor.probe import ORDER, probe
from monitor.registry import sync_pages
from monitor.session import new_session
from monitor.settings import Settings


def add_parsers(pages_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    catalog = pages_sub.add_parser("catalog", help="list well-known status pages to add")
    catalog.add_argument("--category", choices=CATEGORIES, help="only this category")
    catalog.set_defaults(func=catalog_command)
    add = pages_sub.add_parser("add", help="add a catalog page or a status page URL")
    add.add_argument("target", metavar="URL_OR_ID", help="a catalog id or name, or a page URL")
    add.add_argument("--id", dest="page_id", help="page id (default: from the catalog or name)")
    add.add_argument("--name", help="display name (default: the catalog's or the page's own)")
    add.add_argument("--interval", type=int, help="seconds between polls (default 60)")
    add.add_argument("--kind", choices=sorted(registry()), help="platform (default: detect)")
    add.set_defaults(func=add_command)
    add_status_parser(pages_sub)  # status (list)


def catalog_command(args: argparse.Namespace, settings: Settings) -> int:
    rows = [("ID", "NAME", "PLATFORM", "URL")]
    rows += [
        (e.id, e.name, e.platform, e.url)
        for e in load_catalog()
        if args.category in (None, e.category)
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
        print("  ".join([*cells, row[3]]))
    return 0


def add_command(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(settings.pages_path)
    if not path.parent.is_dir():
        raise ConfigError([f"{path}: no such directory for the pages file"])
    text = read_text(path)
    pages = existing_pages(text, str(path))
    if args.interval is not None and args.interval < MIN_INTERVAL:
        raise ConfigError([f"--interval: {args.interval} must be whole seconds ≥ {MIN_INTERVAL}"])
    page = _new_page(args, settings, pages, str(path))
    same_id = [p for p in pages if p.id == page.id]
    if same_id:
        raise ConfigError(
            [
                f"{path}: a page with id {page.id!r} is already there ({same_id[0].url}); "
                "pick another with --id"
            ]
        )
    new_text = append_page(text, page)
    write_pages(path, text, new_text, [*pages, page])
    loaded = ""
    if settings.redis_url or settings.sentinel:
        try:
            sync_pages(store.connect(settings.redis), [*pages, page], time.time())
        except (RedisError, OSError) as exc:  # the file is written: say how to finish
            print(
                f"statusmon: added {page.id} to {path}, but could not load it into the "
                f"running system ({exc}); run `statusmon pages sync`",
                file=sys.stderr,
            )
            return 1
        loaded = "; loaded into the running system"
    print(
        f"Added {page.id} ({page.name}, {page.kind}, every {page.interval}s): {page.url} "
        f"to {path}{loaded}"
    )
    return 0


def _new_page(
    args: argparse.Namespace, settings: Settings, pages: list[PageConfig], where: str
) -> PageConfig:
    """The page to add: a catalog entry as it is, or a URL probed for its platform."""
    interval = args.interval or DEFAULT_INTERVAL
    entry = find(args.target)
    url = _as_url(args.target) if entry is None else entry.url
    taken = [p for p in pages if url_key(p.url) == url_key(url)]
    if taken:
        raise ConfigError([f"{where}: {url} is already monitored, as page {taken[0].id!r}"])
    if entry is not None:
        return entry.page(page_id=args.page_id, name=args.name, kind=args.kind, interval=interval)
    return _probed(url, args, settings, by_url(url), interval)


def _as_url(target: str) -> str:
    """`target` as a page URL (https:// is assumed for a bare host name), or ConfigError."""
    url = target if "://" in target else f"https://{target}"
    try:
        parts = urlsplit(url)
        scheme, host, _port = parts.scheme, parts.hostname or "", parts.port
    except ValueError:  # a malformed host or port
        scheme, host = "", ""
    bare_word = "://" not in target and "." not in host
    if scheme in ("http", "https") and host and not bare_word and not set(url) & set(" \t"):
        return url
    raise ConfigError(
        [
            f"{target!r} is neither a catalog id or name (see `statusmon pages catalog`) "
            "nor an http(s) URL of a status page"
        ]
    )


def _probed(
    url: str,
    args: argparse.Namespace,
    settings: Settings,
    known: CatalogEntry | None,
    interval: int,
) -> PageConfig:

    host = urlsplit(url).hostname or "page"
    guess = known.name if known else host.removeprefix("www.").removeprefix("status.")
    draft = PageConfig("new", args.name or guess, url)
    kinds = (args.kind,) if args.kind else ORDER
    session = new_session(max_body=settings.max_body, private_redirects=settings.private_redirects)
    kind, snap = probe(session, draft, settings.fetch_timeout, kinds)
    name = args.name or (known.name if known else snap.page_name)
    page_id = args.page_id or (known.id if known else slug(name).removesuffix("-status") or "page")
    return PageConfig(page_id[:64], name, url, kind, interval)
