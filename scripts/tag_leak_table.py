"""Print the tags' leak table over the bundled archive (the table docs/WEB.md shows).

    python scripts/tag_leak_table.py

See :mod:`nba_predictions.features.tags` for what it measures.
"""

from __future__ import annotations

import logging
import sys

from nba_predictions.runs.tag_leak import archive_leak_table
from nba_predictions.sources.archive import ArchiveSource


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    table = archive_leak_table(ArchiveSource())
    sys.stdout.write(table.markdown() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
