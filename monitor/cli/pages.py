"""`statusmon pages catalog` and `statusmon pages add`: list well-known pages, add one to the
pages file by catalog id or by URL (probed for its platform), and load it into a running system.

The pages file is edited as text: the new page is inserted as one YAML block after the last
page, so the user's comments and layout stay byte for byte. The result is validated with
`load_pages` before it replaces the file (atomically), and a duplicate id or URL is refused.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from redis.exceptions import RedisError

from monitor.adapters import registry
from monitor.cli.catalog import CATEGORIES, CatalogEntry, by_url, find, load_catalog, slug, url_key
from monitor.config import load_pages, parse_pages
from monitor.fetch import new_session
from monitor.pages import DEFAULT_INTERVAL, MIN_INTERVAL, ConfigError, PageConfig
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
    text = _read(path)
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
    if settings.redis_url:
        from monitor import store
        from monitor.registry import sync_pages

        try:
            sync_pages(store.connect(settings.redis_url), [*pages, page], time.time())
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
    from monitor.probe import ORDER, probe

    host = urlsplit(url).hostname or "page"
    guess = known.name if known else host.removeprefix("www.").removeprefix("status.")
    draft = PageConfig("new", args.name or guess, url)
    kinds = (args.kind,) if args.kind else ORDER
    kind, snap = probe(new_session(), draft, settings.fetch_timeout, kinds)
    name = args.name or (known.name if known else snap.page_name)
    page_id = args.page_id or (known.id if known else slug(name).removesuffix("-status") or "page")
    return PageConfig(page_id[:64], name, url, kind, interval)


def existing_pages(text: str, where: str) -> list[PageConfig]:
    """The pages already in the file; an empty file (or `pages:` with none yet) has none."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError([f"{where}: not valid YAML: {exc}".replace("\n", " ")]) from None
    if raw is None or (isinstance(raw, dict) and raw.get("pages", []) is None):
        return []
    return parse_pages(raw, where)


def append_page(text: str, page: PageConfig) -> str:
    """`text` with `page` as one more block after the last page; every other byte unchanged."""
    nl = "\r\n" if "\r\n" in text else "\n"
    root = yaml.compose(text)
    value = None
    if isinstance(root, yaml.MappingNode):
        value = next((v for k, v in root.value if k.value == "pages"), None)
    elif isinstance(root, yaml.SequenceNode):
        value = root
    if isinstance(value, yaml.SequenceNode) and not value.flow_style:
        first, last = value.value[0].start_mark.index, value.value[-1].start_mark.index
        dash_at = text.rindex("-", 0, first)
        dash = dash_at - (text.rfind("\n", 0, dash_at) + 1)
        block = render(page, dash, dash + first - dash_at, nl)
        end = value.end_mark.index
        if not text[end:].strip():  # the pages are the end of the file
            return text + ("" if text.endswith("\n") or not text else nl) + block
        at = text.rfind("\n", 0, end) + 1  # another section follows: insert before it,
        while True:  # and before the blank lines and comments that lead it
            start = text.rfind("\n", 0, at - 1) + 1
            if start <= last or not _filler(text[start:at], dash):
                return text[:at] + block + text[at:]
            at = start
    if root is None:  # empty, or comments only
        return (
            text
            + ("" if text.endswith("\n") or not text else nl)
            + f"pages:{nl}"
            + render(page, 2, 4, nl)
        )
    if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null") and not value.value:
        key_end = text.find("\n", value.start_mark.index)
        at = len(text) if key_end < 0 else key_end + 1
        head = text[:at] if key_end >= 0 else text + nl
        return head + render(page, 2, 4, nl) + text[at:]
    raise ConfigError(
        [
            "the pages file keeps its pages in a form this command does not edit "
            "(write 'pages:' as a block list); add this by hand:",
            render(page, 2, 4, "\n").rstrip(),
        ]
    )


def _filler(line: str, dash: int) -> bool:
    """A blank line, or a comment not indented under the last page: it leads the next section."""
    body = line.lstrip()
    return not body or (body.startswith("#") and len(line) - len(body) <= dash)


def render(page: PageConfig, dash: int, indent: int, nl: str) -> str:
    fields: list[tuple[str, str | int]] = [("id", page.id), ("name", page.name), ("url", page.url)]
    fields += [("kind", page.kind)] if page.kind else []
    fields += [("interval", page.interval)] if page.interval != DEFAULT_INTERVAL else []
    lines = [" " * indent + f"{key}: {_scalar(value)}" for key, value in fields]
    lines[0] = " " * dash + "-" + lines[0][dash + 1 :]
    return nl.join(lines) + nl


def _scalar(value: str | int) -> str:
    """Plain when YAML reads it back unchanged, else a double-quoted (JSON) string."""
    text = str(value)
    try:
        plain = yaml.safe_load(f"k: {text}") == {"k": value} and "\n" not in text
    except yaml.YAMLError:
        plain = False
    return text if plain else json.dumps(value, ensure_ascii=False)


def write_pages(path: Path, old: str, new: str, expected: list[PageConfig]) -> None:
    """Replace the file with `new` once load_pages reads `expected` from it, atomically."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(new)
            out.flush()
            os.fsync(out.fileno())
        try:
            got = load_pages(tmp)
        except ConfigError as exc:
            raise ConfigError([p.replace(tmp, str(path)) for p in exc.problems]) from None
        if got != expected:
            raise ConfigError(
                [f"{path}: the page would not land in the list of pages; add it by hand"]
            )
        current = _read(path)
        if current != old:
            raise ConfigError([f"{path}: changed while the page was being added; try again"])
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _read(path: Path) -> str:
    """The file's text as stored (no newline translation), "" when there is none yet."""
    if not path.exists():
        return ""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
