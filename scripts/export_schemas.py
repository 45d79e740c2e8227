"""Write the JSON Schema of each pipeline document to schemas/ (generated from schemas.py).

Run after changing src/nba_predictions/documents/models.py:  python scripts/export_schemas.py
tests/unit/test_schemas.py fails while the committed files are out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from nba_predictions.documents.models import DOCUMENT_MODELS, DOCUMENT_NAMES  # noqa: E402


def schema_files() -> dict[str, str]:
    """File name -> JSON text of every document's schema."""
    out = {}
    for step, model in DOCUMENT_MODELS.items():
        name = DOCUMENT_NAMES[step].replace(".json", ".schema.json")
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://github.com/nba-predictions/schemas/{name}"
        out[name] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def main() -> None:
    target = ROOT / "schemas"
    target.mkdir(exist_ok=True)
    for name, text in schema_files().items():
        (target / name).write_text(text, encoding="utf-8")
        print(f"wrote schemas/{name}")


if __name__ == "__main__":
    main()
