"""Storage: SQLAlchemy models, engine and migrations. Imports no stage of kb.

Names are imported on first use, so ``from kb.store import DEFAULT_URL`` or
``kb.store.fast`` do not pay for importing SQLAlchemy and Alembic.
"""

from __future__ import annotations

import importlib
from typing import Any

DEFAULT_URL = "sqlite:///kb.sqlite"

_LAZY = {
    "database_url": "kb.store.db", "open_db": "kb.store.db",
    **{name: "kb.store.models" for name in (
        "Alias", "Base", "Decision", "Definition", "Mention", "Message", "QAAnswer", "QAPair", "QATerm", "Segment",
        "Setting", "Source", "Term",
    )},
}

__all__ = ["DEFAULT_URL", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kb.store' has no attribute {name!r}")
