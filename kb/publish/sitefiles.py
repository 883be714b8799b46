"""Rewriting a wiki in place: only files whose bytes changed are written; pages no longer made are removed.

A re-render after a small change (one new day of chat) leaves most pages byte for byte
the same: those are not written again, so their modification time (what rsync, a web
server's cache or a browser sees) only moves for pages that really changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Changes:
    """What a render did to the files of the output folder (absolute paths)."""

    before: set[str] = field(default_factory=set)      # managed files there before the render
    written: set[str] = field(default_factory=set)     # new or changed content
    unchanged: set[str] = field(default_factory=set)   # same bytes as before: not written
    removed: set[str] = field(default_factory=set)     # there before, not made by this render

    def record(self, path: str, wrote: bool) -> None:
        (self.written if wrote else self.unchanged).add(path)


def write_if_changed(path: str, text: str) -> bool:
    """Write text (UTF-8) at path unless the file already holds exactly these bytes; True if written."""
    data = text.encode("utf-8")
    try:
        if os.path.getsize(path) == len(data) and not os.path.islink(path):
            with open(path, "rb") as file:
                if file.read() == data:
                    return False
    except OSError:
        pass
    with open(path, "wb") as file:
        file.write(data)
    return True


def managed_files(out: Path, patterns: tuple[str, ...]) -> set[str]:
    """Files an earlier render left in out under the managed names; links among them are removed now.

    A link is never written through: a managed name, or anything below a managed folder,
    that is a symbolic link is deleted (the link, not what it points to).
    """
    found: set[str] = set()
    for pattern in patterns:
        for path in out.glob(pattern):
            if path.is_symlink():
                path.unlink()
            elif path.is_dir():
                for folder, dirs, files in os.walk(path):
                    for name in list(dirs):
                        if os.path.islink(os.path.join(folder, name)):
                            os.unlink(os.path.join(folder, name))
                            dirs.remove(name)
                    for name in files:
                        full = os.path.join(folder, name)
                        if os.path.islink(full):
                            os.unlink(full)
                        else:
                            found.add(full)
            elif path.is_file():
                found.add(str(path))
    return found


def remove_stale(out: Path, changes: Changes) -> None:
    """Delete the files an earlier render made that this one did not, and folders left empty."""
    stale = changes.before - changes.written - changes.unchanged
    for path in sorted(stale):
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        changes.removed.add(path)
    folders = {os.path.dirname(p) for p in stale}
    for folder in sorted(folders, key=len, reverse=True):
        while folder.startswith(str(out) + os.sep):
            try:
                os.rmdir(folder)  # only if empty
            except OSError:
                break
            folder = os.path.dirname(folder)
