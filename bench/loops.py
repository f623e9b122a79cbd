"""What an infinite loop costs under the default `evaluate`: fixed limits against calibrated ones.

The set: the first K problems of each language, each with three completions: the canonical
solution, the language's wrong completion, and the canonical solution behind an infinite loop.
It is judged by `humaneval-x evaluate` (the local sandbox, no verdict cache) three times:

- before: `--no-calibrate`, the fixed limit of each language (10 s), the default until now;
- after, first run on a machine: the default, from an empty calibration cache (the limits of
  the set's problems are measured first);
- after: the default again, the limits read from the cache.

It prints the wall times, the mean run time of a loop sample, and whether every verdict (and
every canonical solution's) is the same in the three runs.

    python bench/loops.py [--problems 8] [--languages python,cpp,...] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from humaneval_x.data import load_dataset  # noqa: E402
from humaneval_x.languages import LANGUAGE_KEYS, get_language  # noqa: E402
from humaneval_x.outputs import read_outputs  # noqa: E402

# A statement that never ends, put before the canonical solution's first line.
LOOPS = {
    "python": "    while True:\n        pass\n",
    "cpp": "    for (volatile int spin = 0;; spin++) {}\n",
    "java": "        while (System.nanoTime() > 0) {}\n",
    "js": "  while (true) {}\n",
    "go": "    for {}\n",
    "rust": "    loop {}\n",
}
KINDS = ("canonical", "wrong", "loop")


def sample_rows(dataset, problems: int) -> list[dict]:
    """Three samples for each of the first `problems` problems of each language."""
    rows = []
    for language in dataset.languages:
        for problem in list(dataset.problems[language].values())[:problems]:
            texts = (
                problem.canonical_solution,
                get_language(language).wrong_completion,
                LOOPS[language] + problem.canonical_solution.lstrip("\n"),
            )
            for completion_id, text in enumerate(texts):
                rows.append(
                    {"task_id": problem.task_id, "completion_id": completion_id, "generation": text}
                )
    return rows


def evaluate(
    samples: Path, out: Path, cache: Path, workers: int, *extra: str
) -> tuple[float, dict]:
    """Wall time of one `humaneval-x evaluate`, and its verdicts by (task id, completion id),
    each with the time and the limit of its run step (from outputs.jsonl)."""
    command = [sys.executable, "-m", "humaneval_x.cli", "evaluate", str(samples), "--out",
               str(out), "--sandbox", "local", "--workers", str(workers), "--no-cache",
               "--no-progress", "--languages", ",".join(LANGUAGE_KEYS), *extra]  # fmt: skip
    env = {**os.environ, "HUMANEVAL_X_CACHE": str(cache)}
    started = time.monotonic()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - started
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    outputs = read_outputs(out)
    for row in rows:
        output = outputs[row["program_sha256"]]
        row["run_s"] = [s["duration_s"] for s in output["steps"] if s["phase"] == "run"][-1]
        row["limit_s"] = [s["timeout_s"] for s in output["limits"] if s["phase"] == "run"][-1]
    return wall, {(row["task_id"], row["completion_id"]): row for row in rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=8, help="problems per language")
    parser.add_argument("--languages", default=",".join(LANGUAGE_KEYS))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    dataset = load_dataset(args.languages.split(","))
    with tempfile.TemporaryDirectory(prefix="loops-") as scratch:
        root = Path(scratch)
        samples = root / "samples.jsonl"
        rows = sample_rows(dataset, args.problems)
        samples.write_text("".join(json.dumps(row) + "\n" for row in rows))
        runs = {
            "before (--no-calibrate)": evaluate(
                samples, root / "before", root / "cache-before", args.workers, "--no-calibrate"
            ),
            "after, first run": evaluate(samples, root / "first", root / "cache", args.workers),
            "after": evaluate(samples, root / "after", root / "cache", args.workers),
        }
    loops = sum(1 for row in rows if row["completion_id"] == 2)
    print(f"{len(rows)} samples ({loops} infinite loops), {args.workers} workers")
    print("| run | wall s | loop run s (mean) | loop limit s | loop verdicts | same verdicts "
          "| canonical same |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    _, reference = runs["before (--no-calibrate)"]
    for name, (wall, verdicts) in runs.items():
        loop_rows = [row for key, row in verdicts.items() if key[1] == 2]
        per_loop = sum(row["run_s"] for row in loop_rows) / len(loop_rows)
        limits = sorted(row["limit_s"] for row in loop_rows)
        statuses = sorted({row["status"] for row in loop_rows})
        same = all(verdicts[key]["status"] == row["status"] for key, row in reference.items())
        canonical = all(
            verdicts[key]["status"] == row["status"]
            for key, row in reference.items()
            if key[1] == 0
        )
        print(f"| {name} | {wall:.1f} | {per_loop:.2f} | {limits[0]}-{limits[-1]} | "
              f"{', '.join(statuses)} | {'yes' if same else 'NO'} | "
              f"{'yes' if canonical else 'NO'} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
