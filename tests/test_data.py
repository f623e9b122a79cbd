"""Loading and validating the HumanEval-X files."""

from __future__ import annotations

import gzip
import json

import pytest

from humaneval_x.data import load_dataset
from humaneval_x.errors import InputError
from humaneval_x.languages import LANGUAGE_KEYS
from tests.conftest import data_dir


def test_six_languages_with_164_problems_each(dataset):
    assert dataset.languages == LANGUAGE_KEYS
    for language in LANGUAGE_KEYS:
        numbers = [p.number for p in dataset.problems[language].values()]
        assert numbers == list(range(164))
    assert dataset.problem("CPP/3").language == "cpp"
    assert set(dataset.problem("Go/0").extra) == {"import", "test_setup"}


def test_digest_depends_on_content(tmp_path, dataset):
    row = dict(task_id="Python/0", prompt="p", declaration="d", canonical_solution="c", test="t")
    (tmp_path / "humaneval_python.jsonl").write_text(json.dumps(row) + "\n")
    first = load_dataset(["python"], tmp_path).digests
    assert first == load_dataset(["python"], tmp_path).digests
    row["test"] = "changed"
    (tmp_path / "humaneval_python.jsonl").write_text(json.dumps(row) + "\n")
    assert load_dataset(["python"], tmp_path).digests["python"] != first["python"]
    assert first["python"] != dataset.digests["python"]


def test_a_language_has_the_same_digest_whichever_languages_are_loaded(dataset):
    python_only = load_dataset(["python"], data_dir())
    assert python_only.digests == {"python": dataset.digests["python"]}
    assert len(set(dataset.digests.values())) == len(dataset.digests)
    assert python_only.source == "local files"


def _write(tmp_path, lines: list[bytes]) -> None:
    with gzip.open(tmp_path / "humaneval_python.jsonl.gz", "wb") as handle:
        handle.write(b"\n".join(lines) + b"\n")


GOOD = json.dumps(
    dict(task_id="Python/0", prompt="p", declaration="d", canonical_solution="c", test="t")
).encode()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"{not json", "line 2: malformed JSON"),
        (b'{"task_id": "Python/1"}', "line 2: field 'prompt' is missing"),
        (b"\xff\xfe", "line 2: not valid UTF-8"),
        (GOOD.replace(b"Python/0", b"CPP/1"), "line 2: field 'task_id' 'CPP/1' is not Python/N"),
        (GOOD, "line 2: field 'task_id' 'Python/0' appears twice"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, line, message):
    _write(tmp_path, [GOOD, line])
    with pytest.raises(InputError) as error:
        load_dataset(["python"], tmp_path)
    assert "humaneval_python.jsonl.gz, line 2: " in str(error.value)
    assert message in str(error.value)


def test_unknown_language_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="unknown language 'cobol'"):
        load_dataset(["cobol"], tmp_path)
    with pytest.raises(InputError, match="no humaneval_go.jsonl"):
        load_dataset(["go"], tmp_path)


def test_offline_hub_error_says_how_to_use_local_files(monkeypatch):
    import datasets

    def offline(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.delenv("HUMANEVAL_X_DATA", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(InputError) as error:
        load_dataset(["python"])
    assert "--data-dir" in str(error.value) and "HUMANEVAL_X_DATA" in str(error.value)
