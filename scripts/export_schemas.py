"""Write the JSON Schema of each pipeline document to schemas/, and the feature table of docs/DOCUMENTS.md.

Both are generated: the schemas from src/nba_predictions/documents/models.py, the features' part of
them and the table from src/nba_predictions/features/spec.py.  Run after changing either:
python scripts/export_schemas.py.  tests/unit/test_schemas.py and tests/unit/test_feature_spec.py
fail while the committed files are out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from nba_predictions.documents.models import DOCUMENT_MODELS, DOCUMENT_NAMES  # noqa: E402
from nba_predictions.features.spec import markdown_table  # noqa: E402

DOCS = ROOT / "docs" / "DOCUMENTS.md"
TABLE_START, TABLE_END = "<!-- features-table:start -->\n", "<!-- features-table:end -->"


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


def documents_doc(text: str) -> str:
    """``text`` (docs/DOCUMENTS.md) with the feature table between its markers regenerated."""
    start = text.index(TABLE_START) + len(TABLE_START)
    end = text.index(TABLE_END, start)
    return text[:start] + markdown_table() + text[end:]


def main() -> None:
    target = ROOT / "schemas"
    target.mkdir(exist_ok=True)
    for name, text in schema_files().items():
        (target / name).write_text(text, encoding="utf-8")
        print(f"wrote schemas/{name}")
    DOCS.write_text(documents_doc(DOCS.read_text(encoding="utf-8")), encoding="utf-8")
    print("wrote the feature table of docs/DOCUMENTS.md")


if __name__ == "__main__":
    main()
