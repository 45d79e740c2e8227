"""The live stats.nba.com source: the source on top (:mod:`.source`); its parts below it -- how it
asks (:mod:`.client`), a date's games (:mod:`.listing`), a game's feeds (:mod:`.game_feeds`), a
season's results (:mod:`.season_logs`); one parser module per endpoint at the bottom
(:mod:`.scoreboard`, :mod:`.play_by_play`, :mod:`.cdn_play_by_play`, :mod:`.box_score_summary`,
:mod:`.game_log`), and the checks between their answers (:mod:`.cross_check`)."""

from nba_predictions.sources.nba_api.source import DEFAULT_CDN_URL, DEFAULT_STATS_URL, NbaApiSource

__all__ = ["DEFAULT_CDN_URL", "DEFAULT_STATS_URL", "NbaApiSource"]
