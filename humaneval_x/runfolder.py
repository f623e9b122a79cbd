"""A run folder belongs to one set of samples and one set of settings.

`run.json` records the run's identity: a content digest of the samples, the languages loaded
and the dataset digests of the samples' languages, the post-processing, the run-time limits and
the sandbox of the samples' languages (backend, images, toolchains and limits; not the worker
count). Resuming with the same identity judges only what
is missing, sandbox errors included; anything else is refused, saying what differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from humaneval_x.errors import InputError
from humaneval_x.jsonl import read_rows, write_json_atomic, write_rows_atomic
from humaneval_x.outputs import OUTPUTS_FILE
from humaneval_x.samples import Sample, row_key
from humaneval_x.summary import SUMMARY_FILE

RUN_FILE = "run.json"
RESULTS_FILE = "results.jsonl"
SCHEMA = "humaneval-x/run/1"
RETRIED = "sandbox_error"  # says nothing about the program: judged again on resume
NAMES = {
    "samples": "samples",
    "languages": "languages (--languages)",
    "dataset": "dataset",
    "postprocess": "post-processing (--postprocess)",
    "run_timeout_s": "run-time limit (--timeout)",
    "run_timeouts_sha256": "calibrated run-time limits (--calibrate)",
    "sandbox": "sandbox",
}


def default_folder(samples: Path) -> Path:
    """results/NAME for a samples file: its name without .jsonl(.gz), or for a file named
    samples.jsonl(.gz) its folder's name."""
    name = samples.name
    for suffix in (".gz", ".jsonl", ".json"):
        name = name.removesuffix(suffix)
    if name == "samples":
        name = samples.resolve().parent.name
    return Path("results") / name


def samples_digest(samples: Sequence[Sample]) -> str:
    """The content of the samples as judged, whatever the file's format or row order."""
    content = sorted((s.task.key, s.completion_id, s.generation) for s in samples)
    return "sha256:" + hashlib.sha256(json.dumps(content).encode("utf-8")).hexdigest()


def sandbox_identity(sandbox: Mapping, languages: Collection[str]) -> dict:
    """What of backend.describe() decides the verdicts of `languages`: the backend, their image
    ids and toolchains, the limits."""
    images = {
        language: image.get("id") if isinstance(image, Mapping) else image
        for language, image in (sandbox.get("images") or {}).items()
        if language in languages
    }
    toolchains = {k: v for k, v in (sandbox.get("toolchains") or {}).items() if k in languages}
    limits = {k: v for k, v in (sandbox.get("limits") or {}).items() if k != "workers"}
    return {
        "backend": sandbox.get("backend"),
        "images": images,
        "toolchains": toolchains,
        "limits": limits,
    }


def run_identity(
    samples: Sequence[Sample],
    run_timeout_s: float | None,
    run_timeouts: Mapping[str, float] | None,
    sandbox: Mapping,
    settings: Mapping[str, object] | None = None,
) -> dict:
    """The identity of a run; `settings` adds languages, dataset digests and post-processing."""
    calibrated = None
    if run_timeouts:
        text = json.dumps(dict(run_timeouts), sort_keys=True).encode("utf-8")
        calibrated = "sha256:" + hashlib.sha256(text).hexdigest()
    return {
        "schema": SCHEMA,
        "samples": {"sha256": samples_digest(samples), "count": len(samples)},
        "run_timeout_s": run_timeout_s,
        "run_timeouts_sha256": calibrated,
        "sandbox": sandbox_identity(sandbox, {sample.task.language for sample in samples}),
        **(settings or {}),
    }


def resume(out_dir: Path, identity: dict) -> list[dict]:
    """The verdicts to keep in out_dir, after checking (or recording) the run's identity.

    Sandbox errors are dropped from results.jsonl so that they are judged again."""
    record, results = out_dir / RUN_FILE, out_dir / RESULTS_FILE
    if record.exists():
        differences = differing(_read(record), identity)
        if differences:
            raise InputError(
                f"{out_dir} holds the results of another run: {'; '.join(differences)}. "
                "Evaluate into another folder (--out DIR), or pass --overwrite to replace them"
            )
    elif results.exists() and results.stat().st_size:
        raise InputError(
            f"{out_dir} holds results without a recorded run identity ({RUN_FILE}; made by an "
            "older humaneval-x?). Evaluate into another folder (--out DIR), or pass --overwrite "
            "to replace them"
        )
    else:
        write_json_atomic(record, identity)
    rows = read_rows(results)
    latest = {row_key(row): row for row in rows}
    kept = [row for row in latest.values() if row["status"] != RETRIED]
    if len(kept) != len(rows):
        write_rows_atomic(results, kept)
    return kept


def clear(out_dir: Path) -> None:
    """Remove a run's own files (results, outputs, identity, summary); the folder's others
    stay."""
    for name in (RESULTS_FILE, OUTPUTS_FILE, RUN_FILE, SUMMARY_FILE):
        (out_dir / name).unlink(missing_ok=True)


def differing(recorded: Mapping, current: Mapping) -> list[str]:
    """What differs between two identities, as `what: recorded, now current` phrases, naming
    the innermost fields that differ (`sandbox toolchains.python: …`)."""
    found = []
    for key in [*NAMES, *sorted((set(recorded) | set(current)) - set(NAMES))]:
        for path, old, new in _leaves(recorded.get(key), current.get(key)):
            name = " ".join([NAMES.get(key, key), ".".join(path)]).strip()
            found.append(f"{name}: {_short(old)}, now {_short(new)}")
    return found


def _leaves(old: object, new: object, path: tuple[str, ...] = ()) -> list:
    """(path, old, new) of each differing value, looking into mappings on both sides."""
    if old == new:
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        keys = sorted(set(old) | set(new))
        return [leaf for k in keys for leaf in _leaves(old.get(k), new.get(k), (*path, k))]
    return [(path, old, new)]


def _short(value: object) -> str:
    """A value for a message: digests cut to 12 hex digits, nothing longer than 80 characters."""
    if value is None:
        return "none"
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    if text.startswith("sha256:"):
        return text[:19] + "…"
    return text if len(text) <= 80 else text[:77] + "…"


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        message = f"{path}: cannot read a run identity ({error}); pass --overwrite"
        raise InputError(message) from error
