#!/usr/bin/env python
"""Retrain the shipped model and regenerate the model card from a clean clone.

Usage (from the repository root)::

    .venv/bin/python scripts/train_model.py [--output-dir src/nba_predictions/model/files] [--docs-dir docs] [--seed 42]

Reads only the package's offline archive.  Writes ``model.json`` + ``model_meta.json`` (the
shipped model by default), ``docs/MODEL.md`` and its figures under ``docs/img``.  A rerun with the
same XGBoost version rewrites byte-identical model files.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    from nba_predictions.model.training.train import DEFAULT_SEED, train_main

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", type=Path, default=REPO / "src" / "nba_predictions" / "model" / "files")
    parser.add_argument("--docs-dir", type=Path, default=REPO / "docs")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", stream=sys.stderr
    )

    report = train_main(args.output_dir, seed=args.seed, docs_dir=args.docs_dir)
    print(report.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
