"""The doctor on the real data: known anomalies are listed and explained, nothing else."""

from __future__ import annotations

import json

import pytest

from humaneval_x.cli import main
from humaneval_x.outputs import read_outputs
from tests.conftest import data_dir, require_toolchain


@pytest.mark.toolchain
def test_doctor_lists_the_broken_javascript_solutions_as_known(tmp_path, capsys):
    for language in ("python", "js"):
        require_toolchain(language)
    argv = ["doctor", "--languages", "python,js", "--sandbox", "local", "--no-progress",
            "--data-dir", str(data_dir()), "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    report = json.loads((tmp_path / "doctor.json").read_text())
    assert report["problems"] == 2 * 164
    found = {(a["task_id"], a["kind"], a["status"]) for a in report["anomalies"]}
    assert found == {
        ("JavaScript/112", "canonical", "failed"),
        ("JavaScript/155", "canonical", "failed"),
    }
    assert all(a["known"] for a in report["anomalies"])
    assert "doctor: OK" in capsys.readouterr().out
    outputs = [*read_outputs(tmp_path / "canonical").values(),
               *read_outputs(tmp_path / "wrong").values()]  # fmt: skip
    limits = [limit["timeout_s"] for output in outputs
              for limit in output["limits"] if limit["phase"] == "run"]  # fmt: skip
    assert min(limits) < 10.0  # calibrated, as evaluate's, not every language's fixed 10 s
    assert main(argv) == 0  # a second run judges afresh and agrees
