"""Reading and writing samples files: the completions a runner produced, one per line.

Accepted: `.jsonl`, gzipped `.jsonl.gz` (by content, whatever the name) and `-` for standard
input; CodeGeeX rows (`generation`), human-eval rows (`completion`, `HumanEval/N` ids meaning
`Python/N`) and this harness's rows. A row without `source_task_id` is a translation sample when
a source language is given, or when the file is named the CodeGeeX way (`SOURCE-to-TARGET`,
e.g. `python-to-cpp`): then, as CodeGeeX's translation files do, its `task_id` may name the
source problem, and the target is the problem of the same number in the target language.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import sys
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from humaneval_x.data import Dataset, parse_json_line
from humaneval_x.errors import InputError
from humaneval_x.languages import LANGUAGE_KEYS, get_language
from humaneval_x.problem import Problem
from humaneval_x.prompts import generation_prompt, translation_prompt
from humaneval_x.tasks import Task, task_key

STDIN = "-"
GZIP_MAGIC = b"\x1f\x8b"
TEXT_FIELDS = ("generation", "completion")
HUMAN_EVAL_PREFIX = "HumanEval/"  # human-eval's ids for the Python problems
# Names of the languages in CodeGeeX's translation file names, longest first.
NAME_LANGUAGES = {"javascript": "js", "python": "python", "c++": "cpp", "java": "java",
                  "rust": "rust", "cpp": "cpp", "js": "js", "go": "go"}  # fmt: skip
_NAME = "|".join(re.escape(name) for name in NAME_LANGUAGES)
PAIR_IN_NAME = re.compile(rf"(?<![a-z])({_NAME})-to-({_NAME})(?![a-z])")


@dataclass(frozen=True)
class Sample:
    """One completion of one task."""

    task: Task
    completion_id: int
    generation: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.task.key, self.completion_id)


@dataclass(frozen=True)
class Translation:
    """How rows without a source_task_id are read: translations from `source` into `target`
    (None: the row's task_id names the target)."""

    source: str
    target: str | None


def translation_of(path: str | os.PathLike, source_language: str | None) -> Translation | None:
    """Translation from `source_language`, or the pair a CodeGeeX file name gives, or None."""
    if source_language is not None:
        if source_language not in LANGUAGE_KEYS:
            known = ", ".join(LANGUAGE_KEYS)
            raise InputError(f"unknown source language {source_language!r}; known: {known}")
        return Translation(source_language, None)
    name = Path(path).name.lower()
    if "-to-" not in name:
        return None
    found = PAIR_IN_NAME.search(name)
    if found is None:
        raise InputError(
            f"{path}: the name has '-to-', which marks a CodeGeeX translation file, but no "
            "SOURCE-to-TARGET languages (e.g. python-to-cpp); rename the file, or pass "
            "--source-language"
        )
    return Translation(NAME_LANGUAGES[found.group(1)], NAME_LANGUAGES[found.group(2)])


def read_samples(
    path: str | os.PathLike, dataset: Dataset, source_language: str | None = None
) -> list[Sample]:
    """Parse and validate every row first, so bad input fails before any output is written."""
    translation = translation_of(path, source_language)
    next_id: dict[str, int] = defaultdict(int)
    samples, seen = [], set()
    for line_no, raw in _lines(path):
        if not raw.strip():
            continue
        row = parse_json_line(raw, str(path), line_no)
        sample = _sample(row, dataset, f"{path}, line {line_no}", next_id, translation)
        if sample.key in seen:
            raise InputError(
                f"{path}, line {line_no}: field 'completion_id' {sample.completion_id} repeats "
                f"for {sample.task.key}"
            )
        seen.add(sample.key)
        samples.append(sample)
    if not samples:
        raise InputError(f"{path}: no samples")
    return samples


def _lines(path: str | os.PathLike) -> Iterator[tuple[int, bytes]]:
    """Numbered lines of a file or of standard input, gunzipped when gzipped."""
    if str(path) == STDIN:
        yield from _decoded(str(path), sys.stdin.buffer)
        return
    if not Path(path).is_file():
        raise InputError(f"{path}: no such samples file")
    with open(path, "rb") as handle:
        yield from _decoded(str(path), handle)


def _decoded(name: str, handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    buffered = handle if isinstance(handle, io.BufferedReader) else io.BufferedReader(handle)
    stream = gzip.GzipFile(fileobj=buffered) if buffered.peek(2)[:2] == GZIP_MAGIC else buffered
    line_no = 0
    try:
        for line_no, raw in enumerate(stream, start=1):  # noqa: B007 - named in errors
            yield line_no, raw
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(f"{name}, line {line_no + 1}: broken gzip data ({error})") from error


def _sample(
    row: dict,
    dataset: Dataset,
    where: str,
    next_id: dict[str, int],
    translation: Translation | None,
) -> Sample:
    task = task_of_row(row, dataset, where, translation)
    present = [field for field in TEXT_FIELDS if field in row]
    if len(present) > 1:
        raise InputError(
            f"{where}: fields 'generation' and 'completion' are both present; keep one"
        )
    generation = row.get(present[0]) if present else None
    if not isinstance(generation, str):
        raise InputError(
            f"{where}: field 'generation' (or 'completion') is missing or not a string"
        )
    completion_id = row.get("completion_id")
    if completion_id is None:
        completion_id = next_id[task.key]
    elif not isinstance(completion_id, int) or isinstance(completion_id, bool) or completion_id < 0:
        raise InputError(f"{where}: field 'completion_id' must be a non-negative integer")
    next_id[task.key] = max(next_id[task.key], completion_id + 1)
    return Sample(task, completion_id, generation)


def task_of_row(
    row: dict, dataset: Dataset, where: str, translation: Translation | None = None
) -> Task:
    """The task a sample row answers, checked against the loaded dataset."""
    target = _problem(row, "task_id", dataset, where)
    if row.get("source_task_id") is not None:
        source = _problem(row, "source_task_id", dataset, where)
    elif translation is None:
        return Task(target, None, generation_prompt(target))
    else:
        target, source = _pair(target, translation, dataset, where)
    if source.language == target.language:
        raise InputError(f"{where}: field 'source_task_id' is in the same language as 'task_id'")
    return Task(target, source, translation_prompt(source, target))


def _pair(
    problem: Problem, translation: Translation, dataset: Dataset, where: str
) -> tuple[Problem, Problem]:
    """(target, source) of a translation row without source_task_id."""
    if translation.target in (None, problem.language):  # the row names the target
        target, source_language = problem, translation.source
    elif problem.language == translation.source:  # CodeGeeX's rows name the source problem
        target, source_language = (
            _numbered(problem, translation.target, dataset, where),
            problem.language,
        )
    else:
        raise InputError(
            f"{where}: field 'task_id' {problem.task_id!r} is in neither language of the "
            f"file's {translation.source}-to-{translation.target}"
        )
    return target, _numbered(target, source_language, dataset, where)


def _numbered(problem: Problem, language: str, dataset: Dataset, where: str) -> Problem:
    """The problem of the same number as `problem` in `language`."""
    task_id = f"{get_language(language).task_prefix}/{problem.number}"
    return _lookup(task_id, "task_id", dataset, where)


def _problem(row: dict, field: str, dataset: Dataset, where: str) -> Problem:
    task_id = row.get(field)
    if not isinstance(task_id, str):
        raise InputError(f"{where}: field {field!r} is missing or not a string")
    if task_id.startswith(HUMAN_EVAL_PREFIX):
        task_id = "Python/" + task_id.removeprefix(HUMAN_EVAL_PREFIX)
    return _lookup(task_id, field, dataset, where)


def _lookup(task_id: str, field: str, dataset: Dataset, where: str) -> Problem:
    try:
        return dataset.problem(task_id)
    except KeyError:
        loaded = ", ".join(dataset.languages)
        raise InputError(
            f"{where}: field {field!r}: unknown task id {task_id!r} (loaded languages: {loaded})"
        ) from None


def sample_row(task: Task, completion_id: int, generation: str, finish: str) -> dict:
    """The samples.jsonl row of one completion."""
    row = {"task_id": task.task_id, "completion_id": completion_id, "generation": generation}
    if task.source_task_id:
        row["source_task_id"] = task.source_task_id
    row["finish"] = finish
    return row


def row_key(row: dict) -> tuple[str, int]:
    """The (task key, completion id) of a samples or results row we wrote ourselves."""
    return (task_key(row["task_id"], row.get("source_task_id")), row["completion_id"])
