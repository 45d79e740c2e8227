"""The front-end tables as the web layer reads them (the original web app's contract columns)."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, MetaData, String, Table

contract = MetaData()

teams = Table(
    "teams",
    contract,
    Column("id", String, primary_key=True),
    Column("abbreviation", String, nullable=False, unique=True),
    Column("name", String, nullable=False),
    Column("conference", String, nullable=False),
)

games = Table(
    "games",
    contract,
    Column("id", String, primary_key=True),
    Column("date", String, nullable=False),
    Column("home_team_id", String, ForeignKey("teams.id"), nullable=False),
    Column("away_team_id", String, ForeignKey("teams.id"), nullable=False),
    Column("prediction_rating", Float),
)
