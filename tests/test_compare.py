"""`humaneval-x compare` on summary.json files written here."""

import argparse
import json
from pathlib import Path

import pytest

from humaneval_x import compare
from humaneval_x.errors import InputError

PREFIX = {"python": "Python", "cpp": "CPP", "java": "Java", "go": "Go"}


def summary(run_id: str, outcomes: dict[str, list[tuple[int, int]]], **changes: object) -> dict:
    """A summary.json for a generation run: outcomes maps a language to each problem's (n, c)."""
    per_task = {
        f"{PREFIX[lang]}/{i}": list(counts)
        for lang, problems in outcomes.items()
        for i, counts in enumerate(problems)
    }
    data = {
        "schema": "humaneval-x/summary/1",
        "run_id": run_id,
        "created": "2026-11-27T12:00:00Z",
        "harness_version": "0.1.0",
        "task": "generation",
        "model": {"runner": "reference", "model": run_id, "checkpoint": None},
        "sampling": {"n": 1, "temperature": 0.0, "greedy": True, "seed": 1},
        "dataset": {
            "name": "THUDM/humaneval-x",
            "source": "local files",
            "digests": {lang: f"sha256:{lang}" for lang in outcomes},
        },
        "sandbox": {"backend": "local", "images": {}, "toolchains": {}},
        "groups": list(outcomes),
        "metrics": {},
        "average": {},
        "per_task": per_task,
    }
    data.update(changes)
    return data


def write_run(root: Path, data: dict) -> Path:
    folder = root / data["run_id"]
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps(data))
    return folder


def binary(passed: list[int]) -> list[tuple[int, int]]:
    return [(1, c) for c in passed]


def run_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    compare.add_arguments(parser)
    return compare.main(parser.parse_args(argv))


def test_identical_runs_compare_to_zero(tmp_path: Path) -> None:
    outcomes = {"python": binary([1, 0, 1, 1]), "cpp": binary([0, 0, 1, 0])}
    a = write_run(tmp_path, summary("a", outcomes))
    b = write_run(
        tmp_path,
        summary("b", outcomes, sampling={"n": 1, "temperature": 0.0, "greedy": True, "seed": 7}),
    )
    report = compare.compare_runs([compare.load_run(a), compare.load_run(b)])
    for row in [*report["groups"].values(), report["average"]]:
        assert row["differences"]["b"]["pass@1"] == {
            "delta": 0.0,
            "ci95": [0.0, 0.0],
            "p_value": 1.0,
        }
    assert report["groups"]["python"]["scores"]["a"] == {"pass@1": 0.75}
    assert report["groups"]["cpp"]["flips"]["b"] == {"gained": [], "lost": []}


def test_strictly_better_run_is_significant_with_flips(tmp_path: Path) -> None:
    a = write_run(tmp_path, summary("a", {"python": binary([0] * 20 + [1] * 20)}))
    b = write_run(tmp_path, summary("b", {"python": binary([1] * 14 + [0] * 6 + [1] * 20)}))
    report = compare.compare_runs([compare.load_run(a), compare.load_run(b)])
    diff = report["groups"]["python"]["differences"]["b"]["pass@1"]
    assert diff["delta"] == pytest.approx(14 / 40)
    assert diff["ci95"][0] > 0.1
    assert diff["p_value"] == pytest.approx(2 / 2**14)
    assert report["groups"]["python"]["flips"]["b"] == {
        "gained": [f"Python/{i}" for i in range(14)],
        "lost": [],
    }


def test_flips_both_ways_and_pass_at_k_with_n_samples(tmp_path: Path) -> None:
    a = write_run(tmp_path, summary("a", {"go": [(10, 0), (10, 3), (10, 10)]}))
    b = write_run(tmp_path, summary("b", {"go": [(10, 2), (10, 0), (10, 10)]}))
    report = compare.compare_runs([compare.load_run(a), compare.load_run(b)])
    group = report["groups"]["go"]
    assert group["flips"]["b"] == {"gained": ["Go/0"], "lost": ["Go/1"]}
    assert set(group["scores"]["a"]) == {"pass@1", "pass@10"}
    assert group["scores"]["b"]["pass@1"] == pytest.approx((0.2 + 0 + 1) / 3)
    # per-problem pass@1 differences are 0.2 and -0.3: all 4 sign patterns reach |-0.1|
    assert group["differences"]["b"]["pass@1"]["p_value"] == pytest.approx(1.0)
    assert group["differences"]["b"]["pass@1"]["delta"] == pytest.approx(-0.1 / 3)


def test_average_pairs_within_groups(tmp_path: Path) -> None:
    a = write_run(tmp_path, summary("a", {"python": binary([0, 0]), "java": binary([0] * 4)}))
    b = write_run(tmp_path, summary("b", {"python": binary([1, 1]), "java": binary([0] * 4)}))
    average = compare.compare_runs([compare.load_run(a), compare.load_run(b)])["average"]
    assert average["scores"] == {"a": {"pass@1": 0.0}, "b": {"pass@1": 0.5}}
    assert average["differences"]["b"]["pass@1"]["delta"] == 0.5
    assert average["differences"]["b"]["pass@1"]["ci95"] == [0.5, 0.5]
    assert average["differences"]["b"]["pass@1"]["p_value"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"task": "translation"}, "task differ"),
        ({"dataset": {"digests": {"python": "sha256:other"}}}, "dataset digests differ on python"),
        ({"dataset": {"digest": "sha256:legacy"}}, "a=None, b='sha256:legacy'"),
        (
            {"sampling": {"n": 1, "temperature": 0.2, "greedy": False, "seed": 1}},
            "sampling settings",
        ),
        ({"sampling": None}, "sampling settings"),
    ],
)
def test_incomparable_runs_are_refused_unless_forced(
    tmp_path: Path, change: dict, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write_run(tmp_path, summary("a", {"python": binary([0, 1])}))
    b = write_run(tmp_path, summary("b", {"python": binary([1, 1])}, **change))
    with pytest.raises(InputError, match=reason):
        run_main([str(a), str(b)])
    assert not (a / "compare.json").exists()
    assert run_main([str(a), str(b), "--force"]) == 0
    report = json.loads((a / "compare.json").read_text())
    assert any(reason in text for text in report["incompatibilities"])
    assert "| python | 50.00 | 100.00 | +50.00" in capsys.readouterr().out


def test_different_groups_are_refused_and_forced_to_the_shared_ones(tmp_path: Path) -> None:
    a = write_run(tmp_path, summary("a", {"python": binary([1]), "cpp": binary([0])}))
    b = write_run(tmp_path, summary("b", {"python": binary([1, 0])}))
    with pytest.raises(InputError, match="groups differ.*problems of python differ"):
        run_main([str(a), str(b)])
    out = tmp_path / "out"
    assert run_main([str(a), str(b / "summary.json"), "--force", "--out", str(out)]) == 0
    report = json.loads((out / "compare.json").read_text())
    assert list(report["groups"]) == ["python"]
    assert report["groups"]["python"]["n_problems"] == 1


def test_three_runs_markdown_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = [
        write_run(tmp_path, summary(name, {"python": binary(passed)}))
        for name, passed in (("a", [0, 1, 0]), ("b", [1, 1, 0]), ("c", [0, 0, 0]))
    ]
    assert run_main([str(r) for r in runs]) == 0
    out = capsys.readouterr().out
    assert "| pass@1 (%) | a | b | Δ b [95% CI] | p | c | Δ c [95% CI] | p |" in out
    assert "- b, python: gained 1 (Python/0); lost 0" in out
    assert "- c, python: gained 0; lost 1 (Python/1)" in out
    report = json.loads((runs[0] / "compare.json").read_text())
    assert [r["label"] for r in report["runs"]] == ["a", "b", "c"]
    assert report["average"]["differences"]["c"]["pass@1"]["delta"] == pytest.approx(-1 / 3)


def test_translation_groups_are_paired(tmp_path: Path) -> None:
    per_task = {"Python/0->CPP/0": [1, 1], "Python/1->CPP/1": [1, 0], "CPP/0->Go/0": [1, 0]}
    base = summary(
        "a", {}, task="translation", groups=["python->cpp", "cpp->go"], per_task=per_task
    )
    other = dict(base, run_id="b", per_task={**per_task, "CPP/0->Go/0": [1, 1]})
    a, b = write_run(tmp_path, base), write_run(tmp_path, other)
    report = compare.compare_runs([compare.load_run(a), compare.load_run(b)])
    assert report["groups"]["cpp->go"]["flips"]["b"]["gained"] == ["CPP/0->Go/0"]
    assert report["groups"]["python->cpp"]["differences"]["b"]["pass@1"]["delta"] == 0.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"schema": "other"}, "field 'schema'"),
        (summary("a", {}, per_task={"CPP/0": [1, 2]}), r"per_task\['CPP/0'\]"),
        (summary("a", {}, per_task={"Cobol/0": [1, 1]}), "names no known language"),
        (summary("a", {"python": []}, per_task={"CPP/0": [1, 1]}), "not in groups"),
    ],
)
def test_bad_summaries_name_the_file_and_field(tmp_path: Path, data: dict, message: str) -> None:
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=message) as error:
        compare.load_run(tmp_path)
    assert str(path) in str(error.value)


def test_compare_needs_two_runs(tmp_path: Path) -> None:
    a = write_run(tmp_path, summary("a", {"python": binary([1])}))
    with pytest.raises(InputError, match="at least two runs"):
        run_main([str(a)])


def test_dataset_digests_are_compared_on_common_languages(tmp_path: Path) -> None:
    both = write_run(tmp_path, summary("a", {"python": binary([1]), "cpp": binary([0])}))
    subset = write_run(tmp_path, summary("b", {"python": binary([0])}))
    other_data = summary("c", {"python": binary([0])})
    other_data["dataset"]["digests"]["python"] = "sha256:changed"
    changed = write_run(tmp_path, other_data)
    runs = [compare.load_run(path) for path in (both, subset, changed)]
    reasons = compare.incompatibilities(runs)
    assert [r for r in reasons if "dataset" in r] == [
        "dataset digests differ on python: a='sha256:python', c='sha256:changed'"
    ]


def test_partial_coverage_and_averages_over_some_languages_are_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    metrics = {"python": {"n_tasks": 2, "n_problems": 164}, "cpp": {"n_tasks": 2, "n_problems": 2}}
    cover = {"groups": 2, "of_groups": 6, "tasks": 4, "problems": 166, "complete": False}
    outcomes = {"python": binary([0, 1]), "cpp": binary([1, 1])}
    a = write_run(tmp_path, summary("a", outcomes, metrics=metrics, coverage=cover))
    b = write_run(tmp_path, summary("b", outcomes, metrics=metrics, coverage=cover))
    assert run_main([str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "- `a`: a; covers 2 of 6 languages, 4 of 166 problems" in out
    assert "| python * (2/164) | 50.00 |" in out and "| cpp | 100.00 |" in out
    assert "| average † | 75.00 |" in out
    assert "† the unweighted mean over 2 of 6 languages: python, cpp" in out
    report = json.loads((a / "compare.json").read_text())
    assert report["average"]["note"] == "over 2 of 6 languages: python, cpp"
    assert report["groups"]["python"]["group_problems"] == 164
    assert report["runs"][1]["coverage"] == cover
