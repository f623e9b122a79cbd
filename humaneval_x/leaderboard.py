"""`humaneval-x leaderboard`: a versioned JSON file with one entry per model, checkpoint and task.

The file follows schemas/leaderboard.schema.json (schema_version 1) and is validated on read
and on write. Adding a run replaces the entry with the same model, checkpoint and task.
A legacy file (schema_version 0: a bare list of rows, see LEGACY_SCHEMA) is migrated on read;
a file of a newer or unknown version is refused.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import jsonschema

from humaneval_x.errors import InputError
from humaneval_x.jsonl import write_json_atomic
from humaneval_x.leaderboard_page import write_page
from humaneval_x.metrics import average_metrics
from humaneval_x.provenance import portable
from humaneval_x.summary import read_summary, summary_path

HELP = "add runs to the leaderboard JSON and page"
SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).parent / "schemas" / "leaderboard.schema.json"
DEFAULT_OUT = Path("results/leaderboard.json")
METRIC_PREFIX = "pass@"

LEGACY_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["model", "task", "pass@k"],
        "properties": {
            "model": {"type": "string", "minLength": 1},
            "checkpoint": {"type": ["string", "null"]},
            "task": {"enum": ["generation", "translation"]},
            "n": {"type": ["integer", "null"], "minimum": 1},
            "pass@k": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
                },
            },
        },
    },
}


@cache
def schema() -> dict:
    """The JSON Schema of the current leaderboard version."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def validate(data: object, source: str, definition: str | None = None) -> None:
    """Check `data` against the schema (or one of its $defs); InputError names the field."""
    if definition is not None:
        target = {"$ref": f"#/$defs/{definition}", "$defs": schema()["$defs"]}
    else:
        target = schema()
    _check(data, target, source)


def _check(data: object, target: dict, source: str) -> None:
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(target).iter_errors(data)
    )
    if error is not None:
        raise InputError(f"{source}: {error.json_path}: {error.message}")


def empty() -> dict:
    """A leaderboard with no entries."""
    return {"schema_version": SCHEMA_VERSION, "updated": _now(), "entries": []}


def key(entry: dict) -> tuple[str, str | None, str]:
    """What identifies an entry: model, checkpoint and task."""
    return entry["model"], entry["checkpoint"], entry["task"]


def upsert(board: dict, entry: dict) -> dict:
    """The board with `entry` replacing the one of the same key in place, or appended."""
    entries = [entry if key(old) == key(entry) else old for old in board["entries"]]
    if all(key(old) != key(entry) for old in board["entries"]):
        entries.append(entry)
    return {**board, "entries": entries}


def entry_from_run(path: Path) -> dict:
    """The leaderboard entry of a run folder or summary file."""
    file = summary_path(path)
    summary, source = read_summary(file), str(file)
    model = summary.get("model") if isinstance(summary.get("model"), dict) else {}
    metrics = summary.get("metrics") or {}
    missing = [group for group in summary["groups"] if group not in metrics]
    if missing:
        raise InputError(f"{source}: field 'metrics' lacks groups {missing}")
    if not model.get("model"):
        raise InputError(
            f"{source}: field 'model.model' is missing: name the model that made the samples "
            "with `humaneval-x evaluate SAMPLES --out RUN --model NAME` (and --checkpoint, "
            "--sampling); the run resumes, judging nothing again"
        )
    entry = {
        "model": model["model"],
        "checkpoint": portable(model.get("checkpoint")),
        "checkpoint_sha256": model.get("checkpoint_sha256"),
        "runner": model.get("runner"),
        "task": summary["task"],
        "run_id": summary.get("run_id"),
        "date": summary.get("created"),
        "harness_version": summary.get("harness_version"),
        "sampling": summary.get("sampling"),
        "n": min((n for n, _ in summary["per_task"].values()), default=None),
        "dataset": summary.get("dataset"),
        "sandbox": summary.get("sandbox"),
        "postprocess": summary.get("postprocess"),
        "coverage": summary.get("coverage"),
        "groups": {group: _scores(metrics[group]) for group in summary["groups"]},
        "average": _scores(summary.get("average") or {}),
    }
    validate(entry, source, "entry")
    return entry


def _scores(metrics: dict) -> dict:
    """The pass@k values, their intervals and the coverage counts of a summary's metrics."""
    return {
        name: value
        for name, value in metrics.items()
        if name.startswith(METRIC_PREFIX) or name in ("n_tasks", "n_problems")
    }


def read(path: Path) -> dict:
    """The leaderboard at `path` (empty when the file does not exist), migrated to this version."""
    if not path.exists():
        return empty()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot read a leaderboard: {error}") from error
    board = migrate(data, str(path))
    validate(board, str(path))
    keys = [key(e) for e in board["entries"]]
    if len(set(keys)) != len(keys):
        raise InputError(f"{path}: entries repeat a (model, checkpoint, task) key")
    return board


def migrate(data: object, source: str) -> dict:
    """Bring a leaderboard of any known version to this one; refuse newer or unknown ones."""
    if isinstance(data, list):
        return _from_legacy(data, source)
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version == SCHEMA_VERSION:
        return data
    if isinstance(version, int) and not isinstance(version, bool) and version > SCHEMA_VERSION:
        raise InputError(
            f"{source}: schema_version {version} was written by a newer harness; this one reads "
            f"versions up to {SCHEMA_VERSION}: upgrade humaneval-x"
        )
    raise InputError(
        f"{source}: not a leaderboard this harness knows (schema_version {version!r}); expected "
        f"{SCHEMA_VERSION}, or a legacy list of rows"
    )


def _from_legacy(rows: list, source: str) -> dict:
    """Migrate schema_version 0 (a bare list of rows without provenance)."""
    _check(rows, LEGACY_SCHEMA, f"{source} (legacy schema_version 0)")
    board = empty()
    for row in rows:
        board = upsert(board, _legacy_entry(row))
    return board


def _legacy_entry(row: dict) -> dict:
    groups = {group: _scores(values) for group, values in row["pass@k"].items()}
    return {
        "model": row["model"],
        "checkpoint": row.get("checkpoint"),
        "task": row["task"],
        "run_id": None,
        "date": None,
        "harness_version": None,
        "sampling": None,
        "n": row.get("n"),
        "dataset": None,
        "sandbox": None,
        "groups": groups,
        "average": average_metrics(groups),
        "migrated_from": 0,
    }


def write(board: dict, path: Path) -> None:
    """Validate `board` and write it to `path` atomically, stamping the update time."""
    board = {**board, "updated": _now()}
    validate(board, str(path))
    write_json_atomic(path, board)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `humaneval-x leaderboard`."""
    parser.add_argument(
        "runs",
        nargs="*",
        type=Path,
        metavar="RUN",
        help="run folders (with summary.json) or summary files to add or update",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="leaderboard JSON, read and rewritten (default: %(default)s)",
    )
    parser.add_argument("--html", type=Path, help="also write the leaderboard page here")


def main(args: argparse.Namespace) -> int:
    """Upsert the runs into the leaderboard and write it; render the page when asked. 0 if done."""
    if not args.runs and args.html is None:
        raise InputError("leaderboard needs runs to add, --html, or both")
    board = read(args.out)
    if args.runs:
        for path in args.runs:
            board = upsert(board, entry_from_run(path))
        write(board, args.out)
        print(f"wrote {args.out} ({len(board['entries'])} entries)")
    if args.html is not None:
        write_page(board, args.html)
        print(f"wrote {args.html}")
    return 0
