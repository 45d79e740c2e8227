"""Read our page's HTML the way a test needs it: the listed games, the links, the visible text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class ListedGame:
    teams: list[str] = field(default_factory=list)  # away, home abbreviations
    rating: str = ""
    badge: str = ""
    day_link: str | None = None


VOID = {"meta", "link", "input", "br", "img", "hr"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.games: list[ListedGame] = []
        self.links: dict[str, str] = {}  # rel/class -> href
        self.text: list[str] = []
        self.scripts = 0
        self.inline = 0  # script elements without src, style attributes, on* handlers: what a strict CSP blocks
        self._open: list[tuple[str, str]] = []  # (tag, role) of the elements we are in

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "script":
            self.scripts += 1
            self.inline += "src" not in a
        self.inline += sum(1 for k in a if k == "style" or k.startswith("on"))
        if tag == "style":
            self.inline += 1
        if tag == "li" and "game" in classes:
            self.games.append(ListedGame())
        if tag == "a":
            for key in [a.get("rel", ""), *classes]:
                if key:
                    self.links.setdefault(key, a.get("href", ""))
            if "when" in classes and self.games:
                self.games[-1].day_link = a.get("href")
        in_game = any(role == "game" for _, role in self._open)
        if tag == "span" and "badge" in classes and in_game:
            self.games[-1].badge = next(c for c in classes if c != "badge")
        if tag in VOID:
            return
        role = "game" if tag == "li" and "game" in classes else "rating" if "rating" in classes else tag
        self._open.append((tag, role))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if not self._open or not any(role == "game" for _, role in self._open):
            return
        role = self._open[-1][1]
        if role == "rating":
            self.games[-1].rating += data.strip()
        elif role == "abbr":
            self.games[-1].teams.append(data.strip())


@dataclass
class Page:
    html: str
    games: list[ListedGame]
    links: dict[str, str]
    text: str
    scripts: int
    inline: int  # inline scripts, styles and event handlers (none allowed)

    def numbers(self) -> set[str]:
        """Every number written anywhere in the markup (text, attributes, URLs)."""
        return set(re.findall(r"\d+(?:\.\d+)?", self.html))


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    return Page(
        html, reader.games, reader.links, " ".join(" ".join(reader.text).split()), reader.scripts, reader.inline
    )
