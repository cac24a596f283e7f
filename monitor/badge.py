"""A shields-style SVG badge of one page's current status: "<label> | <status>"."""

from __future__ import annotations

from html import escape

from monitor import status

COLOURS = {  # the board's palette (monitor/web/static/board.css), white text readable on each
    status.OPERATIONAL: "#1a7f37",
    status.MAINTENANCE: "#0550ae",
    status.UNKNOWN: "#57606a",
    status.DEGRADED: "#9a6700",
    status.PARTIAL_OUTAGE: "#bc4c00",
    status.MAJOR_OUTAGE: "#cf222e",
}
LABEL_COLOUR = "#444d56"


def _width(text: str) -> int:
    return 10 + round(6.6 * len(text))  # Verdana 11px, near enough for a badge


def badge(label: str, page_status: str) -> str:
    words = status.WORDS.get(page_status, status.WORDS[status.UNKNOWN]).lower()
    left, right = _width(label), _width(words)
    colour = COLOURS.get(page_status, COLOURS[status.UNKNOWN])
    label_x, words_x = left / 2, left + right / 2
    title = escape(f"{label}: {words}")
    label, words = escape(label), escape(words)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + right}" height="20" '
        f'role="img" aria-label="{title}"><title>{title}</title>'
        f'<rect width="{left}" height="20" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" '
        'font-size="11">'
        f'<text x="{label_x}" y="14">{label}</text>'
        f'<text x="{words_x}" y="14">{words}</text></g></svg>'
    )
