"""Who made a run's samples, as published: model name, checkpoint label, sampling settings.

Samples generated here carry them (generation.json); samples made elsewhere get them from
`evaluate --model NAME [--checkpoint LABEL] [--sampling SETTINGS]`. Published values are
names, never local paths: a checkpoint given as a path is published by its file name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePath

from humaneval_x.errors import InputError
from humaneval_x.ranges import COUNT, FRACTION, INDEX, NON_NEGATIVE, Range, check
from humaneval_x.samples import Sample

EXTERNAL = "external"  # the runner of samples made elsewhere
SAMPLING_RANGES: dict[str, Range] = {
    "n": COUNT, "temperature": NON_NEGATIVE, "top_p": FRACTION, "top_k": INDEX,
    "max_new_tokens": COUNT, "seed": INDEX,
}  # fmt: skip


def portable(label: str | None) -> str | None:
    """A label without a local path: the last part of a path, the label itself otherwise."""
    if label and ("/" in label or "\\" in label):
        return PurePath(label.replace("\\", "/").rstrip("/")).name
    return label


def parse_sampling(text: str) -> dict:
    """`temperature=0.8,top_p=0.95,n=200`, or a JSON file holding such an object; the known
    settings are checked (n, temperature, top_p, top_k, max_new_tokens, seed, greedy)."""
    if text.endswith(".json"):
        try:
            settings = json.loads(Path(text).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise InputError(f"--sampling {text}: cannot read a JSON object ({error})") from error
        if not isinstance(settings, dict):
            raise InputError(f"--sampling {text}: expected a JSON object of settings")
    else:
        settings = dict(_setting(item) for item in text.split(",") if item.strip())
    for name, value in settings.items():
        if name in SAMPLING_RANGES:
            check(f"--sampling {name}", value, SAMPLING_RANGES[name])
        elif name == "greedy" and not isinstance(value, bool):
            raise InputError(f"--sampling greedy must be true or false, got {value!r}")
    return settings


def _setting(item: str) -> tuple[str, object]:
    name, equals, value = item.partition("=")
    if not equals or not name.strip():
        raise InputError(f"--sampling {item.strip()!r}: expected NAME=VALUE, e.g. top_p=0.95")
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = value.strip()
    return name.strip(), parsed


def published_model(recorded: dict | None, name: str | None, checkpoint: str | None) -> dict | None:
    """The model of a run: what generation recorded, with the names given on the command line
    in place of its own; None when neither says anything."""
    if recorded is None and name is None:
        return None
    model = dict(recorded or {"runner": EXTERNAL, "model": None, "checkpoint": None})
    if name is not None:
        model["model"] = name
    if checkpoint is not None:
        model["checkpoint"] = checkpoint
    model["checkpoint"] = portable(model.get("checkpoint"))
    return model


def check_sample_count(sampling: dict | None, samples: Sequence[Sample]) -> None:
    """Refuse sampling settings whose n is below the samples a problem has."""
    if not sampling or "n" not in sampling:
        return
    counts: dict[str, int] = {}
    for sample in samples:
        counts[sample.task.key] = counts.get(sample.task.key, 0) + 1
    most = max(counts.values())
    if most > sampling["n"]:
        raise InputError(f"--sampling n={sampling['n']}, but a problem has {most} samples")
