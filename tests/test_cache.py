"""kb's cache folder: $KB_CACHE_DIR, else $XDG_CACHE_HOME/kb, else ~/.cache/kb (kb.cache)."""

from __future__ import annotations

from pathlib import Path

from kb.cache import cache_root


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("KB_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / ".cache" / "kb"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "kb"
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_root() == tmp_path / "mine"


def test_without_a_home_the_cache_is_a_temporary_folder(monkeypatch):
    monkeypatch.delenv("KB_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache_root().name.startswith("kb-cache-")
