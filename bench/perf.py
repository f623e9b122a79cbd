"""Speed of the harness: the per-sample baseline against the local, Docker and Ray backends.

Two sample sets: the canonical sweep (one canonical solution per problem) and a duplicate-heavy
set (n samples per problem drawn from two distinct completions, as low-temperature sampling
gives). Each backend starts from an empty verdict cache, so it measures within-run reuse only.
The baseline runs each sample on its own; on the duplicate set it is extrapolated from its
canonical per-sample times (it reuses nothing, so it is linear in samples) unless
--baseline-duplicates asks to run it. The Ray backend joins $RAY_ADDRESS, or a one-node
cluster started here with this machine's cores (bench/ray_overhead.py compares it with Docker
in interleaved rounds).

    python bench/perf.py [--backends local,docker,ray] [--languages python,cpp] [--n 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.baseline import run_baseline  # noqa: E402
from humaneval_x import plugins  # noqa: E402
from humaneval_x.data import load_dataset  # noqa: E402
from humaneval_x.evaluate import EvaluationOptions, evaluate  # noqa: E402
from humaneval_x.languages import LANGUAGE_KEYS, get_language, language_of_task  # noqa: E402
from humaneval_x.samples import Sample  # noqa: E402
from humaneval_x.tasks import generation_tasks  # noqa: E402

WRONG_SHARE = 4  # one sample in four of the duplicate set is the wrong completion
SETTLE_S = 10.0  # pause before each measurement


@dataclass
class Timing:
    """One measured run: wall time, samples and unique programs by language, and statuses."""

    wall_s: float
    samples: Counter = field(default_factory=Counter)
    unique: Counter = field(default_factory=Counter)
    statuses: dict = field(default_factory=dict)


def canonical_set(dataset, languages: list[str]) -> list[Sample]:
    tasks = generation_tasks(dataset, languages)
    return [Sample(task, 0, task.problem.canonical_solution) for task in tasks]


def duplicate_set(dataset, languages: list[str], n: int) -> list[Sample]:
    """n samples per problem: the canonical solution, and every WRONG_SHARE-th the wrong one."""
    samples = []
    for task in generation_tasks(dataset, languages):
        for index in range(n):
            wrong = index % WRONG_SHARE == WRONG_SHARE - 1
            wrong_text = get_language(task.language).wrong_completion
            text = wrong_text if wrong else task.problem.canonical_solution
            samples.append(Sample(task, index, text))
    return samples


def _timing(rows: list[dict], wall_s: float) -> Timing:
    timing = Timing(wall_s)
    programs: dict[str, set] = {}
    for row in rows:
        language = language_of_task(row["task_id"]).key
        timing.samples[language] += 1
        programs.setdefault(language, set()).add(row["program_sha256"])
        timing.statuses[(row["task_id"], row["completion_id"])] = row["status"]
    timing.unique = Counter({language: len(p) for language, p in programs.items()})
    return timing


def time_baseline(samples: list[Sample], workers: int | None) -> Timing:
    with plugins.backend_class("local")(workers=workers) as backend:
        backend.prepare(sorted({s.task.language for s in samples}))
        started = time.monotonic()
        rows = list(run_baseline(samples, backend))
    return _timing(rows, time.monotonic() - started)


def time_backend(name: str, samples: list[Sample], workers: int | None) -> Timing:
    """Evaluate `samples` in a fresh run folder with an empty verdict cache."""
    backend = plugins.backend_class(name)(workers=workers)
    with backend, tempfile.TemporaryDirectory(prefix="perf-") as scratch:
        backend.prepare(sorted({s.task.language for s in samples}))
        options = EvaluationOptions(progress=False, cache_dir=Path(scratch) / "cache")
        started = time.monotonic()
        rows = evaluate(samples, Path(scratch) / "run", backend, options)
    return _timing(rows, time.monotonic() - started)


def measure(args: argparse.Namespace) -> dict:
    """Every timing the table needs, keyed by (set, backend, language or "all")."""
    dataset = load_dataset(args.languages, args.data_dir)
    canonical = canonical_set(dataset, args.languages)
    duplicates = duplicate_set(dataset, args.languages, args.n)
    timings: dict[tuple[str, str, str], Timing] = {}
    for backend in args.backends:  # the headline numbers first, on the quietest machine
        for set_name, samples in (("canonical", canonical), ("duplicates", duplicates)):
            _settle()
            timings[set_name, backend, "all"] = time_backend(backend, samples, args.workers)
            _progress(timings, set_name, backend, "all")
    for language in args.languages:
        subset = [s for s in canonical if s.task.language == language]
        if not args.skip_baseline:
            _settle()
            timings["canonical", "baseline", language] = time_baseline(subset, args.workers)
            _progress(timings, "canonical", "baseline", language)
        for backend in args.backends:
            _settle()
            timings["canonical", backend, language] = time_backend(backend, subset, args.workers)
            _progress(timings, "canonical", backend, language)
    if args.baseline_duplicates:
        timings["duplicates", "baseline", "all"] = time_baseline(duplicates, args.workers)
    return timings


def _settle() -> None:
    """Let the clean-up of the previous measurement (containers, namespaces) finish first."""
    time.sleep(SETTLE_S)


def _progress(timings: dict, *key: str) -> None:
    timing = timings[key]
    print(f"  {' / '.join(key)}: {sum(timing.samples.values())} samples in "
          f"{timing.wall_s:.1f} s", file=sys.stderr, flush=True)  # fmt: skip


def baseline_total(timings: dict, languages: list[str], set_name: str, samples: Counter) -> float:
    """The baseline's wall time over all languages: run, or per-sample times x samples."""
    if (set_name, "baseline", "all") in timings:
        return timings[set_name, "baseline", "all"].wall_s
    total = 0.0
    for language in languages:
        timing = timings.get(("canonical", "baseline", language))
        if timing is None:
            return float("nan")
        per_sample = timing.wall_s / sum(timing.samples.values())
        total += per_sample * samples[language]
    return total


def format_tables(timings: dict, args: argparse.Namespace) -> str:
    """Markdown: one row per language and one for all, for each sample set."""
    header = ["set", "language", "samples", "unique", "baseline s", "baseline prog/s"]
    for backend in args.backends:
        header += [f"{backend} s", f"{backend} prog/s", f"{backend} speed-up", f"{backend} same"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for set_name, groups in (("canonical", [*args.languages, "all"]), ("duplicates", ["all"])):
        for group in groups:
            lines.append("| " + " | ".join(_row(timings, args, set_name, group)) + " |")
    return "\n".join(lines)


def _row(timings: dict, args: argparse.Namespace, set_name: str, group: str) -> list[str]:
    runs = [timings.get((set_name, backend, group)) for backend in args.backends]
    reference = next((t for t in runs if t), None)
    if reference is None:
        return [set_name, group] + ["-"] * (4 + 4 * len(args.backends))
    samples, unique = sum(reference.samples.values()), sum(reference.unique.values())
    base = timings.get((set_name, "baseline", group))
    if base is not None:
        base_s, base_statuses = base.wall_s, base.statuses
    elif group == "all":
        base_s = baseline_total(timings, args.languages, set_name, reference.samples)
        base_statuses = _baseline_statuses(timings, set_name)
    else:
        base_s, base_statuses = float("nan"), {}
    estimated = "~" if base is None and set_name == "duplicates" else ""
    cells = [set_name, group, str(samples), str(unique), f"{estimated}{base_s:.1f}",
             f"{samples / base_s:.1f}"]  # fmt: skip
    for timing in runs:
        if timing is None:
            cells += ["-"] * 4
            continue
        same = _same(timing.statuses, base_statuses)
        cells += [f"{timing.wall_s:.1f}", f"{samples / timing.wall_s:.1f}",
                  f"{base_s / timing.wall_s:.1f}x", same]  # fmt: skip
    return cells


def _baseline_statuses(timings: dict, set_name: str) -> dict:
    if set_name != "canonical":
        return {}
    merged: dict = {}
    for (name, backend, _), timing in timings.items():
        if name == "canonical" and backend == "baseline":
            merged.update(timing.statuses)
    return merged


def _same(statuses: dict, reference: dict) -> str:
    """Whether every verdict the baseline also gave is the same ("-" without a baseline)."""
    shared = [key for key in statuses if key in reference]
    if not shared:
        return "-"
    differ = [key for key in shared if statuses[key] != reference[key]]
    return "yes" if not differ else f"no ({len(differ)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="local,docker", help="of local, docker, ray")
    parser.add_argument("--languages", default=",".join(LANGUAGE_KEYS))
    parser.add_argument("--n", type=int, default=20, help="samples per problem, duplicate set")
    parser.add_argument("--workers", type=int, default=None, help="parallel jobs (default: cores)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--baseline-duplicates", action="store_true",
                        help="run the baseline on the duplicate set too (slow)")  # fmt: skip
    parser.add_argument("--json", type=Path, default=None, help="also write the timings here")
    args = parser.parse_args(argv)
    args.backends = [b for b in args.backends.split(",") if b]
    args.languages = [lang for lang in args.languages.split(",") if lang]
    if "ray" in args.backends:
        from bench.ray_overhead import ensure_cluster

        ensure_cluster()
    timings = measure(args)
    print(format_tables(timings, args))
    if args.json:
        rows = {
            "/".join(key): {"wall_s": t.wall_s, "samples": t.samples, "unique": t.unique}
            for key, t in timings.items()
        }
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
