"""The `humaneval-x` command: generate, translate, evaluate, bench, doctor, compare, leaderboard."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import NoReturn

from humaneval_x import plugins, runfolder
from humaneval_x.cache import default_cache_dir
from humaneval_x.data import load_dataset
from humaneval_x.errors import InputError
from humaneval_x.evaluate import EvaluationOptions, evaluate
from humaneval_x.generate import generate, read_meta, shard
from humaneval_x.jsonl import write_json_atomic
from humaneval_x.languages import LANGUAGE_KEYS
from humaneval_x.postprocess import POSTPROCESSORS, postprocess
from humaneval_x.provenance import check_sample_count, parse_sampling, published_model
from humaneval_x.ranges import (
    COUNT,
    FRACTION,
    INDEX,
    NON_NEGATIVE,
    REPEATS,
    SECONDS,
    argument,
    check,
)
from humaneval_x.runner import Sampling
from humaneval_x.samples import STDIN, read_samples
from humaneval_x.summary import (
    SUMMARY_FILE,
    build_summary,
    dataset_provenance,
    format_table,
    write_summary,
)
from humaneval_x.tasks import TASK_KINDS, build_tasks
from sandboxes.backend import Backend, SandboxUnavailable

# The harness's commands that live in a module of their own, as plug-in commands do.
MODULE_COMMANDS = {"compare": "humaneval_x.compare", "leaderboard": "humaneval_x.leaderboard"}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (InputError, SandboxUnavailable) as exc:
        print(f"humaneval-x: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("humaneval-x: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


class Parser(argparse.ArgumentParser):
    """Usage errors as one line and exit code 2 (subcommands' parsers are of this class too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(argv: list[str] | None) -> argparse.ArgumentParser:
    parser = Parser(prog="humaneval-x", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    runner = _chosen_runner(argv)
    _add_generate(commands.add_parser("generate", help="code generation samples"), runner)
    _add_generate(commands.add_parser("translate", help="code translation samples"), runner)
    _add_evaluate(commands.add_parser("evaluate", help="judge samples in a sandbox"))
    _add_bench(commands.add_parser("bench", help="generate then evaluate"), runner)
    _add_doctor(commands.add_parser("doctor", help="self-check the data and the sandbox"))
    _add_module_commands(commands, argv)
    return parser


def _chosen_runner(argv: list[str] | None) -> str:
    """The --runner value, read early so that runner's own options can be added."""
    words = sys.argv[1:] if argv is None else argv
    for index, word in enumerate(words):
        if word == "--runner" and index + 1 < len(words):
            return words[index + 1]
        if word.startswith("--runner="):
            return word.split("=", 1)[1]
    return "reference"


def _add_module_commands(commands, argv: list[str] | None) -> None:
    """Commands of a module with HELP, add_arguments(parser) and main(args): the harness's own
    and the plug-ins'. A module is imported only when its command runs or the list is shown."""
    words = sys.argv[1:] if argv is None else argv
    listing = not words or words[0].startswith("-")
    for name in [*MODULE_COMMANDS, *plugins.names(plugins.COMMANDS)]:
        if not (listing or words[0] == name):
            commands.add_parser(name)
            continue
        module = _command_module(name)
        parser = commands.add_parser(name, help=module.HELP)
        module.add_arguments(parser)
        parser.set_defaults(handler=module.main)


def _command_module(name: str) -> ModuleType:
    if name in MODULE_COMMANDS:
        return importlib.import_module(MODULE_COMMANDS[name])
    return plugins.command(name)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--languages", default=",".join(LANGUAGE_KEYS),
                        help="comma-separated language keys (default: all six)")  # fmt: skip
    parser.add_argument("--data-dir", default=None,
                        help="folder of humaneval_<lang>.jsonl(.gz) (default: $HUMANEVAL_X_DATA, "
                        "else the Hugging Face hub)")  # fmt: skip
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _add_sandbox(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sandbox", choices=("auto", *plugins.names(plugins.BACKENDS)),
                        default="auto",
                        help="where programs run (auto: docker when a daemon answers)")  # fmt: skip
    parser.add_argument("--workers", type=argument(COUNT), default=None,
                        help="parallel jobs (default: cores)")  # fmt: skip
    parser.add_argument("--timeout", type=argument(SECONDS), default=None,
                        help="run-time limit in seconds")  # fmt: skip
    parser.add_argument("--no-cache", action="store_true",
                        help="run every program, also those judged before")  # fmt: skip
    parser.add_argument("--calibrate", action="store_true",
                        help="run-time limits from the canonical run times")  # fmt: skip
    parser.add_argument("--repeat", type=argument(REPEATS), default=1, metavar="K",
                        help="run each program K times; differing verdicts make a sample flaky "
                        "(never passed)")  # fmt: skip


def _add_runner(parser: argparse.ArgumentParser, runner: str) -> None:
    runners = plugins.names(plugins.RUNNERS)
    parser.add_argument("--runner", choices=runners, default="reference")
    parser.add_argument("--n", type=argument(COUNT), default=1, help="samples per task")
    parser.add_argument("--temperature", type=argument(NON_NEGATIVE), default=0.8)
    parser.add_argument("--top-p", type=argument(FRACTION), default=0.95)
    parser.add_argument("--top-k", type=argument(INDEX), default=0)
    parser.add_argument("--greedy", action="store_true")
    parser.add_argument("--max-new-tokens", type=argument(COUNT), default=1024)
    parser.add_argument("--seed", type=argument(INDEX), default=42)
    parser.add_argument("--shard", default="0/1",
                        help="RANK/COUNT: this worker's share of the tasks (every COUNT-th task "
                        "of the full list from RANK), or env for $RANK_ID/$RANK_SIZE")  # fmt: skip
    if runner in runners:
        plugins.runner_factory(runner).add_arguments(parser)


def _add_generate(parser: argparse.ArgumentParser, runner: str) -> None:
    _add_common(parser)
    _add_runner(parser, runner)
    parser.add_argument("--pairs", default="all", help='translation pairs: "all" or "python:cpp,…"')
    parser.add_argument("--out", type=Path, required=True, help="samples.jsonl to append to")
    parser.set_defaults(handler=_generate)


def _add_evaluate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("samples", type=Path, help=".jsonl or .jsonl.gz file, or - (stdin)")
    parser.add_argument("--source-language", choices=LANGUAGE_KEYS, default=None,
                        help="rows without source_task_id translate from this language (files "
                        "named SOURCE-to-TARGET, as CodeGeeX's, need no flag)")  # fmt: skip
    parser.add_argument("--postprocess", choices=POSTPROCESSORS, default="none",
                        help="none: judge what is written (default); codegeex: apply CodeGeeX's "
                        "stop rules and per-language cleanup to raw generations")  # fmt: skip
    parser.add_argument("--model", default=None,
                        help="the model that made the samples (leaderboard key)")  # fmt: skip
    parser.add_argument("--checkpoint", dest="checkpoint_label", default=None, metavar="LABEL",
                        help="its checkpoint (a path is published by its name)")  # fmt: skip
    parser.add_argument("--sampling", default=None, metavar="SETTINGS",
                        help="how the samples were drawn: temperature=0.8,top_p=0.95,n=200 "
                        "or a JSON file")  # fmt: skip
    parser.add_argument("--run-name", default=None,
                        help="the run's id (default: the run folder's name)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=None,
                        help="run folder for results (default: results/ and the samples file's "
                        "name, or for samples.jsonl its folder's name)")  # fmt: skip
    _add_common(parser)
    _add_sandbox(parser)
    _add_overwrite(parser)
    parser.set_defaults(handler=_evaluate)


def _add_overwrite(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the results of the run folder, made from other samples "
                        "or settings, instead of refusing")  # fmt: skip


def _add_bench(parser: argparse.ArgumentParser, runner: str) -> None:
    _add_common(parser)
    _add_runner(parser, runner)
    _add_sandbox(parser)
    parser.add_argument("--task", choices=TASK_KINDS, default="generation")
    parser.add_argument("--pairs", default="all", help='translation pairs: "all" or "python:cpp,…"')
    parser.add_argument("--out", type=Path, required=True, help="run folder")
    _add_overwrite(parser)
    parser.set_defaults(handler=_bench)


def _add_doctor(parser: argparse.ArgumentParser) -> None:
    _add_common(parser)
    _add_sandbox(parser)
    parser.add_argument("--out", type=Path, default=Path("results/doctor"), help="run folder")
    parser.set_defaults(handler=_doctor, repeat=3)


def _languages(args: argparse.Namespace) -> list[str]:
    return [lang.strip() for lang in args.languages.split(",") if lang.strip()]


def _sampling(args: argparse.Namespace) -> Sampling:
    return Sampling(
        n=args.n,
        temperature=args.temperature,
        top_p=args.top_p,
        top_k=args.top_k,
        greedy=args.greedy,
        max_new_tokens=args.max_new_tokens,
        seed=args.seed,
    )


def _shard(text: str) -> tuple[int, int]:
    """RANK/COUNT, or "env": $RANK_ID/$RANK_SIZE as MindSpore's msrun exports them."""
    if text == "env":
        if "RANK_ID" not in os.environ or "RANK_SIZE" not in os.environ:
            raise InputError("--shard env needs RANK_ID and RANK_SIZE (msrun sets them)")
        text = f"{os.environ['RANK_ID']}/{os.environ['RANK_SIZE']}"
    try:
        rank, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise InputError(f"--shard {text!r}: expected RANK/COUNT (e.g. 0/8) or env") from None
    return rank, count


def _generate(args: argparse.Namespace, kind: str | None = None) -> int:
    kind = kind or ("translation" if args.command == "translate" else "generation")
    sampling = _sampling(args)
    dataset = load_dataset(_languages(args), args.data_dir)
    tasks = shard(build_tasks(dataset, kind, _languages(args), args.pairs), *_shard(args.shard))
    runner = plugins.runner_factory(args.runner).from_args(args)
    written = generate(runner, tasks, sampling, args.out, kind, not args.no_progress)
    print(f"{args.out}: {written} new samples for {len(tasks)} tasks")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    stdin = str(args.samples) == STDIN
    if stdin and args.out is None:
        raise InputError("samples from standard input (-) need --out DIR")
    out = args.out or runfolder.default_folder(args.samples)
    dataset = load_dataset(_languages(args), args.data_dir)
    samples = read_samples(args.samples, dataset, args.source_language)
    samples = postprocess(samples, args.postprocess)
    kinds = {sample.task.source is not None for sample in samples}
    if len(kinds) > 1:
        raise InputError(f"{args.samples}: mixes generation and translation samples")
    meta = {} if stdin else read_meta(args.samples)
    sampling = parse_sampling(args.sampling) if args.sampling else meta.get("sampling")
    check_sample_count(sampling, samples)
    run = {
        "run_id": args.run_name or out.name,
        "task": "translation" if kinds.pop() else "generation",
        "model": published_model(meta.get("model"), args.model, args.checkpoint_label),
        "sampling": sampling,
        "postprocess": args.postprocess,
    }
    groups = sorted({sample.task.group for sample in samples})
    settings = {"languages": sorted(dataset.languages), "postprocess": args.postprocess,
                "dataset": dataset_provenance(dataset, groups)["digests"],
                "repeat": args.repeat}  # fmt: skip
    started = time.monotonic()
    with make_backend(args.sandbox, args.workers) as backend:
        options = EvaluationOptions(
            run_timeout_s=args.timeout,
            progress=not args.no_progress,
            cache_dir=None if args.no_cache else default_cache_dir(),
            run_timeouts=_calibration(args, dataset, backend),
            settings=settings,
            repeat=args.repeat,
        )
        if args.overwrite:
            runfolder.clear(out)
        rows = evaluate(samples, out, backend, options)
        summary = build_summary(rows, dataset, backend.describe(), run, time.monotonic() - started)
    write_summary(out / SUMMARY_FILE, summary)
    print(format_table(summary))
    print(f"{out / SUMMARY_FILE}: {len(rows)} verdicts, "
          f"{summary['unique_programs']} unique programs, {summary['wall_s']} s")  # fmt: skip
    return 0


def _calibration(args: argparse.Namespace, dataset, backend) -> dict[str, float] | None:
    """Calibrated run-time limits when --calibrate asks (cached beside the verdicts)."""
    if not args.calibrate:
        return None
    from humaneval_x.calibration import calibrated_timeouts

    return calibrated_timeouts(dataset, backend, list(dataset.languages), default_cache_dir())


# The evaluate options that bench does not take: its samples carry their provenance.
BENCH_EVALUATE = {"source_language": None, "postprocess": "none", "model": None,
                  "checkpoint_label": None, "sampling": None, "run_name": None}  # fmt: skip


def _bench(args: argparse.Namespace) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    samples = args.out / "samples.jsonl"
    generate_args = argparse.Namespace(**{**vars(args), "out": samples})
    _generate(generate_args, kind=args.task)
    return _evaluate(argparse.Namespace(**{**vars(args), **BENCH_EVALUATE, "samples": samples}))


def _doctor(args: argparse.Namespace) -> int:
    from humaneval_x.doctor import format_report, run_doctor

    dataset = load_dataset(_languages(args), args.data_dir)
    with make_backend(args.sandbox, args.workers) as backend:
        options = EvaluationOptions(
            progress=not args.no_progress,
            cache_dir=None if args.no_cache else default_cache_dir(),
            repeat=args.repeat,
        )
        report = run_doctor(dataset, backend, args.out, options)
    write_json_atomic(args.out / "doctor.json", report)
    print(format_report(report))
    return 0 if all(anomaly["known"] for anomaly in report["anomalies"]) else 1


def make_backend(name: str, workers: int | None) -> Backend:
    """The sandbox backend of a name, or auto: docker when a daemon answers, else local."""
    if workers is not None:
        check("workers", workers, COUNT)
    if name == "auto":
        name = "docker" if _available("docker") else "local"
        if name == "local":
            print("humaneval-x: no Docker daemon; using the local sandbox", file=sys.stderr)
    try:
        backend = plugins.backend_class(name)
    except ImportError as exc:
        message = f"the {name} backend is not installed in this checkout ({exc})"
        raise SandboxUnavailable(message) from exc
    return backend(workers=workers)


def _available(name: str) -> bool:
    """Whether a backend is installed and can work on this machine."""
    try:
        return plugins.backend_class(name).available()
    except (ImportError, InputError):
        return False


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
