"""The Ray backend's overhead against the Docker backend, and what a cluster would do.

Canonical sweeps (one canonical solution per problem, empty verdict cache) on the Docker
backend and on the Ray backend, interleaved round by round (the order alternates), so that a
shared machine's load falls on both alike; then the cost of handing a node a chunk (a call that
carries the chunk's jobs and runs nothing: one at a time, and many in flight), and each
language's cost per program (a Docker sweep of that language alone: wall time x workers /
programs). Without $RAY_ADDRESS, the Ray backend runs on a one-node cluster started in this
process with this machine's cores, so both backends have the same cores.

    python bench/ray_overhead.py [--rounds 3] [--languages python,cpp] [--every N] [--chunk 4]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from humaneval_x import plugins  # noqa: E402
from humaneval_x.data import load_dataset  # noqa: E402
from humaneval_x.evaluate import EvaluationOptions, evaluate, program_job, schedule  # noqa: E402
from humaneval_x.languages import LANGUAGE_KEYS  # noqa: E402
from humaneval_x.samples import Sample  # noqa: E402
from humaneval_x.tasks import generation_tasks  # noqa: E402

SETTLE_S = 10.0  # pause before each sweep: the previous one's containers go away


def ensure_cluster() -> None:
    """Join $RAY_ADDRESS when set (the backend does); else start a one-node cluster here."""
    import ray

    if not ray.is_initialized() and not os.environ.get("RAY_ADDRESS"):
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, logging_level=logging.WARNING)


def make(name: str, workers: int | None, chunk: int):
    if name == "ray":
        return plugins.backend_class("ray")(workers=workers, chunk=chunk)
    return plugins.backend_class(name)(workers=workers)


def sweep(name: str, samples: list[Sample], workers: int | None, chunk: int) -> tuple[float, list]:
    """Wall time and result rows of one evaluation from an empty verdict cache."""
    time.sleep(SETTLE_S)
    backend = make(name, workers, chunk)
    with backend, tempfile.TemporaryDirectory(prefix="ray-overhead-") as scratch:
        backend.prepare(sorted({s.task.language for s in samples}))
        options = EvaluationOptions(progress=False, cache_dir=Path(scratch) / "cache")
        started = time.monotonic()
        rows = evaluate(samples, Path(scratch) / "run", backend, options)
        wall = time.monotonic() - started
    print(f"  {name}: {len(rows)} programs in {wall:.1f} s", file=sys.stderr, flush=True)
    return wall, rows


def dispatch_cost(samples: list[Sample], chunk: int, trips: int = 200) -> dict:
    """Milliseconds a chunk of real jobs takes to reach a node actor and come back, run
    nothing: one call at a time (latency) and all calls in flight (the driver's cost)."""
    import ray

    from sandboxes.ray_backend import _chunks

    jobs = schedule([program_job(s, EvaluationOptions())[1] for s in samples])
    chunks = (_chunks(jobs, chunk) * trips)[:trips]
    with make("ray", None, chunk) as backend:
        backend.prepare(["python"])
        actor = backend._nodes[0].actor
        ray.get(actor.ping.remote(chunks[0]))
        started = time.perf_counter()
        for part in chunks:
            ray.get(actor.ping.remote(part))
        latency = (time.perf_counter() - started) / len(chunks)
        started = time.perf_counter()
        ray.get([actor.ping.remote(part) for part in chunks])
        pipelined = (time.perf_counter() - started) / len(chunks)
    return {"chunk": chunk, "trips": len(chunks), "latency_ms": round(latency * 1000, 2),
            "pipelined_ms": round(pipelined * 1000, 2)}  # fmt: skip


def _differences(docker: dict, ray: dict) -> dict[str, str]:
    """Samples whose verdicts differ: each backend's status and the end of its stderr."""

    def said(row: dict | None) -> str:
        return "none" if row is None else f"{row['status']} ({row['stderr_tail'][-300:]!r})"

    return {f"{key[0]}#{key[1]}": f"docker {said(row)}; ray {said(ray.get(key))}"
            for key, row in docker.items()
            if ray.get(key) is None or ray[key]["status"] != row["status"]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--languages", default=",".join(LANGUAGE_KEYS))
    parser.add_argument("--workers", type=int, default=None, help="per node (default: cores)")
    parser.add_argument("--chunk", type=int, default=4, help="jobs per Ray call")
    parser.add_argument("--every", type=int, default=1, help="only problems numbered 0 mod N")
    parser.add_argument("--skip-costs", action="store_true", help="no per-language sweeps")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    languages = [lang for lang in args.languages.split(",") if lang]
    dataset = load_dataset(languages)
    tasks = [t for t in generation_tasks(dataset, languages) if t.problem.number % args.every == 0]
    samples = [Sample(task, 0, task.problem.canonical_solution) for task in tasks]
    ensure_cluster()
    report: dict = {"programs": len(samples), "cores": os.cpu_count(), "rounds": []}
    for number in range(args.rounds):
        order = ("docker", "ray") if number % 2 == 0 else ("ray", "docker")
        walls, seen = {}, {}
        for name in order:
            walls[name], rows = sweep(name, samples, args.workers, args.chunk)
            seen[name] = {(row["task_id"], row["completion_id"]): row for row in rows}
        differ = _differences(seen["docker"], seen["ray"])
        ratio = walls["ray"] / walls["docker"]
        report["rounds"].append({**walls, "ratio": ratio, "same": not differ, "differ": differ})
    medians = {name: statistics.median(r[name] for r in report["rounds"]) for name in seen}
    report["median"] = {**medians, "ratio": medians["ray"] / medians["docker"]}
    report["dispatch"] = dispatch_cost(samples, args.chunk)
    if not args.skip_costs:
        workers = args.workers or os.cpu_count()
        report["cost_s"] = {}
        for language in languages:
            subset = [s for s in samples if s.task.language == language]
            wall, _ = sweep("docker", subset, args.workers, args.chunk)
            report["cost_s"][language] = round(wall * workers / len(subset), 4)
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def format_report(report: dict) -> str:
    lines = ["| round | docker s | ray s | ray / docker | same verdicts |", "|---|---|---|---|---|"]
    for number, r in enumerate(report["rounds"], 1):
        lines.append(f"| {number} | {r['docker']:.1f} | {r['ray']:.1f} | {r['ratio']:.3f} | "
                     f"{'yes' if r['same'] else 'no'} |")  # fmt: skip
    for number, r in enumerate(report["rounds"], 1):
        for key, what in r["differ"].items():
            lines.append(f"round {number}: {key}: {what}")
    m = report["median"]
    lines.append(f"| median | {m['docker']:.1f} | {m['ray']:.1f} | {m['ratio']:.3f} | |")
    d = report["dispatch"]
    lines.append(f"\ndispatch of a {d['chunk']}-job chunk ({d['trips']} calls): "
                 f"{d['latency_ms']} ms one at a time, "
                 f"{d['pipelined_ms']} ms each in flight")  # fmt: skip
    if "cost_s" in report:
        costs = ", ".join(f"{lang} {cost}" for lang, cost in report["cost_s"].items())
        lines.append(f"core-seconds per program (Docker, one language at a time): {costs}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
