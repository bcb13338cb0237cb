"""Progress bars: shown only when enabled and standard error is a terminal; --quiet hides them."""

from __future__ import annotations

import io
import sys

import pytest

from crossbar_sim.common.progress import progress, progress_enabled


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("enabled", "tty", "drawn"), [(True, True, True), (True, False, False),
                                                         (False, True, False)])
def test_bar_only_for_a_watching_person(monkeypatch: pytest.MonkeyPatch, enabled: bool, tty: bool,
                                        drawn: bool) -> None:
    stream = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    with progress_enabled(enabled):
        assert list(progress(range(3), desc="repeats", unit="repeat")) == [0, 1, 2]
    assert ("repeats" in stream.getvalue()) is drawn
    assert list(progress(range(2), desc="x")) == [0, 1]  # disabled again outside the block
