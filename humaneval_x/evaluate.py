"""Evaluation: samples -> programs -> sandbox -> results.jsonl (resumable) -> summary.json."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from humaneval_x.jsonl import Appender, read_rows
from humaneval_x.languages import get_language
from humaneval_x.languages.base import StepResult
from humaneval_x.samples import Sample, row_key
from sandboxes.backend import Backend, Job

# Languages whose programs take longest go first, so no core idles at the end of a sweep.
COST_ORDER = ("java", "cpp", "go", "rust", "js", "python")
STDERR_TAIL = 2000


@dataclass(frozen=True)
class EvaluationOptions:
    """Per-run knobs: a run-time limit override and the sandbox backend."""

    run_timeout_s: float | None = None
    progress: bool = True


def program_job(sample: Sample, options: EvaluationOptions) -> tuple[str, Job]:
    """The sandbox job of a sample, identified by the digest of its content."""
    spec = get_language(sample.task.language)
    program = spec.program(sample.task.problem, sample.task.context, sample.generation)
    steps = [step.to_json() for step in program.steps]
    if options.run_timeout_s is not None:
        for step in steps:
            if step["phase"] == "run":
                step["timeout_s"] = options.run_timeout_s
    payload = json.dumps([spec.key, program.files, steps], sort_keys=True).encode("utf-8")
    digest = hashlib.sha256(payload).hexdigest()
    return digest, Job(id=digest, language=spec.key, files=program.files, steps=steps)


def result_row(sample: Sample, digest: str, verdict: dict) -> dict:
    """The results.jsonl row of a sample from its program's verdict."""
    spec = get_language(sample.task.language)
    steps = [StepResult.from_json(step) for step in verdict.get("steps", [])]
    status = "sandbox_error" if verdict.get("error") else spec.classify(steps)
    last = steps[-1] if steps else None
    stderr = verdict.get("error") or (last.stderr_tail if last else "")
    return {
        "task_id": sample.task.task_id,
        "completion_id": sample.completion_id,
        "source_task_id": sample.task.source_task_id,
        "status": status,
        "passed": status == "passed",
        "exit_code": last.exit_code if last else None,
        "duration_s": round(sum(step.duration_s for step in steps), 4),
        "program_sha256": digest,
        "stderr_tail": stderr[-STDERR_TAIL:],
    }


def evaluate(
    samples: list[Sample],
    out_dir: Path,
    backend: Backend,
    options: EvaluationOptions = EvaluationOptions(),
) -> list[dict]:
    """Judge every sample without a verdict in out_dir/results.jsonl; return all result rows."""
    results_path = out_dir / "results.jsonl"
    rows = read_rows(results_path)
    done = {row_key(row) for row in rows}
    todo = [sample for sample in samples if sample.key not in done]
    by_digest: dict[str, list[Sample]] = defaultdict(list)
    jobs: dict[str, Job] = {}
    for sample in todo:
        digest, job = program_job(sample, options)
        by_digest[digest].append(sample)
        jobs.setdefault(digest, job)
    backend.prepare(sorted({job.language for job in jobs.values()}))
    ordered = sorted(jobs.values(), key=lambda job: COST_ORDER.index(job.language))
    with Appender(results_path) as appender:
        for row in _judge(ordered, by_digest, backend, options):
            appender.write(row)
            rows.append(row)
    wanted = {sample.key for sample in samples}
    return [row for row in rows if row_key(row) in wanted]


def _judge(
    jobs: list[Job],
    by_digest: dict[str, list[Sample]],
    backend: Backend,
    options: EvaluationOptions,
) -> Iterator[dict]:
    total = sum(len(samples) for samples in by_digest.values())
    with tqdm(total=total, unit="sample", disable=not options.progress or not total) as bar:
        for verdict in backend.run(jobs):
            for sample in by_digest[verdict["id"]]:
                yield result_row(sample, verdict["id"], verdict)
                bar.update(1)
