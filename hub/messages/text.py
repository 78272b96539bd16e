"""Message text is plain text: shown escaped, with its line breaks, and web links made clickable.

Nothing else a person writes is ever rendered as HTML.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# http(s) up to the next space or character that cannot be in a written link.
LINK = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the link: "see https://aarhus.dk." or "(https://x.dk)".
TRAILING = ".,;:!?)]}"


def _split_trailing(url: str) -> tuple[str, str]:
    tail = ""
    while url and url[-1] in TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # a link's own brackets, as in Wikipedia addresses
        tail = url[-1] + tail
        url = url[:-1]
    return url, tail


def _link(url: str) -> Markup:
    return Markup('<a href="{0}" rel="noopener noreferrer nofollow">{0}</a>').format(url)


def _lines(text: str) -> Markup:
    return Markup("<br>\n").join(escape(line) for line in text.split("\n"))


def message_html(text: str | None) -> Markup:
    """Plain text → safe HTML: escaped, newlines kept, http(s) links clickable."""
    text = (text or "").replace("\r\n", "\n")
    parts: list[Markup] = []
    position = 0
    for match in LINK.finditer(text):
        url, tail = _split_trailing(match.group(0))
        if not re.match(r"https?://[^/?#]", url, re.IGNORECASE):
            continue  # "http://" alone is not a link
        parts.append(_lines(text[position : match.start()]))
        parts.append(_link(url))
        parts.append(_lines(tail))
        position = match.end()
    parts.append(_lines(text[position:]))
    return Markup("").join(parts)
