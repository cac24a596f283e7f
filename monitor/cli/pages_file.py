"""The pages file edited as text: a new page is inserted as one YAML block after the last page,
so the user's comments and layout stay byte for byte, and the result is validated with
`load_pages` before it replaces the file (atomically, keeping its mode). For
`statusmon pages add` (monitor.cli.pages).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import yaml

from monitor.config import load_pages, parse_pages
from monitor.pages import DEFAULT_INTERVAL, ConfigError, PageConfig


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
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:  # the file is replaced, never edited in place: its folder must let us
        raise ConfigError(
            [
                f"{path.parent}: cannot write the new pages file here ({exc.strerror}); the "
                f"folder must be writable by this user (uid {os.getuid()}; docker compose: "
                "STATUSMON_UID in .env)"
            ]
        ) from None
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
        current = read_text(path)
        if current != old:
            raise ConfigError([f"{path}: changed while the page was being added; try again"])
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_text(path: Path) -> str:
    """The file's text as stored (no newline translation), "" when there is none yet."""
    if not path.exists():
        return ""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
