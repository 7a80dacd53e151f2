"""What a person reads on a page, and the raw codes that must not be in it: field names in
snake_case, Python dicts, job ids, interval codes inside a sentence, lowercase "eur" labels.

Text in <code>, <textarea>, <script> and <style> is left out: it is shown verbatim on purpose
(a token's prefix, a refused row as it was sent, the fare rules' JSON)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VERBATIM = {"code", "textarea", "script", "style", "pre"}

# A snake_case word is a field or a code leaking; these are words a person is told to type
# (the columns of a file of readings).
SAFE_TOKENS = {"customer_class"}

RAW_CODE = {
    "snake_case word": re.compile(r"\b[a-z]+_[a-z_]+\b"),
    "Python dict": re.compile(r"\{'"),
    "job id": re.compile(r"process:\d"),
    "interval code": re.compile(r" (?:hourly|daily|monthly|15min)\b"),
    "lowercase eur label": re.compile(r"\b[a-z]+ eur\b"),
}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._verbatim = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VERBATIM:
            self._verbatim += 1
        for name, value in attrs:  # what a screen reader or a tooltip reads is text too
            if name in ("title", "aria-label", "placeholder", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in VERBATIM and self._verbatim:
            self._verbatim -= 1

    def handle_data(self, data: str) -> None:
        if not self._verbatim:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def raw_codes(html: str) -> list[str]:
    """Each raw code on the page, named by its kind: empty when the page reads as words."""
    text = visible_text(html)
    found = []
    for kind, pattern in RAW_CODE.items():
        for m in pattern.finditer(text):
            if m.group(0) in SAFE_TOKENS:
                continue
            found.append(f"{kind}: …{text[max(0, m.start() - 40):m.end() + 40]}…")
    return found
