"""Reading samples files: accepted formats and bad input."""

from __future__ import annotations

import json

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
