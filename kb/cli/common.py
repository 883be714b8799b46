"""What every command shares: the --db option, the console, and error translation."""

from __future__ import annotations

import atexit
import gc
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from kb.errors import DatabaseError, KbError
from kb.store import DEFAULT_URL


def __getattr__(name: str) -> Any:
    """``console`` and ``err_console`` are made on first use: importing rich costs ~0.1 s (kb lookup)."""
    if name in ("console", "err_console"):
        globals()["console"] = _console(sys.stdout)
        globals()["err_console"] = _console(sys.stderr, stderr=True)
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Output that goes to a file or a pipe is not wrapped to 80 columns (rich's guess without a terminal):
# lines stay whole (a message is one line), and tables get this width unless $COLUMNS says otherwise.
PIPE_WIDTH = 200


def _console(stream: Any, stderr: bool = False) -> Any:
    from rich.console import Console

    if hasattr(stream, "isatty") and stream.isatty() or os.environ.get("COLUMNS"):
        return Console(stderr=stderr, highlight=False)
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=PIPE_WIDTH)


def db_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --db URL (also $KB_DB_URL) to a command."""
    return click.option(
        "--db", "db_url", envvar="KB_DB_URL", default=DEFAULT_URL, show_default=True, metavar="URL",
        help="SQLAlchemy database URL (also $KB_DB_URL), e.g. postgresql+psycopg://user@host/kb.",
    )(command)


class KbGroup(click.Group):
    """A click group whose commands never show a traceback for an error kb can explain.

    Commands are imported when used (``lazy`` maps a name to "module:attribute"), so
    ``kb lookup`` never pays for importing spaCy.
    """

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        available = {name for name, target in self.lazy.items()
                     if importlib.util.find_spec(target.split(":")[0]) is not None}
        return sorted({*super().list_commands(ctx), *available})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module_name, attribute = self.lazy[name].split(":")
            self.add_command(getattr(importlib.import_module(module_name), attribute), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            raise KbError(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if _is_sqlalchemy_error(exc):
                raise DatabaseError(f"database error: {exc.__class__.__name__}: {_first_line(exc)}") from None
            if os.environ.get("KB_DEBUG"):
                raise
            raise KbError(f"internal error: {exc.__class__.__name__}: {exc} (run with KB_DEBUG=1 for the traceback)") from None


_exit_pid: int | None = None  # the process at_exit was registered in


def leave_lightly() -> None:
    """Have this process end with at_exit (once). The console script and ``python -m kb`` call it:
    a program that imports kb and calls its commands keeps its own way of ending."""
    global _exit_pid
    if _exit_pid is None:
        atexit.register(at_exit)
        _exit_pid = os.getpid()


def at_exit() -> None:
    """At the interpreter's exit, before its last garbage collections: close the databases' pooled
    connections (which those collections would otherwise close) and freeze every object left
    (``gc.freeze``), so that they do not walk it. After a build that is a heap of large dicts
    (pkuseg's and jieba's tables, the rules): walking it took 0.6–0.8 s of a first build's end,
    on one core. What is frozen is still freed with the process. Nothing in a forked child that
    ends this way (its parent's connections are its parent's)."""
    if _exit_pid is not None and os.getpid() != _exit_pid:
        return
    db = sys.modules.get("kb.store.db")
    if db is not None:
        db.dispose_all()
    gc.freeze()


def _is_sqlalchemy_error(exc: BaseException) -> bool:
    """An SQLAlchemy error, tested without importing SQLAlchemy (a command that never loaded it raised none)."""
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
