"""The one error tree of kb: every error a user can cause is a KbError.

KbError derives from click.ClickException, so the CLI prints its message on one
line and exits non-zero instead of showing a traceback.
"""

from __future__ import annotations

import click


class KbError(click.ClickException):
    """Base of every error kb reports to its user."""


class DatabaseError(KbError):
    """The database cannot be opened, migrated or written."""


class NoDatabase(DatabaseError):
    """A command that reads or curates was given an SQLite file that does not exist (a typo in --db,
    another working folder): an error, not a new empty database."""

    def __init__(self, path: object) -> None:
        super().__init__(f"no database at {path}: kb ingest or kb build makes one (or give --db URL, or set $KB_DB_URL)")


class InputError(KbError):
    """An input file is not what kb expects; the message names file and line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class NotAChatLog(InputError):
    """A file that is not a chat log: binary, empty, or neither front matter nor headers."""
