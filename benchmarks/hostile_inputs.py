"""Wall time and peak memory of `allocate` refusing hostile or oversized inputs (issue 13).

Each case is the demo scenario with one file replaced, run as a whole process with
`/usr/bin/time` so that start-up is counted too:

    PYTHONPATH=. python benchmarks/hostile_inputs.py

Cases: a 200,000-row schools table with `--time-limit 15`; a table just under the row
limit; a YAML alias bomb; an XLSX zip bomb (300 MB unpacked); a workbook just under
the unpacked-size limit (shared strings); a FIFO as a table.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo"
sys.path.insert(0, str(DEMO.parents[1]))

from allocator.inputs.limits import LIMITS  # noqa: E402


def _scenario(folder: Path) -> Path:
    shutil.copytree(DEMO, folder)
    yml = folder / "scenario.yml"
    yml.write_text(yml.read_text() + "locations: sector\n")
    return yml


def _rows(folder: Path, count: int) -> None:
    lines = (folder / "schools.csv").read_text().splitlines()
    (folder / "schools.csv").write_text(lines[0] + "\n" + (lines[1] + "\n") * count)


def _alias_bomb(folder: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    yml = folder / "scenario.yml"
    yml.write_text(yml.read_text() + "\n".join(lines) + "\n")


def _zip_bomb(folder: Path) -> None:
    with zipfile.ZipFile(folder / "book.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for _ in range(300):
                sheet.write(b"0" * (1 << 20))
    _point_schools_at(folder, "book.xlsx")


def _big_workbook(folder: Path) -> None:
    """A real workbook near the unpacked limit: many distinct strings (shared strings)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["urn", "name", "hub", "phase", "stage", "postcode", "trust"])
    for n in range(45_000):
        sheet.append([100000 + n, f"School number {n:06d}", "Hub", "primary", "development", "TN13 3LE", f"T{n}"])
    book.save(folder / "book.xlsx")
    with zipfile.ZipFile(folder / "book.xlsx") as archive:
        unpacked = sum(i.file_size for i in archive.infolist())
    print(f"    (workbook unpacks to {unpacked:,} bytes; limit {LIMITS.xlsx_unpacked:,})")
    _point_schools_at(folder, "book.xlsx")


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "pipe.csv")
    _point_schools_at(folder, "pipe.csv")


def _point_schools_at(folder: Path, name: str) -> None:
    yml = folder / "scenario.yml"
    yml.write_text(yml.read_text().replace("schools: schools.csv", f"schools: {name}"))


CASES = {
    "200,000-row table, --time-limit 15": lambda f: _rows(f, 200_000),
    f"{LIMITS.rows - 1:,}-row table (under the limit)": lambda f: _rows(f, LIMITS.rows - 1),
    "YAML alias bomb (9^10 values)": _alias_bomb,
    "XLSX zip bomb (300 MB unpacked)": _zip_bomb,
    "workbook of 45,000 rows (under the limit)": _big_workbook,
    "FIFO as a table": _fifo,
}


def main() -> None:
    for name, make in CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "demo"
            yml = _scenario(folder)
            make(folder)
            command = [
                "/usr/bin/time", "-v", sys.executable, "-m", "allocator.cli.main", str(yml),
                "--out", str(Path(tmp) / "out"), "--time-limit", "15", "--no-recommendations",
            ]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
            wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", done.stderr)
            rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
            last = [line for line in done.stderr.splitlines() if line.strip() and "\t" not in line][-1:]
            print(f"{name}: exit {done.returncode}, wall {wall.group(1) if wall else '?'}, "
                  f"peak {int(rss.group(1)) // 1024 if rss else '?'} MB")  # fmt: skip
            print(f"    {last[0].strip()[:150] if last else ''}")


if __name__ == "__main__":
    main()
