"""Output folders: allocate replaces only what it wrote, leaves no debris, and never mixes runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from allocator.report.outdir import (
    MARKER,
    OLD_PREFIX,
    STAGING_PREFIX,
    OutputError,
    debris,
    inspect_folder,
    preflight,
    write_folder,
)


def _fill(text: str):
    def fill(folder: Path) -> None:
        (folder / "allocations.csv").write_text(text)
        (folder / "summary.json").write_text("{}")

    return fill


def test_a_home_folder_holding_summary_json_is_refused_and_kept(tmp_path):
    # The first release deleted any folder with a summary.json in it (home folders included).
    home = tmp_path / "home"
    home.mkdir()
    (home / "summary.json").write_text("{}")
    (home / "thesis.docx").write_text("years of work")
    with pytest.raises(OutputError, match="not written by allocate") as caught:
        preflight(home)
    assert "thesis.docx" in str(caught.value)
    with pytest.raises(OutputError):
        write_folder(home, _fill("x"))
    assert (home / "thesis.docx").read_text() == "years of work"


def test_a_marker_that_is_not_ours_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text(json.dumps({"written_by": "someone", "run_id": "x", "files": {}}))
    (out / "a.txt").write_text("a")
    with pytest.raises(OutputError, match="not written by allocate"):
        preflight(out)


def test_own_folder_is_replaced_whole(tmp_path):
    out = tmp_path / "out"
    write_folder(out, _fill("first"))
    first = inspect_folder(out)
    assert first.run_id is not None
    written = write_folder(out, _fill("second"))
    assert (out / "allocations.csv").read_text() == "second"
    assert {p.name for p in written} == {"allocations.csv", "summary.json"}
    assert inspect_folder(out).run_id != first.run_id
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging or old folder left


def test_an_edited_file_makes_the_folder_the_users(tmp_path):
    out = tmp_path / "out"
    write_folder(out, _fill("first"))
    (out / "allocations.csv").write_text("moved school 100001 by hand")
    with pytest.raises(OutputError, match=r"changed since allocate wrote them: allocations\.csv"):
        preflight(out)
    with pytest.raises(OutputError):
        write_folder(out, _fill("second"))
    assert (out / "allocations.csv").read_text() == "moved school 100001 by hand"


def test_an_added_file_or_link_is_refused(tmp_path):
    out = tmp_path / "out"
    write_folder(out, _fill("first"))
    (out / "sub").mkdir()
    (out / "sub" / "mine.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"added by someone else: sub/mine\.txt"):
        preflight(out)
    (out / "sub" / "mine.txt").unlink()
    (out / "sub").rmdir()
    (out / "link").symlink_to(tmp_path)
    with pytest.raises(OutputError, match="added by someone else: link"):
        preflight(out)


def test_an_empty_folder_is_used_and_a_link_or_file_is_refused(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    write_folder(empty, _fill("x"))
    assert (empty / "allocations.csv").read_text() == "x"
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        preflight(tmp_path / "file")
    with pytest.raises(OutputError, match="is a file, so no folder can be made"):
        preflight(tmp_path / "file" / "out")
    (tmp_path / "alias").symlink_to(empty)
    with pytest.raises(OutputError, match="symbolic link"):
        preflight(tmp_path / "alias")
    with pytest.raises(OutputError, match="longer than 255 bytes"):
        preflight(tmp_path / ("x" * 256))


def test_debris_of_dead_runs_is_removed_and_live_runs_kept(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead_pid = int(dead.stdout)
    stale = tmp_path / f"{STAGING_PREFIX}{dead_pid}.abc"
    stale.mkdir()
    (stale / "allocations.csv").write_text("advocate@example.org")
    old = tmp_path / f"{OLD_PREFIX}{dead_pid}.def"
    old.mkdir()
    live = tmp_path / f"{STAGING_PREFIX}{os.getpid()}.ghi"
    live.mkdir()
    stranger = tmp_path / ".allocator-staging-notes"  # not our pattern
    stranger.mkdir()
    assert debris(tmp_path) == sorted([stale, old])
    write_folder(tmp_path / "out", _fill("x"))
    assert not stale.exists() and not old.exists()
    assert live.exists() and stranger.exists()


def test_two_runs_writing_one_folder_one_wins_whole(tmp_path):
    out = tmp_path / "out"
    write_folder(out, _fill("before"))
    seen_by_both = preflight(out)  # both runs checked the folder before solving
    write_folder(out, _fill("run A"), expected=seen_by_both)
    with pytest.raises(OutputError, match="another allocate run wrote this folder"):
        write_folder(out, _fill("run B"), expected=seen_by_both)
    assert (out / "allocations.csv").read_text() == "run A"
    assert inspect_folder(out).run_id is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from allocator.report.outdir import write_folder

    def fill(folder):
        for i in range(400):
            (folder / f"t{i}.csv").write_text("advocate@example.org\\n" * 50)
            if i == 5:
                print("writing", flush=True)
            time.sleep(0.002)

    write_folder(Path(sys.argv[1]), fill)
    print("done", flush=True)
    """
)


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2, 0.5])
def test_sigkill_while_writing_leaves_previous_or_complete_and_no_debris_after_next_run(tmp_path, delay):
    out = tmp_path / "out"
    write_folder(out, _fill("previous"))
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(out)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    state = inspect_folder(out)  # raises if the folder were mixed or edited
    assert state.exists
    names = {p.name for p in out.iterdir()}
    assert names in ({"allocations.csv", "summary.json", MARKER}, {f"t{i}.csv" for i in range(400)} | {MARKER})
    write_folder(tmp_path / "other", _fill("x"))  # the next run in the same parent cleans up
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "out"]
