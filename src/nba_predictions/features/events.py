"""Many games' score timelines as flat numpy arrays: the input of the vectorised feature functions.

numpy is imported inside the methods, so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

from nba_predictions.core.domain import OVERTIME_SECONDS, REGULATION_SECONDS, ScoreTimeline

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


def _starts(sizes: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.concatenate(([0], np.cumsum(sizes)[:-1])) if len(sizes) else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class EventArrays:
    """The score timelines of many games as flat arrays, one row per event and one extra 0-0 row
    at each game's tip-off: game ``i`` owns ``sizes[i]`` consecutive rows (its events + 1)."""

    times: np.ndarray  # float64 game-clock seconds
    home: np.ndarray  # int64 points
    away: np.ndarray
    sizes: np.ndarray  # int64 rows per game
    periods: np.ndarray  # int64 periods per game

    @classmethod
    def from_timelines(cls, timelines: Sequence[ScoreTimeline]) -> EventArrays:
        import numpy as np

        n = len(timelines)
        sizes = np.fromiter((len(t.events) + 1 for t in timelines), dtype=np.int64, count=n)
        periods = np.fromiter((t.periods for t in timelines), dtype=np.int64, count=n)
        tip_off = ((0.0, 0, 0),)
        values = chain.from_iterable(chain.from_iterable(chain(tip_off, t.events) for t in timelines))
        events = np.fromiter(values, dtype=np.float64, count=3 * int(sizes.sum())).reshape(-1, 3)
        return cls(events[:, 0], events[:, 1].astype(np.int64), events[:, 2].astype(np.int64), sizes, periods)

    @classmethod
    def from_events(
        cls, times: np.ndarray, home: np.ndarray, away: np.ndarray, counts: np.ndarray, periods: np.ndarray
    ) -> EventArrays:
        """From flat events without tip-off rows (``counts[i]`` events of game ``i``), as
        :func:`~nba_predictions.sources.archive_rows.decode_event_arrays` returns them."""
        import numpy as np

        counts = np.asarray(counts, dtype=np.int64)
        starts = _starts(counts)
        return cls(
            np.insert(np.asarray(times, dtype=np.float64), starts, 0.0),
            np.insert(np.asarray(home, dtype=np.int64), starts, 0),
            np.insert(np.asarray(away, dtype=np.int64), starts, 0),
            counts + 1,
            np.asarray(periods, dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.sizes)

    @property
    def starts(self) -> np.ndarray:
        """Each game's first row (its tip-off row)."""
        return _starts(self.sizes)

    @property
    def lengths(self) -> np.ndarray:
        """Each game's length in game-clock seconds (float64)."""
        import numpy as np

        return (REGULATION_SECONDS + OVERTIME_SECONDS * (self.periods - 4)).astype(np.float64)

    def final_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """(home, away) at each game's last row (0-0 for a game without events)."""
        import numpy as np

        last = np.cumsum(self.sizes) - 1
        return self.home[last], self.away[last]

    def timeline(self, game: int) -> ScoreTimeline:
        """Game ``game``'s :class:`ScoreTimeline`, not validated (for the few checked one by one)."""
        lo = int(self.starts[game]) + 1  # without the tip-off row
        hi = lo + int(self.sizes[game]) - 1
        events = list(zip(self.times[lo:hi].tolist(), self.home[lo:hi].tolist(), self.away[lo:hi].tolist()))
        return ScoreTimeline.model_construct(periods=int(self.periods[game]), events=events)
