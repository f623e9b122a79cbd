"""The canonical sweep of two checkouts, side by side: what a change cost in wall time.

Each round runs `humaneval-x bench --runner reference` on the canonical solutions once per
checkout and language, alternating the checkouts, so both see the same machine; the table
gives each one's median over the rounds and the change. Every checkout has a toolchain folder
of its own (local backend) and is warmed up once first (toolchains prepared, images built, run
limits calibrated). The verdict cache is off; the times include the command's start-up.

    python bench/before_after.py --before ../before [--after .] [--backend local]
        [--languages python,cpp] [--rounds 3]

`make perf-before BEFORE=<git ref>` checks the ref out into build/before and runs this.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LANGUAGES = "python,cpp,java,js,go,rust"


def sweep(tree: Path, backend: str, languages: str, toolchains: Path) -> tuple[float, dict]:
    """Wall seconds of one canonical sweep of `tree`, and its status counts by group."""
    env = {**os.environ, "HUMANEVAL_X_TOOLCHAINS": str(toolchains), "PYTHONPATH": str(tree)}
    with tempfile.TemporaryDirectory(prefix="before-after-") as out:
        command = [sys.executable, "-m", "humaneval_x.cli", "bench", "--runner", "reference",
                   "--sandbox", backend, "--languages", languages, "--no-cache",
                   "--no-progress", "--out", out]  # fmt: skip
        started = time.monotonic()
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
        wall = time.monotonic() - started
        if done.returncode != 0:
            raise SystemExit(f"{tree}: bench failed ({done.returncode}):\n{done.stderr[-2000:]}")
        summary = json.loads((Path(out) / "summary.json").read_text(encoding="utf-8"))
    return wall, summary["status_counts"]


def measure(args: argparse.Namespace) -> dict[str, dict[str, list[float]]]:
    """Wall times by checkout and group ("all" and each language), over the rounds."""
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    toolchains = {name: args.toolchains / name for name in trees}
    groups = [args.languages]
    if args.per_language:
        groups += args.languages.split(",")
    warm = {
        name: sweep(tree, args.backend, args.languages, toolchains[name])[1]
        for name, tree in trees.items()
    }  # warm-up: toolchains, images, calibrated limits
    print(f"  statuses before: {warm['before']}\n  statuses after: {warm['after']}",
          file=sys.stderr, flush=True)  # fmt: skip
    times: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    for round_number in range(args.rounds):
        for group in groups:
            for name in trees if round_number % 2 == 0 else reversed(trees):
                wall, _ = sweep(trees[name], args.backend, group, toolchains[name])
                label = "all" if group == args.languages else group
                times[name].setdefault(label, []).append(wall)
                print(f"  round {round_number + 1} {name} {label}: {wall:.1f} s",
                      file=sys.stderr, flush=True)  # fmt: skip
    return times


def table(times: dict[str, dict[str, list[float]]]) -> str:
    lines = ["| sweep | before s (median) | after s (median) | change |", "|---|---|---|---|"]
    for group in times["before"]:
        before = statistics.median(times["before"][group])
        after = statistics.median(times["after"][group])
        change = 100 * (after / before - 1)
        lines.append(f"| {group} | {before:.1f} | {after:.1f} | {change:+.0f}% |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the earlier checkout")
    parser.add_argument("--after", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--backend", default="local", help="local or docker")
    parser.add_argument("--languages", default=LANGUAGES)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-language", action="store_true",
                        help="also time each language's sweep alone")  # fmt: skip
    parser.add_argument("--toolchains", type=Path,
                        default=Path.home() / ".cache" / "humaneval-x" / "before-after",
                        help="where each checkout's prepared toolchains go")  # fmt: skip
    parser.add_argument("--json", type=Path, default=None, help="also write the times here")
    args = parser.parse_args(argv)
    times = measure(args)
    print(table(times))
    if args.json:
        args.json.write_text(json.dumps(times, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
