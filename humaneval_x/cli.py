"""The `humaneval-x` command: samples from a model, verdicts from a sandbox, pass@k and more."""

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
from humaneval_x.data import Dataset, load_dataset
from humaneval_x.errors import InputError
from humaneval_x.evaluate import EvaluationOptions, evaluate
from humaneval_x.generate import generate, parse_shard, read_meta, shard
from humaneval_x.jsonl import write_json_atomic
from humaneval_x.languages import LANGUAGE_KEYS
from humaneval_x.plugins import make_backend
from humaneval_x.postprocess import POSTPROCESSORS, postprocess
from humaneval_x.provenance import check_sample_count, parse_sampling, published_model
from humaneval_x.ranges import COUNT, FRACTION, INDEX, NON_NEGATIVE, REPEATS, SECONDS, argument
from humaneval_x.runner import Sampling
from humaneval_x.samples import STDIN, read_samples
from humaneval_x.selection import parse_selection
from humaneval_x.summary import (
    SUMMARY_FILE,
    build_summary,
    dataset_provenance,
    format_table,
    write_summary,
)
from humaneval_x.tasks import TASK_KINDS, Task, build_tasks, generation_tasks
from sandboxes.backend import Backend, SandboxUnavailable

# The harness's commands that live in a module of their own, as plug-in commands do.
MODULE_COMMANDS = {
    "show": "humaneval_x.show",
    "compare": "humaneval_x.compare",
    "leaderboard": "humaneval_x.leaderboard",
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if getattr(args, "ray_address", None):  # the Ray backend's one setting: $RAY_ADDRESS
        os.environ["RAY_ADDRESS"] = args.ray_address
    try:
        return args.handler(args)
    except (InputError, SandboxUnavailable) as exc:
        print(f"humaneval-x: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader of the output went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # a file that cannot be read or written: one line naming it
        if exc.filename is None:
            raise
        print(f"humaneval-x: error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("humaneval-x: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


class Parser(argparse.ArgumentParser):
    """Usage errors as one line and exit code 2 (subcommands' parsers are of this class too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(argv: list[str] | None) -> argparse.ArgumentParser:
    names = ["generate", "translate", "evaluate", "bench", "doctor", *MODULE_COMMANDS]
    names += plugins.names(plugins.COMMANDS)
    description = f"{__doc__.splitlines()[0]} Commands: {', '.join(names)}."
    parser = Parser(prog="humaneval-x", description=description)
    commands = parser.add_subparsers(dest="command", required=True)
    words = sys.argv[1:] if argv is None else argv
    _add_generate(commands.add_parser("generate", help="code generation samples"), words, False)
    _add_generate(commands.add_parser("translate", help="code translation samples"), words, True)
    _add_evaluate(commands.add_parser("evaluate", help="judge samples in a sandbox"))
    _add_bench(commands.add_parser("bench", help="generate then evaluate"), words)
    _add_doctor(commands.add_parser("doctor", help="self-check the data and the sandbox"))
    _add_module_commands(commands, argv)
    return parser


def _chosen_runner(words: list[str]) -> str | None:
    """The --runner value, read early so that runner's own options can be added."""
    for index, word in enumerate(words):
        if word == "--runner" and index + 1 < len(words):
            return words[index + 1]
        if word.startswith("--runner="):
            return word.split("=", 1)[1]
    return None


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


def _add_common(parser: argparse.ArgumentParser, selection: bool = True) -> None:
    parser.add_argument("--languages", default=",".join(LANGUAGE_KEYS),
                        help="comma-separated language keys (default: all six)")  # fmt: skip
    parser.add_argument("--data-dir", default=None,
                        help="folder of humaneval_<lang>.jsonl(.gz) (default: $HUMANEVAL_X_DATA, "
                        "else the Hugging Face hub)")  # fmt: skip
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    if selection:
        parser.add_argument("--limit", type=argument(COUNT), default=None, metavar="N",
                            help="only the first N problems of each language")  # fmt: skip
        parser.add_argument("--task-ids", default=None, metavar="IDS",
                            help="only these problems: task ids (Python/0) or translation keys "
                            "(Python/0->CPP/0), comma-separated")  # fmt: skip


def _add_sandbox(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sandbox", choices=("auto", *plugins.names(plugins.BACKENDS)),
                        default="auto",
                        help="where programs run (auto: docker when a daemon answers)")  # fmt: skip
    parser.add_argument("--workers", type=argument(COUNT), default=None,
                        help="parallel jobs (default: cores; --sandbox ray: per node)")  # fmt: skip
    parser.add_argument("--ray-address", default=None, metavar="ADDRESS",
                        help="--sandbox ray: the cluster (default: $RAY_ADDRESS, "
                        "else auto)")  # fmt: skip
    parser.add_argument("--no-cache", action="store_true",
                        help="run every program, also those judged before")  # fmt: skip
    parser.add_argument("--timeout", type=argument(SECONDS), default=None, metavar="S",
                        help="one run-time limit in seconds for every program (default: "
                        "calibrated limits, see --calibrate)")  # fmt: skip
    parser.add_argument("--calibrate", action=argparse.BooleanOptionalAction, default=True,
                        help="per-problem run-time limits: 3 s + 10 times the canonical "
                        "solution's run time on this machine and sandbox, measured once, "
                        "cached (default); --no-calibrate: each language's own limit")  # fmt: skip
    parser.add_argument("--repeat", type=argument(REPEATS), default=1, metavar="K",
                        help="run each program K times; differing verdicts make a sample flaky "
                        "(never passed)")  # fmt: skip


def _add_runner(parser: argparse.ArgumentParser, words: list[str]) -> None:
    runners = plugins.names(plugins.RUNNERS)
    parser.add_argument("--runner", choices=runners, default="reference",
                        help="the model (default reference: the canonical solutions)")  # fmt: skip
    parser.add_argument("--n", type=argument(COUNT), default=1,
                        help="samples per task (default 1)")  # fmt: skip
    parser.add_argument("--temperature", type=argument(NON_NEGATIVE), default=0.8,
                        help="sampling temperature (default 0.8)")  # fmt: skip
    parser.add_argument("--top-p", type=argument(FRACTION), default=0.95,
                        help="nucleus sampling: the smallest set of tokens holding this "
                        "probability (default 0.95; 1 turns it off)")  # fmt: skip
    parser.add_argument("--top-k", type=argument(INDEX), default=0,
                        help="sample among the k most likely tokens (default 0: off)")  # fmt: skip
    parser.add_argument("--greedy", action="store_true",
                        help="always the most likely token (ignores the three above)")  # fmt: skip
    parser.add_argument("--max-new-tokens", type=argument(COUNT), default=1024,
                        help="length cap of a completion in tokens (default 1024)")  # fmt: skip
    parser.add_argument("--seed", type=argument(INDEX), default=42,
                        help="seed of the samples of every task (default 42)")  # fmt: skip
    parser.add_argument("--shard", default="0/1",
                        help="RANK/COUNT: this worker's share of the tasks (every COUNT-th task "
                        "of the full list from RANK), or env for $RANK_ID/$RANK_SIZE")  # fmt: skip
    plugins.add_runner_options(parser, _chosen_runner(words), bool({"-h", "--help"} & set(words)))


def _add_pairs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pairs", default="all",
                        help='translation pairs: "all" (every ordered pair of --languages) or '
                        '"python:cpp,…"')  # fmt: skip


def _add_generate(parser: argparse.ArgumentParser, words: list[str], pairs: bool) -> None:
    _add_common(parser)
    _add_runner(parser, words)
    if pairs:
        _add_pairs(parser)
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


def _add_bench(parser: argparse.ArgumentParser, words: list[str]) -> None:
    _add_common(parser)
    _add_runner(parser, words)
    _add_sandbox(parser)
    parser.add_argument("--task", choices=TASK_KINDS, default="generation",
                        help="generation (default), or translation over --pairs")  # fmt: skip
    _add_pairs(parser)
    parser.add_argument("--out", type=Path, required=True, help="run folder")
    _add_overwrite(parser)
    parser.set_defaults(handler=_bench)


def _add_doctor(parser: argparse.ArgumentParser) -> None:
    _add_common(parser, selection=False)
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


def _check_out(path: Path, folder: bool) -> None:
    """--out: a folder (or a file) where one is expected, or a path that can be created."""
    if path.exists() and path.is_dir() != folder:
        wanted = "a run folder" if folder else "the samples file to append to (…/samples.jsonl)"
        raise InputError(f"--out {path}: is a {'file' if folder else 'folder'}; give {wanted}")
    parent = next(parent for parent in path.parents if parent.exists())
    if not parent.is_dir():
        raise InputError(f"--out {path}: {parent} is a file, not a folder")


def _generate(args: argparse.Namespace, kind: str | None = None) -> int:
    kind = kind or ("translation" if args.command == "translate" else "generation")
    _check_out(args.out, folder=False)
    sampling = _sampling(args)
    dataset = load_dataset(_languages(args), args.data_dir)
    pairs = args.pairs if kind == "translation" else "all"
    selection = parse_selection(args.limit, args.task_ids, dataset)
    tasks = [task for task in build_tasks(dataset, kind, _languages(args), pairs)
             if selection.keeps(task)]  # fmt: skip
    tasks = shard(tasks, *parse_shard(args.shard))
    runner = plugins.runner_factory(args.runner).from_args(args)
    written = generate(runner, tasks, sampling, args.out, kind, not args.no_progress)
    print(f"{args.out}: {written} new samples for {len(tasks)} tasks")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    stdin = str(args.samples) == STDIN
    if stdin and args.out is None:
        raise InputError("samples from standard input (-) need --out DIR")
    out = args.out or runfolder.default_folder(args.samples)
    _check_out(out, folder=True)
    dataset = load_dataset(_languages(args), args.data_dir)
    selection = parse_selection(args.limit, args.task_ids, dataset)
    samples = [sample for sample in read_samples(args.samples, dataset, args.source_language)
               if selection.keeps(sample.task)]  # fmt: skip
    if not samples:
        raise InputError(f"{args.samples}: no sample is of the problems --limit/--task-ids keep")
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
            run_timeouts=_calibration(args, dataset, backend, [s.task for s in samples]),
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


def _calibration(
    args: argparse.Namespace, dataset: Dataset, backend: Backend, tasks: list[Task]
) -> dict[str, float] | None:
    """The calibrated run-time limits of the tasks' problems, unless --timeout or
    --no-calibrate (measured once, then read from beside the verdict cache)."""
    if args.timeout is not None or not args.calibrate:
        return None
    from humaneval_x.calibration import calibrated_timeouts

    task_ids = {task.task_id for task in tasks}
    languages = [lang for lang in dataset.languages if any(t.language == lang for t in tasks)]
    return calibrated_timeouts(dataset, backend, languages, default_cache_dir(), task_ids,
                               progress=not args.no_progress)  # fmt: skip


# The evaluate options that bench does not take: its samples carry their provenance.
BENCH_EVALUATE = {"source_language": None, "postprocess": "none", "model": None,
                  "checkpoint_label": None, "sampling": None, "run_name": None}  # fmt: skip


def _bench(args: argparse.Namespace) -> int:
    _check_out(args.out, folder=True)
    args.out.mkdir(parents=True, exist_ok=True)
    samples = args.out / "samples.jsonl"
    generate_args = argparse.Namespace(**{**vars(args), "out": samples})
    _generate(generate_args, kind=args.task)
    return _evaluate(argparse.Namespace(**{**vars(args), **BENCH_EVALUATE, "samples": samples}))


def _doctor(args: argparse.Namespace) -> int:
    from humaneval_x.doctor import format_report, run_doctor

    _check_out(args.out, folder=True)
    dataset = load_dataset(_languages(args), args.data_dir)
    with make_backend(args.sandbox, args.workers) as backend:
        options = EvaluationOptions(
            run_timeout_s=args.timeout,
            progress=not args.no_progress,
            cache_dir=None if args.no_cache else default_cache_dir(),
            run_timeouts=_calibration(
                args, dataset, backend, generation_tasks(dataset, dataset.languages)
            ),
            repeat=args.repeat,
        )
        report = run_doctor(dataset, backend, args.out, options)
    write_json_atomic(args.out / "doctor.json", report)
    print(format_report(report))
    return 0 if all(anomaly["known"] for anomaly in report["anomalies"]) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
