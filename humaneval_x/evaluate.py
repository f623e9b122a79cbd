"""Evaluation: samples -> programs -> sandbox -> results.jsonl (resumable) -> summary.json."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from humaneval_x.batching import run_jobs
from humaneval_x.cache import VerdictCache
from humaneval_x.jsonl import Appender
from humaneval_x.languages import get_language
from humaneval_x.languages.base import Verdict
from humaneval_x.outputs import OUTPUTS_FILE, output_row
from humaneval_x.progress import progress_bar
from humaneval_x.ranges import REPEATS, SECONDS, check
from humaneval_x.repeats import combined, copies, original_id
from humaneval_x.runfolder import RESULTS_FILE, resume, run_identity
from humaneval_x.samples import Sample, row_key
from sandboxes.backend import Backend, Job, StepResult

STDERR_TAIL = 2000


@dataclass(frozen=True)
class EvaluationOptions:
    """Per-run knobs: run-time limits (one for all, or per task id), the verdict cache, and
    the settings besides the samples and limits that identify a run (humaneval_x.runfolder)."""

    run_timeout_s: float | None = None
    progress: bool = True
    cache_dir: Path | None = None  # None: every program runs (see humaneval_x.cache)
    run_timeouts: Mapping[str, float] | None = None  # by task id (humaneval_x.calibration)
    settings: Mapping[str, object] | None = None  # languages, dataset digests, post-processing
    repeat: int = 1  # runs of each program; verdicts that differ make a sample flaky

    def __post_init__(self) -> None:
        check("repeat", self.repeat, REPEATS)
        if self.run_timeout_s is not None:
            check("run_timeout_s", self.run_timeout_s, SECONDS)
        for task_id, seconds in (self.run_timeouts or {}).items():
            check(f"run_timeouts[{task_id!r}]", seconds, SECONDS)


def program_job(sample: Sample, options: EvaluationOptions) -> tuple[str, Job]:
    """The sandbox job of a sample, identified by the digest of its content."""
    spec = get_language(sample.task.language)
    program = spec.program(sample.task.problem, sample.task.context, sample.generation)
    steps = program.steps
    timeout = _run_timeout(sample, options)
    if timeout is not None:
        steps = tuple(
            replace(step, timeout_s=timeout) if step.phase == "run" else step for step in steps
        )
    job = Job("", spec.key, program.files, steps, batch_group=program.batch_group)
    content = job.to_json()
    payload = json.dumps([spec.key, content["files"], content["steps"]], sort_keys=True)
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return digest, replace(job, id=digest)


def _run_timeout(sample: Sample, options: EvaluationOptions) -> float | None:
    """The run-time limit of a sample: the one for all, else its task's own, else none."""
    if options.run_timeout_s is None and options.run_timeouts:
        return options.run_timeouts.get(sample.task.problem.task_id)
    return options.run_timeout_s


def result_row(sample: Sample, digest: str, verdict: dict) -> dict:
    """The results.jsonl row of a sample from its program's verdict."""
    spec = get_language(sample.task.language)
    steps = [StepResult.from_json(step) for step in verdict.get("steps", [])]
    judged = Verdict("sandbox_error") if verdict.get("error") else spec.classify(steps)
    last = steps[-1] if steps else None
    stderr = verdict.get("error") or (last.stderr_tail if last else "")
    return {
        "task_id": sample.task.task_id,
        "completion_id": sample.completion_id,
        "source_task_id": sample.task.source_task_id,
        "status": judged.status,
        "passed": judged.status == "passed",
        "integrity": judged.integrity,
        "detail": judged.detail,
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
    """Judge every sample without a verdict in out_dir/results.jsonl; return all result rows.

    The folder must hold this run or nothing (humaneval_x.runfolder); sandbox errors are
    judged again. What each program printed goes to out_dir/outputs.jsonl (humaneval_x.outputs)."""
    backend.prepare(sorted({sample.task.language for sample in samples}))
    identity = run_identity(
        samples, options.run_timeout_s, options.run_timeouts, backend.describe(), options.settings
    )
    rows = resume(out_dir, identity)
    done = {row_key(row) for row in rows}
    todo = [sample for sample in samples if sample.key not in done]
    by_digest: dict[str, list[Sample]] = defaultdict(list)
    jobs: dict[str, Job] = {}
    for sample in todo:
        digest, job = program_job(sample, options)
        by_digest[digest].append(sample)
        jobs.setdefault(digest, job)
    cache = VerdictCache(options.cache_dir, backend.describe()) if options.cache_dir else None
    with Appender(out_dir / RESULTS_FILE) as appender, Appender(out_dir / OUTPUTS_FILE) as outputs:
        judged = _judge(schedule(list(jobs.values())), by_digest, backend, options, cache, outputs)
        for row in judged:
            appender.write(row)
            rows.append(row)
    wanted = {sample.key for sample in samples}
    return [row for row in rows if row_key(row) in wanted]


def _judge(
    jobs: list[Job],
    by_digest: dict[str, list[Sample]],
    backend: Backend,
    options: EvaluationOptions,
    cache: VerdictCache | None,
    outputs: Appender,
) -> Iterator[dict]:
    total = sum(len(samples) for samples in by_digest.values())
    by_id = {job.id: job for job in jobs}
    arrived: dict[str, list[dict]] = defaultdict(list)
    with progress_bar("evaluate", total, "sample", options.progress) as bar:
        for verdict in judge_jobs(copies(jobs, options.repeat), backend, cache, options.repeat):
            digest = original_id(verdict["id"])
            arrived[digest].append({**verdict, "id": digest})
            if len(arrived[digest]) < options.repeat:
                continue
            verdicts = arrived.pop(digest)
            outputs.write(output_row(by_id[digest], verdicts[0]))
            for sample in by_digest[digest]:
                yield combined([result_row(sample, digest, verdict) for verdict in verdicts])
                bar.update(1)


def schedule(jobs: list[Job]) -> list[Job]:
    """Longest first, by language and source size, so that languages mix and no core idles."""

    def cost(job: Job) -> float:
        size = sum(len(text) for text in job.files.values())
        return get_language(job.language).job_cost_s * (1 + size / 4000)

    return sorted(jobs, key=cost, reverse=True)


def judge_jobs(
    jobs: list[Job], backend: Backend, cache: VerdictCache | None, repeat: int = 1
) -> Iterator[dict]:
    """Verdicts of `jobs` (each `repeat` times, see humaneval_x.repeats): cached ones at once,
    the rest from the backend, then cached when every repeat of a program agrees."""
    if cache is None:
        yield from run_jobs(jobs, backend)
        return
    misses = []
    originals = {original_id(job.id): job for job in jobs}
    for job in jobs:
        verdict = cache.get(originals[original_id(job.id)], repeat)
        if verdict is None:
            misses.append(job)
        else:
            yield {**verdict, "id": job.id}
    arrived: dict[str, list[dict]] = defaultdict(list)
    for verdict in run_jobs(misses, backend):
        digest = original_id(verdict["id"])
        arrived[digest].append(verdict)
        if len(arrived[digest]) == repeat:
            cache.put(originals[digest], arrived.pop(digest))
        yield verdict
