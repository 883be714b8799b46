"""Fixtures of the eval tests: synthetic logs and a digest written to tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from eval_helpers import ARCH_0523, DIGEST_BODY, PROD_0522, digest_text, write_log


@pytest.fixture
def logs(tmp_path) -> Path:
    folder = tmp_path / "logs"
    write_log(folder, "proddev", "2017-05-22", PROD_0522)
    write_log(folder, "prodarch", "2017-05-23", ARCH_0523)
    write_log(folder, "proddev", "2017-07-21", [("10:00:00", "某人", "今天天气不错，大家周末愉快")])
    return folder


@pytest.fixture
def digests(tmp_path) -> Path:
    folder = tmp_path / "digests"
    folder.mkdir()
    (folder / "2017-05-23-wechat17.markdown").write_text(digest_text("2017-05-23", DIGEST_BODY), encoding="utf-8")
    return folder
