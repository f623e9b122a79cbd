"""Loading and validating the HumanEval-X problems (Hugging Face hub or local jsonl files)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from humaneval_x import hub
from humaneval_x.errors import InputError
from humaneval_x.hub import DATA_ENV, HUB_DATASET
from humaneval_x.languages import LANGUAGE_KEYS, get_language
from humaneval_x.problem import Problem

LOCAL_SOURCE = "local files"  # the folder itself is this machine's business, not provenance
REQUIRED_FIELDS = ("task_id", "prompt", "declaration", "canonical_solution", "test")
GO_FIELDS = ("import", "test_setup")


@dataclass(frozen=True)
class Dataset:
    """The problems of the loaded languages, where they came from ("local files" or the hub's
    address: never a local path) and a content digest per language."""

    problems: dict[str, dict[str, Problem]]
    source: str
    digests: dict[str, str]

    def problem(self, task_id: str) -> Problem:
        """Look a task id up in whichever language holds it."""
        for by_id in self.problems.values():
            if task_id in by_id:
                return by_id[task_id]
        raise KeyError(task_id)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.problems)


def check_languages(languages: Iterable[str]) -> tuple[str, ...]:
    """Validate language keys, keeping the given order."""
    chosen = tuple(languages)
    unknown = [lang for lang in chosen if lang not in LANGUAGE_KEYS]
    if unknown:
        raise InputError(f"unknown language {unknown[0]!r}; known: {', '.join(LANGUAGE_KEYS)}")
    return chosen


def load_dataset(
    languages: Iterable[str] = LANGUAGE_KEYS, data_dir: str | os.PathLike | None = None
) -> Dataset:
    """Load problems from `data_dir`, else $HUMANEVAL_X_DATA, else the Hugging Face hub."""
    chosen = check_languages(languages)
    directory = data_dir or os.environ.get(DATA_ENV)
    if directory:
        if not Path(directory).is_dir():
            raise InputError(f"{directory}: no such folder (from --data-dir or {DATA_ENV})")
        rows = {lang: _local_rows(Path(directory), lang) for lang in chosen}
        source = LOCAL_SOURCE
    else:
        hub.prepare()
        rows = {lang: hub.rows(lang) for lang in chosen}
        source = f"hf://{HUB_DATASET}"
    problems = {lang: _problems(lang, rows[lang]) for lang in chosen}
    digests = {lang: _digest(by_id.values()) for lang, by_id in problems.items()}
    return Dataset(problems=problems, source=source, digests=digests)


def _local_file(directory: Path, language: str) -> Path:
    for name in (f"humaneval_{language}.jsonl.gz", f"humaneval_{language}.jsonl"):
        if (directory / name).is_file():
            return directory / name
    raise InputError(f"{directory}: no humaneval_{language}.jsonl(.gz) in this directory")


def _local_rows(directory: Path, language: str) -> Iterator[tuple[str, int, dict]]:
    path = _local_file(directory, language)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if raw.strip():
                yield str(path), line_no, parse_json_line(raw, str(path), line_no)


def parse_json_line(raw: bytes, path: str, line_no: int) -> dict:
    """Decode one JSON-lines row or raise an error naming the file and line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}, line {line_no}: not valid UTF-8 ({exc.reason})") from exc
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}, line {line_no}: malformed JSON ({exc.msg})") from exc
    if not isinstance(row, dict):
        raise InputError(f"{path}, line {line_no}: expected a JSON object")
    return row


def _problems(language: str, rows: Iterable[tuple[str, int, dict]]) -> dict[str, Problem]:
    prefix = get_language(language).task_prefix
    required = REQUIRED_FIELDS + (GO_FIELDS if language == "go" else ())
    problems: dict[str, Problem] = {}
    for path, line_no, row in rows:
        for name in required:
            if not isinstance(row.get(name), str):
                raise InputError(
                    f"{path}, line {line_no}: field {name!r} is missing or not a string"
                )
        task_id = row["task_id"]
        if not task_id.startswith(prefix + "/") or not task_id.split("/")[1].isdigit():
            raise InputError(
                f"{path}, line {line_no}: field 'task_id' {task_id!r} is not {prefix}/N"
            )
        if task_id in problems:
            raise InputError(f"{path}, line {line_no}: field 'task_id' {task_id!r} appears twice")
        problems[task_id] = Problem(
            task_id=task_id,
            language=language,
            prompt=row["prompt"],
            declaration=row["declaration"],
            canonical_solution=row["canonical_solution"],
            test=row["test"],
            example_test=row.get("example_test") or "",
            extra={name: row[name] for name in GO_FIELDS if isinstance(row.get(name), str)},
        )
    if not problems:
        raise InputError(f"no problems found for {language}")
    return dict(sorted(problems.items(), key=lambda item: item[1].number))


def _digest(problems: Iterable[Problem]) -> str:
    """The content digest of one language's problems: the same wherever the files are."""
    sha = hashlib.sha256()
    for problem in problems:
        payload = json.dumps(problem.__dict__, sort_keys=True, ensure_ascii=False)
        sha.update(payload.encode("utf-8"))
    return "sha256:" + sha.hexdigest()
