"""`humaneval-x show RUN [TASK] [--completion N] [--rerun]`: one sample of a run up close.

Without TASK, one line per sample. With it, the sample's program (rebuilt from the samples file
and the dataset as `evaluate` builds it), its verdict, the limits it ran under and what it
printed (outputs.jsonl); `--rerun` judges the same program again, without touching the run.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from humaneval_x import plugins
from humaneval_x.data import load_dataset
from humaneval_x.errors import InputError
from humaneval_x.evaluate import EvaluationOptions, judge_jobs, program_job, result_row
from humaneval_x.jsonl import read_rows
from humaneval_x.languages import LANGUAGE_KEYS, language_of_task
from humaneval_x.languages.base import STATUSES
from humaneval_x.outputs import read_outputs
from humaneval_x.samples import Sample, read_samples, row_key
from humaneval_x.tasks import key_parts
from sandboxes.backend import Job

HELP = "one sample up close: program, verdict, limits, output; --rerun judges it again"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `humaneval-x show`."""
    parser.add_argument("run", type=Path, help="run folder (the --out of evaluate or bench)")
    parser.add_argument("task", nargs="?", default=None,
                        help="task id (Python/0) or translation key (Python/0->CPP/0); "
                        "without it, one line per sample")  # fmt: skip
    parser.add_argument("--completion", type=int, default=None, metavar="N",
                        help="completion id (default: the task's first)")  # fmt: skip
    parser.add_argument("--samples", type=Path, default=None,
                        help="the file evaluate judged (default: RUN/samples.jsonl)")  # fmt: skip
    parser.add_argument("--data-dir", default=None,
                        help="folder of humaneval_<lang>.jsonl(.gz) (default: $HUMANEVAL_X_DATA, "
                        "else the Hugging Face hub)")  # fmt: skip
    parser.add_argument("--rerun", action="store_true",
                        help="judge the program again (results.jsonl stays as it is)")  # fmt: skip
    parser.add_argument("--sandbox", choices=("auto", *plugins.names(plugins.BACKENDS)),
                        default="auto", help="where --rerun runs it")  # fmt: skip


def main(args: argparse.Namespace) -> int:
    rows = read_rows(args.run / "results.jsonl", repair=False)
    if not rows:
        raise InputError(f"{args.run}: no results.jsonl with verdicts (the --out of evaluate)")
    if args.task is None:
        print(listing(rows))
        return 0
    row = _chosen(rows, args)
    key = row_key(row)[0]
    print(f"{key} #{row['completion_id']}: {row['status']}, exit code {row['exit_code']}, "
          f"{row['duration_s']} s")  # fmt: skip
    record = read_outputs(args.run).get(row["program_sha256"])
    sample = _sample(rows, row, args)
    job = _job(sample, record, row["program_sha256"])
    print(limits_text(job))
    for name, text in job.files.items():
        print(f"--- {name} ---\n{text.rstrip()}")
    if record is None:
        print(f"(no output kept for this program: {args.run} was judged before outputs.jsonl)")
    else:
        print(steps_text(record["steps"], record.get("error")))
    if args.rerun:
        with plugins.make_backend(args.sandbox, 1) as backend:
            backend.prepare([job.language])
            verdict = next(iter(judge_jobs([job], backend, None)))
        again = result_row(sample, job.id, verdict)
        print(f"=== rerun: {again['status']} (recorded: {row['status']}) ===")
        print(steps_text(verdict.get("steps", []), verdict.get("error")))
    return 0


def listing(rows: list[dict]) -> str:
    """One line per sample in task order, then the count of each status."""

    def order(row: dict) -> tuple:
        parts = key_parts(row_key(row)[0])
        problems = [(LANGUAGE_KEYS.index(language_of_task(p).key), int(p.split("/")[1]))
                    for p in parts]  # fmt: skip
        return (len(parts), problems, row["completion_id"])

    lines = [f"{row_key(row)[0]} #{row['completion_id']}  {row['status']}  {row['duration_s']} s"
             for row in sorted(rows, key=order)]  # fmt: skip
    counts = Counter(row["status"] for row in rows)
    counted = ", ".join(f"{counts[status]} {status}" for status in STATUSES if counts[status])
    lines.append(f"{len(rows)} samples: {counted}")
    return "\n".join(lines)


def _chosen(rows: list[dict], args: argparse.Namespace) -> dict:
    """The result row of TASK and --completion, or an error naming what there is."""
    matches = [row for row in rows if args.task in (row["task_id"], row_key(row)[0])]
    keys = sorted({row_key(row)[0] for row in matches})
    if not keys:
        raise InputError(f"{args.run}: no verdict for {args.task}")
    if len(keys) > 1:
        raise InputError(f"{args.task} names {len(keys)} tasks of {args.run}: {', '.join(keys)}")
    if args.completion is None:
        return min(matches, key=lambda row: row["completion_id"])
    for row in matches:
        if row["completion_id"] == args.completion:
            return row
    known = ", ".join(str(row["completion_id"]) for row in matches)
    raise InputError(f"--completion {args.completion}: {keys[0]} has completions {known}")


def _sample(rows: list[dict], row: dict, args: argparse.Namespace) -> Sample:
    """The judged sample, from the samples file and the dataset of the run's languages."""
    path = args.samples or args.run / "samples.jsonl"
    if not path.is_file():
        raise InputError(f"{path}: no such samples file; give --samples (the file evaluated)")
    ids = {part for result in rows for part in key_parts(row_key(result)[0])}
    languages = {language_of_task(task_id).key for task_id in ids}
    dataset = load_dataset([lang for lang in LANGUAGE_KEYS if lang in languages], args.data_dir)
    wanted = row_key(row)
    for sample in read_samples(path, dataset):
        if sample.key == wanted:
            return sample
    raise InputError(f"{path}: no sample {wanted[0]} #{wanted[1]}; give --samples")


def _job(sample: Sample, record: dict | None, digest: str) -> Job:
    """The sample's job under the run limit it was judged with (the language's own when no
    output was kept); a note when it is not the program that was judged."""
    run_limits = [limit["timeout_s"] for limit in (record or {}).get("limits", [])
                  if limit["phase"] == "run"]  # fmt: skip
    options = EvaluationOptions(run_timeout_s=run_limits[-1] if run_limits else None)
    rebuilt, job = program_job(sample, options)
    if rebuilt != digest:
        print("note: the program rebuilt from the samples file differs from the one judged "
              "(the samples, the dataset or the harness changed since)")  # fmt: skip
    return job


def limits_text(job: Job) -> str:
    """ "limits: compile 60.0 s, 2048 MB; run 3.5 s, 1024 MB"."""
    parts = [
        f"{step.phase} {step.timeout_s} s, "
        + (f"{step.memory_mb} MB" if step.memory_mb else "no memory limit")
        for step in job.steps
    ]
    return "limits: " + "; ".join(parts)


def steps_text(steps: list[dict], error: str | None) -> str:
    """What each step reported: exit, time, stdout and stderr."""
    lines = [f"sandbox error: {error}"] if error else []
    for step in steps:
        ending = "timed out" if step.get("timed_out") else f"exit {step.get('exit_code')}"
        if step.get("signal"):
            ending += f", signal {step['signal']}"
        lines.append(f"--- {step['phase']}: {ending}, {step.get('duration_s')} s ---")
        for stream in ("stdout", "stderr"):
            text = step.get(f"{stream}_tail", "")
            if text:
                lines.append(f"[{stream}]\n{text.rstrip()}")
    return "\n".join(lines)
