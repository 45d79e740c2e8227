"""Rated games as the page shows them, after the viewer's choices: what each row may reveal, and in
which group and order it goes.

The spoiler rules live here, not in the templates, so a level that withholds something withholds
it from the HTML itself: in "tier only" a card has no number at all; a hidden card (a favourite
team's game in "my teams hidden") has neither tier nor number, and hidden cards form their own
group in schedule order, so their place in the list says nothing about their rating.

A card's start time (where the source gave one) is in the viewer's zone: the URL's ``?tz=``, else
US Eastern, labelled "ET" (the page's script then shows the browser's own zone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timezone

from nba_predictions.steps.prediction import classify
from nba_predictions.web import queries
from nba_predictions.web.preferences import EASTERN, Preferences

_NO_TIME = datetime.min.replace(tzinfo=timezone.utc)  # the sort key's filler where a game has no start time


@dataclass(frozen=True)
class Card:
    """One game as the page shows it."""

    game_id: str
    day: date
    away: queries.TeamRow
    home: queries.TeamRow
    tier: str | None  # good / mediocre / bad; None when hidden
    number: str | None  # the rating as shown; None unless the level shows numbers
    favourite: bool
    reveal_link: str | None  # hidden cards only: the page with this game revealed
    tags: tuple[str, ...] = ()  # spoiler-safe tag texts (features/tags.py), at most three; none when hidden
    start: datetime | None = None  # scheduled tip-off in the viewer's zone (aware); None where unknown
    local: bool = True  # no ?tz=: the browser may show the start in its own zone

    @property
    def hidden(self) -> bool:
        return self.tier is None

    @property
    def start_utc(self) -> str:
        """The ``<time datetime>`` value: ``2025-10-21T23:30:00Z``."""
        assert self.start is not None
        return self.start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def start_text(self) -> str:
        """``7:30 PM ET``; with the date (``Wed Oct 22, 8:30 AM JST``) where the viewer's day is not the game's."""
        assert self.start is not None
        clock = self.start.strftime("%I:%M %p").lstrip("0")
        zone = "ET" if self.start.tzinfo == EASTERN else self.start.strftime("%Z")
        if self.start.date() != self.day:
            return f"{self.start.strftime('%a %b %d').replace(' 0', ' ')}, {clock} {zone}"
        return f"{clock} {zone}"


@dataclass(frozen=True)
class Group:
    heading: str | None  # None: the page's only group, no heading
    cards: list[Card]


def rating_text(rating: float) -> str:
    """One decimal, rounded down, so a shown rating never crosses the threshold of its badge (59.96 -> 59.9)."""
    return f"{math.floor(rating * 10 + 1e-9) / 10:.1f}"


def card(
    row: queries.GameRow,
    preferences: Preferences,
    thresholds: tuple[float, float],
    reveal_link: str,
    tags: tuple[str, ...] = (),
) -> Card:
    favourite = preferences.is_favourite(row.home.abbreviation, row.away.abbreviation)
    hidden = preferences.spoilers == "hidden" and favourite and row.game_id not in preferences.reveal
    start = row.start.astimezone(preferences.zone or EASTERN) if row.start is not None else None
    local = preferences.zone is None
    if hidden:
        return Card(row.game_id, row.day, row.away, row.home, None, None, True, reveal_link, start=start, local=local)
    number = rating_text(row.rating) if preferences.spoilers != "tier" else None
    tier = classify(row.rating, *thresholds)
    return Card(row.game_id, row.day, row.away, row.home, tier, number, favourite, None, tags, start, local)


def schedule_order(cards: list[Card]) -> list[Card]:
    """By date, then start time where known (a game without one after those with one), then game id
    (the league numbers a season's games in schedule order)."""
    return sorted(cards, key=lambda c: (c.day, c.start is None, c.start or _NO_TIME, c.game_id))


def arrange(cards: list[Card], preferences: Preferences) -> list[Group]:
    """``cards`` (best first) in the viewer's order and groups: hidden favourites, favourites, the rest."""
    ordered = schedule_order(cards) if preferences.order == "schedule" else cards
    hidden = schedule_order([c for c in ordered if c.hidden])
    favourites = [c for c in ordered if c.favourite and not c.hidden]
    others = [] if preferences.mine else [c for c in ordered if not c.favourite]
    if not preferences.teams:
        return [Group(None, others)] if others else []
    groups = [
        Group("Your teams, hidden until you reveal them", hidden),
        Group("Your teams", favourites),
        Group("Other games", others),
    ]
    return [g for g in groups if g.cards]
