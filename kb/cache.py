"""Where kb keeps what it can make again but would rather not: a folder of the user's cache.

``$KB_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/kb``, else ``~/.cache/kb``. Its contents are
never needed: everything in it is written again when it is missing or unreadable (kb.nlp.lite's
copy of pkuseg's model, kb.rules' record of the token patterns spaCy has checked).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_root() -> Path:
    if os.environ.get("KB_CACHE_DIR"):
        return Path(os.environ["KB_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "kb"
    try:
        return Path.home() / ".cache" / "kb"
    except RuntimeError:  # no home directory to be found: a folder of the system's temporary one
        return Path(tempfile.gettempdir()) / f"kb-cache-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
