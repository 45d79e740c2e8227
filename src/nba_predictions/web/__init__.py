"""The web layer: a read-only JSON API with the original web app's contract, and our own page.

``nba-predictions serve`` (:mod:`.server`) opens the ratings database read-only once
(:mod:`.database`), builds the FastAPI application (:mod:`.app`) and runs it on uvicorn.

- :mod:`.api` ``/api/v1/...``: the routes, shapes and error codes the original React front end
  reads (``health``, ``predictions``, ``predictions/{game_id}``).
- :mod:`.pages` ``/`` and ``/best``: server-rendered HTML (Jinja2 templates, one stylesheet, no
  JavaScript).
- :mod:`.queries` every statement the web layer runs; they read the front-end tables ``teams`` and
  ``games`` only, never ``game_details`` (features and explanations give scores away).
- :mod:`.params` turns query strings into dates, team codes and page sizes, or a 400.

Needs the ``web`` extra (FastAPI, uvicorn, Jinja2); nothing here is imported by the pipeline.
"""
