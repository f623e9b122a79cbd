"""Reading samples files: accepted formats and bad input."""

from __future__ import annotations

import gzip
import io
import json
from types import SimpleNamespace

import pytest

from humaneval_x.errors import InputError
from humaneval_x.samples import read_samples


def _write(tmp_path, rows: list) -> object:
    path = tmp_path / "samples.jsonl"
    path.write_bytes(b"".join(r if isinstance(r, bytes) else (json.dumps(r) + "\n").encode()
                              for r in rows))  # fmt: skip
    return path


def test_accepts_codegeex_human_eval_and_translation_rows(tmp_path, dataset):
    path = _write(tmp_path, [
        {"task_id": "Python/0", "generation": "a"},
        {"task_id": "Python/0", "completion": "b"},
        {"task_id": "CPP/1", "completion_id": 7, "generation": "c"},
        {"task_id": "CPP/1", "source_task_id": "Java/1", "completion_id": 0, "generation": "d"},
    ])  # fmt: skip
    samples = read_samples(path, dataset)
    assert [(s.task.key, s.completion_id, s.generation) for s in samples] == [
        ("Python/0", 0, "a"),
        ("Python/0", 1, "b"),
        ("CPP/1", 7, "c"),
        ("Java/1->CPP/1", 0, "d"),
    ]
    assert samples[3].task.context == dataset.problem("CPP/1").declaration


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (b'{"task_id": "Python/0", "generation": \n', "line 2: malformed JSON"),
        (b"\xc3\x28\n", "line 2: not valid UTF-8"),
        ({"task_id": "Python/999", "generation": "x"}, "line 2: field 'task_id': unknown task id"),
        ({"task_id": "Cobol/1", "generation": "x"}, "line 2: field 'task_id': unknown task id"),
        ({"task_id": "Python/1"}, "line 2: field 'generation' (or 'completion') is missing"),
        ({"generation": "x"}, "line 2: field 'task_id' is missing"),
        (
            {"task_id": "Python/0", "generation": "x", "completion_id": 0},
            "line 2: field 'completion_id' 0 repeats",
        ),
        (
            {"task_id": "Python/1", "generation": "x", "completion_id": -1},
            "line 2: field 'completion_id' must be",
        ),
        (
            {"task_id": "CPP/1", "source_task_id": "CPP/1", "generation": "x"},
            "line 2: field 'source_task_id' is in the same language",
        ),
        ([1, 2], "line 2: expected a JSON object"),
    ],
)
def test_bad_input_names_file_line_and_field(tmp_path, dataset, row, message):
    path = _write(tmp_path, [{"task_id": "Python/0", "completion_id": 0, "generation": "ok"}, row])
    with pytest.raises(InputError) as error:
        read_samples(path, dataset)
    assert str(error.value).startswith(str(path) + ", line 2: ")
    assert message in str(error.value)


def test_empty_and_missing_files(tmp_path, dataset):
    with pytest.raises(InputError, match="no such samples file"):
        read_samples(tmp_path / "absent.jsonl", dataset)
    with pytest.raises(InputError, match="no samples"):
        read_samples(_write(tmp_path, []), dataset)


def _lines(rows: list[dict]) -> bytes:
    return b"".join((json.dumps(row) + "\n").encode() for row in rows)


ROWS = [{"task_id": "Python/0", "generation": "a"}, {"task_id": "Python/1", "completion": "b"}]


@pytest.mark.parametrize("name", ["samples.jsonl.gz", "samples.jsonl"])
def test_gzipped_files_are_read_whatever_their_name(tmp_path, dataset, name):
    path = tmp_path / name
    path.write_bytes(gzip.compress(_lines(ROWS)))
    samples = read_samples(path, dataset)
    assert [(s.task.key, s.generation) for s in samples] == [("Python/0", "a"), ("Python/1", "b")]


@pytest.mark.parametrize("compress", [False, True])
def test_standard_input(monkeypatch, dataset, compress):
    data = _lines(ROWS)
    stdin = io.BufferedReader(io.BytesIO(gzip.compress(data) if compress else data))
    monkeypatch.setattr("sys.stdin", SimpleNamespace(buffer=stdin))
    assert [s.task.key for s in read_samples("-", dataset)] == ["Python/0", "Python/1"]


def test_broken_gzip_names_the_file(tmp_path, dataset):
    path = tmp_path / "samples.jsonl.gz"
    path.write_bytes(gzip.compress(_lines(ROWS * 50))[:-30])
    with pytest.raises(InputError, match=rf"{path}, line \d+: broken gzip data"):
        read_samples(path, dataset)


def test_a_row_with_both_text_fields_is_refused(tmp_path, dataset):
    path = _write(
        tmp_path, [ROWS[0], {"task_id": "Python/1", "generation": "x", "completion": "x"}]
    )
    with pytest.raises(InputError, match="line 2: fields 'generation' and 'completion' are both"):
        read_samples(path, dataset)


def test_human_eval_task_ids_are_the_python_problems(tmp_path, dataset):
    path = _write(tmp_path, [{"task_id": "HumanEval/7", "completion": "x"}])
    assert read_samples(path, dataset)[0].task.key == "Python/7"


def test_codegeex_translation_files_are_named_source_to_target(tmp_path, dataset):
    path = tmp_path / "codegeex-13b_python-to-cpp_samples.jsonl.gz"
    rows = [{"task_id": "Python/3", "generation": "a"}, {"task_id": "CPP/4", "generation": "b"}]
    path.write_bytes(gzip.compress(_lines(rows)))
    samples = read_samples(path, dataset)
    assert [s.task.key for s in samples] == ["Python/3->CPP/3", "Python/4->CPP/4"]
    assert samples[0].task.context == dataset.problem("CPP/3").declaration
    js = tmp_path / "java-to-javascript.jsonl"
    js.write_bytes(_lines([{"task_id": "Java/5", "generation": "c"}]))
    assert read_samples(js, dataset)[0].task.key == "Java/5->JavaScript/5"


def test_translation_rows_in_neither_language_of_the_name_are_refused(tmp_path, dataset):
    path = tmp_path / "python-to-cpp.jsonl"
    path.write_bytes(_lines([{"task_id": "Go/1", "generation": "x"}]))
    with pytest.raises(InputError, match="line 1: field 'task_id' 'Go/1' is in neither language"):
        read_samples(path, dataset)


def test_a_to_name_without_languages_is_refused(tmp_path, dataset):
    path = tmp_path / "back-to-back.jsonl"
    path.write_bytes(_lines(ROWS))
    with pytest.raises(InputError, match="no SOURCE-to-TARGET languages.*--source-language"):
        read_samples(path, dataset)


def test_source_language_makes_rows_translations_into_their_task(tmp_path, dataset):
    path = _write(tmp_path, [{"task_id": "CPP/1", "generation": "x"}])
    assert read_samples(path, dataset, "java")[0].task.key == "Java/1->CPP/1"
    assert read_samples(path, dataset)[0].task.key == "CPP/1"
    with pytest.raises(InputError, match="same language"):
        read_samples(path, dataset, "cpp")
