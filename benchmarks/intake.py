#!/usr/bin/env python3
"""Intake speed: reading a GIAS-sized register extract, and importing Word forms.

    python benchmarks/intake.py [--rows 50000] [--forms 100]

Writes into benchmarks/generated/ (git-ignored): a synthetic Windows-1252 extract with
the real extract's size (about 50,000 establishments and 130 columns) and `--forms`
synthetic Expression of Interest forms, then times, each in a fresh child process
(peak memory from its rusage):

1. `read_register` for 200 URNs (what a hub's scenario asks);
2. `allocate check` of a 200-school scenario with `gias:` against the same without;
3. `allocate import-eoi` of the forms.
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.intake_builders import (  # noqa: E402
    GIAS_HEADER,
    HUB,
    eoi_answers,
    gias_row,
    tiny_scenario,
    word_form_tables,
)

POSTCODES = ["TN13 3LE", "DA3 7PH", "ME5 0LP", "ME16 8AH", "ME16 0TJ", "TN13 3SL"]


def make_register(path: Path, rows: int) -> None:
    filler = [f"Column {n} (name)" for n in range(130 - len(GIAS_HEADER))]
    with path.open("w", newline="", encoding="cp1252") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(GIAS_HEADER + filler)
        for n in range(rows):
            row = gias_row(str(100000 + n), f"École Example {n}", POSTCODES[n % len(POSTCODES)])
            writer.writerow([row[c] for c in GIAS_HEADER] + [f"value {n} {k}" for k in range(len(filler))])


def timed(cmd: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return time.perf_counter() - start, peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--forms", type=int, default=100)
    args = parser.parse_args()
    folder = ROOT / "benchmarks" / "generated" / "intake"
    folder.mkdir(parents=True, exist_ok=True)
    register = folder / "edubasealldata.csv"
    make_register(register, args.rows)
    print(f"register: {args.rows} rows, {register.stat().st_size / 1e6:.0f} MB")
    urns = ",".join(str(100000 + n * 97) for n in range(200))
    read = (
        "from pathlib import Path; from allocator.intake.gias import read_register; "
        f"read_register(Path({str(register)!r}), 'r', {urns!r}.split(','))"
    )
    seconds, mb = timed([sys.executable, "-c", read])
    print(f"read_register, 200 URNs: {seconds:.2f} s, peak {mb:.0f} MB (whole process)")
    schools = [[str(100000 + n * 97), f"S{n}", HUB, "secondary", "development", ""] for n in range(200)]
    with_gias = tiny_scenario(folder / "with", schools, extra_yaml="gias: ../edubasealldata.csv\n")
    plain = [[*row[:5], POSTCODES[n % len(POSTCODES)]] for n, row in enumerate(schools)]
    without = tiny_scenario(folder / "without", plain)
    for name, yml in (("without gias", without), ("with gias", with_gias)):
        seconds, mb = timed([sys.executable, "-m", "allocator.cli.main", "check", str(yml)])
        print(f"allocate check, 200 schools, {name}: {seconds:.2f} s, peak {mb:.0f} MB")
    forms = folder / "forms"
    forms.mkdir(exist_ok=True)
    for n in range(args.forms):
        word_form_tables(forms / f"form{n:03d}.docx", eoi_answers(str(100000 + n)))
    out = folder / "schools.csv"
    cmd = [
        sys.executable,
        "-m",
        "allocator.cli.main",
        "import-eoi",
        str(forms),
        "--hub",
        HUB,
        "-o",
        str(out),
        "--force",
    ]
    seconds, mb = timed(cmd)
    print(f"import-eoi, {args.forms} Word forms: {seconds:.2f} s, peak {mb:.0f} MB")


if __name__ == "__main__":
    main()
