"""The NBA's CDN (``cdn.nba.com/static/json``) as a source: the source on top (:mod:`.source`);
its parts below it -- the season schedule of a run (:mod:`.season_schedule`), a game's two feeds
(:mod:`.game_feeds`); one parser module per endpoint at the bottom (:mod:`.schedule`,
:mod:`.play_by_play`, :mod:`.box_score`), and the season results it serves for standings and
head-to-head (:mod:`.results`)."""

from nba_predictions.sources.cdn.source import DEFAULT_CDN_URL, CdnSource, cdn_headers

__all__ = ["DEFAULT_CDN_URL", "CdnSource", "cdn_headers"]
