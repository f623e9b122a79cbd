"""`humaneval-x compare`: pass@k of several runs side by side, paired with the first one.

Each other run is compared with the baseline (the first run) problem by problem: the difference
of pass@k, its 95% paired bootstrap interval, a paired sign-flip test, and the problems that
flip (solved, i.e. at least one passing sample, by one run and not by the other).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from humaneval_x.compare_markdown import render_markdown
from humaneval_x.coverage import groups_note
from humaneval_x.errors import InputError
from humaneval_x.jsonl import write_json_atomic
from humaneval_x.metrics import BOOTSTRAP_SAMPLES, KS, per_problem
from humaneval_x.ranges import COUNT, INDEX, argument, check
from humaneval_x.statistics import paired_interval, sign_flip_test
from humaneval_x.summary import read_summary, summary_path
from humaneval_x.tasks import group_of_key

HELP = "compare runs: paired differences, flips, significance"
COMPARE_SCHEMA = "humaneval-x/compare/1"
TEST_NAME = "paired sign-flip permutation test on per-problem pass@k differences"
FLIP_RULE = "solved = at least one passing sample (c > 0)"

Counts = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class Run:
    """A run's summary.json and its per-problem counts by group."""

    path: Path
    summary: dict
    counts: dict[str, Counts]

    @property
    def label(self) -> str:
        return str(self.summary.get("run_id") or self.path.parent.name)


def load_run(path: Path) -> Run:
    """Read and check a run's summary (a run folder or the file itself)."""
    file = summary_path(Path(path))
    summary = read_summary(file)
    return Run(file, summary, _group_counts(summary))


def _group_counts(summary: dict) -> dict[str, Counts]:
    counts: dict[str, Counts] = {group: {} for group in summary["groups"]}
    for key, (n, c) in summary["per_task"].items():
        counts[group_of_key(key)][key] = (n, c)
    return counts


def sampling_settings(summary: dict) -> dict | None:
    """The sampling settings that must match for a comparison: all but the seed."""
    sampling = summary.get("sampling")
    if not isinstance(sampling, dict):
        return None
    return {key: value for key, value in sampling.items() if key != "seed"}


def dataset_digests(summary: dict) -> dict[str, str | None]:
    """The dataset digest of each language of a run; a summary older than per-language digests
    has one digest for all, under "*"."""
    dataset = summary.get("dataset") or {}
    if isinstance(dataset.get("digests"), dict):
        return dict(dataset["digests"])
    return {"*": dataset.get("digest")}


def _digest_reasons(base: Run, run: Run) -> list[str]:
    """Languages both runs have whose dataset digests differ (subsets compare with supersets)."""
    ours, theirs = dataset_digests(base.summary), dataset_digests(run.summary)
    common = ours.keys() & theirs.keys()
    if "*" in ours or "*" in theirs:
        common = {"*"} if ours != theirs else set()
    return [
        f"dataset digests differ on {language}: {base.label}={ours.get(language)!r}, "
        f"{run.label}={theirs.get(language)!r}"
        for language in sorted(common)
        if ours.get(language) != theirs.get(language)
    ]


def incompatibilities(runs: Sequence[Run]) -> list[str]:
    """Why the runs cannot be compared with the baseline; empty when they can."""
    base = runs[0]
    reasons = []
    checks = {
        "task": lambda run: run.summary["task"],
        "groups": lambda run: sorted(run.summary["groups"]),
        "sampling settings (seed aside)": lambda run: sampling_settings(run.summary),
    }
    for run in runs[1:]:
        reasons += _digest_reasons(base, run)
        for name, value in checks.items():
            if value(run) != value(base):
                reasons.append(
                    f"{name} differ: {base.label}={value(base)!r}, {run.label}={value(run)!r}"
                )
        for group in set(base.counts) & set(run.counts):
            if base.counts[group].keys() != run.counts[group].keys():
                reasons.append(f"problems of {group} differ between {base.label} and {run.label}")
    return reasons


@dataclass(frozen=True)
class Paired:
    """One group's problems that every run has, in baseline order, with each run's (n, c)."""

    keys: list[str]
    counts: list[list[tuple[int, int]]]

    def ks(self) -> list[int]:
        """The k of pass@k that every run allows on every problem (n >= k)."""
        smallest = min(n for run in self.counts for n, _ in run)
        return [k for k in KS if k <= smallest]

    def difference(self, k: int, index: int) -> np.ndarray:
        """Per-problem pass@k of run `index` minus the baseline's."""
        return per_problem(self.counts[index], k) - per_problem(self.counts[0], k)

    def flips(self, index: int) -> dict[str, list[str]]:
        """Problems solved by run `index` but not the baseline (gained) and the reverse (lost)."""
        pairs = list(zip(self.keys, self.counts[0], self.counts[index], strict=True))
        return {
            "gained": [key for key, base, other in pairs if base[1] == 0 < other[1]],
            "lost": [key for key, base, other in pairs if other[1] == 0 < base[1]],
        }


def pair_group(runs: Sequence[Run], group: str) -> Paired:
    """Pair the runs' problems of `group` through their per_task keys."""
    keys = [k for k in runs[0].counts[group] if all(k in run.counts[group] for run in runs)]
    return Paired(keys, [[run.counts[group][k] for k in keys] for run in runs])


def compare_runs(runs: Sequence[Run], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> dict:
    """The comparison report (compare.json) over the groups and problems all runs share."""
    check("bootstrap samples", samples, COUNT)
    check("seed", seed, INDEX)
    labels = _labels(runs)
    shared = [g for g in runs[0].counts if all(g in run.counts for run in runs)]
    paired = {group: pair_group(runs, group) for group in shared}
    paired = {group: pairs for group, pairs in paired.items() if pairs.keys}
    if not paired:
        raise InputError("the runs share no group with problems in common")
    groups = {
        group: {
            "n_problems": len(pairs.keys),
            "group_problems": (runs[0].summary.get("metrics") or {})
            .get(group, {})
            .get("n_problems"),
            **_scores_and_differences(labels, [pairs], samples, seed),
            "flips": {label: pairs.flips(i) for i, label in enumerate(labels) if i},
        }
        for group, pairs in paired.items()
    }
    return {
        "schema": COMPARE_SCHEMA,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "baseline": labels[0],
        "test": TEST_NAME,
        "flip_rule": FLIP_RULE,
        "bootstrap_samples": samples,
        "seed": seed,
        "incompatibilities": incompatibilities(runs),
        "runs": [_run_info(label, run) for label, run in zip(labels, runs, strict=True)],
        "groups": groups,
        "average": {
            "groups": list(paired),
            "note": groups_note(runs[0].summary["task"], list(paired)),
            **_scores_and_differences(labels, list(paired.values()), samples, seed),
        },
    }


def _labels(runs: Sequence[Run]) -> list[str]:
    labels = [run.label for run in runs]
    return [
        label if labels.count(label) == 1 else f"{label}#{i + 1}" for i, label in enumerate(labels)
    ]


def _run_info(label: str, run: Run) -> dict:
    return {
        "label": label,
        "path": str(run.path),
        "run_id": run.summary.get("run_id"),
        "model": run.summary.get("model"),
        "task": run.summary["task"],
        "sampling": run.summary.get("sampling"),
        "dataset_digests": dataset_digests(run.summary),
        "coverage": run.summary.get("coverage"),
    }


def _scores_and_differences(
    labels: list[str], strata: list[Paired], samples: int, seed: int
) -> dict:
    """Scores and paired differences of the unweighted mean over `strata` (one per group).

    With several groups, problems are resampled within their group and each problem's
    difference is weighted by 1 / (groups x problems in its group) in the sign-flip test.
    """
    ks = [k for k in KS if all(k in pairs.ks() for pairs in strata)]
    scores = {
        label: {
            f"pass@{k}": float(np.mean([per_problem(p.counts[i], k).mean() for p in strata]))
            for k in ks
        }
        for i, label in enumerate(labels)
    }
    differences = {
        label: {
            f"pass@{k}": _difference([p.difference(k, i) for p in strata], samples, seed)
            for k in ks
        }
        for i, label in enumerate(labels)
        if i
    }
    return {"scores": scores, "differences": differences}


def _difference(strata: list[np.ndarray], samples: int, seed: int) -> dict:
    low, high = paired_interval(strata, samples, seed)
    weighted = np.concatenate([d / (len(d) * len(strata)) for d in strata])
    return {
        "delta": float(np.mean([d.mean() for d in strata])),
        "ci95": [low, high],
        "p_value": sign_flip_test(weighted, seed=seed),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `humaneval-x compare`."""
    parser.add_argument(
        "runs",
        nargs="+",
        type=Path,
        metavar="RUN",
        help="run folders (with summary.json) or summary files; the first is the baseline",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder for compare.json (default: the baseline run's folder)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="compare runs that differ in task, dataset, groups or sampling, "
        "over the groups and problems they share",
    )
    parser.add_argument(
        "--bootstrap-samples",
        type=argument(COUNT),
        default=BOOTSTRAP_SAMPLES,
        help="bootstrap resamples for the intervals (default: %(default)s)",
    )
    parser.add_argument("--seed", type=argument(INDEX), default=0, help="random seed (default: 0)")


def main(args: argparse.Namespace) -> int:
    """Compare the runs, print the markdown table and write compare.json; 0 on success."""
    if len(args.runs) < 2:
        raise InputError("compare needs at least two runs")
    runs = [load_run(path) for path in args.runs]
    reasons = incompatibilities(runs)
    if reasons and not args.force:
        raise InputError(
            "runs are not comparable (pass --force to compare anyway): " + "; ".join(reasons)
        )
    report = compare_runs(runs, args.bootstrap_samples, args.seed)
    out = (args.out or runs[0].path.parent) / "compare.json"
    write_json_atomic(out, report)
    print(render_markdown(report), end="")
    print(f"\nwrote {out}")
    return 0
