"""The runner on any machine: its own device and model configuration, custom configurations,
and one clear line (exit code 2) for every bad setting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import mindspore as ms
import numpy as np
import pytest
from fake_torch import torch_tree, write_pt

from humaneval_x.cli import main
from humaneval_x.errors import InputError
from runners.codegeex import device
from runners.codegeex.checkpoint import CheckpointWriter, save_checkpoint
from runners.codegeex.config import model_config
from runners.codegeex.random_checkpoint import main as random_main
from runners.codegeex.random_checkpoint import random_weights
from runners.codegeex.weights import CONFIG_ENTRY, checkpoint_config, open_checkpoint, write_config
from tests.codegeex.conftest import REPO

CUSTOM = {"hidden_size": 32, "num_heads": 2, "num_layers": 2}
WORD = "backbone.embedding.word_embedding.embedding_table"


def generate_argv(out: Path, *options: str) -> list[str]:
    return ["generate", "--runner", "codegeex", "--languages", "python", "--task-ids", "Python/8",
            "--max-new-tokens", "2", "--no-progress", "--out", str(out), *options]  # fmt: skip


@pytest.fixture
def custom(tmp_path) -> Path:
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(CUSTOM))
    return path


def test_the_runner_starts_with_neither_device_nor_model_config(
    tmp_path, capsys, monkeypatch, tiny_checkpoint, tokenizer_path, humaneval_data
):
    monkeypatch.setenv("CODEGEEX_TOKENIZER", str(tokenizer_path))
    out = tmp_path / "run" / "samples.jsonl"
    assert main(generate_argv(out, "--checkpoint", str(tiny_checkpoint))) == 0
    assert "running on the CPU" in capsys.readouterr().err
    model = json.loads((out.parent / "generation.json").read_text())["model"]
    assert model["model"] == "CodeGeeX-tiny"
    assert model["options"]["device"] == "cpu" and model["options"]["config"] == "tiny"


def test_a_13b_config_on_a_tiny_checkpoint_is_refused_before_allocating(
    tmp_path, capsys, monkeypatch, tiny_checkpoint, tokenizer_path
):
    def allocate(*args, **kwargs):
        pytest.fail("the model was built before the checkpoint was checked")

    monkeypatch.setattr("runners.codegeex.runner.build_model", allocate)
    argv = generate_argv(tmp_path / "s.jsonl", "--checkpoint", str(tiny_checkpoint),
                         "--tokenizer", str(tokenizer_path), "--model-config", "13b")  # fmt: skip
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert len(error.strip().splitlines()) == 1 and "Traceback" not in error
    assert f"{WORD}" in error and "(52224, 64)" in error and "(52224, 5120)" in error
    assert "it is a 'tiny' model (leave out --model-config)" in error


@pytest.mark.parametrize(
    "option, value, message",
    [("--device", "gpu", "--device gpu: no GPU device here (available: cpu)"),
     ("--tokenizer", "/", "tokenizer folder / lacks vocab.json"),
     ("--model-config", "huge", "--model-config huge: neither a built-in configuration"),
     ("--checkpoint", "/nonexistent.ckpt", "checkpoint not found: /nonexistent.ckpt")],
)  # fmt: skip
def test_each_bad_setting_is_one_line(
    tmp_path, capsys, tiny_checkpoint, tokenizer_path, option, value, message
):
    settings = {"--checkpoint": str(tiny_checkpoint), "--tokenizer": str(tokenizer_path)}
    settings[option] = value
    argv = generate_argv(tmp_path / "s.jsonl", *[x for item in settings.items() for x in item])
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("humaneval-x: error: ") and message in error
    assert len(error.strip().splitlines()) == 1


def test_auto_picks_the_cpu_here():
    assert device.available() == ["cpu"]
    assert device.select("auto", 0) == "cpu"
    assert ms.get_context("device_target") == "CPU"


def test_looking_for_devices_leaves_the_log_quiet():
    env = {name: value for name, value in os.environ.items() if name != "GLOG_v"}
    code = "from runners.codegeex import device; print(device.available())"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True)  # fmt: skip
    assert done.stdout.strip() == "['cpu']"
    assert "WARNING" not in done.stderr  # MindSpore warns of every device it cannot load


def test_a_custom_configuration_is_stored_and_read_back(tmp_path, custom):
    out = tmp_path / "mini.ckpt"
    assert random_main(["--config", str(custom), "--out", str(out)]) == 0
    assert isinstance(ms.load_checkpoint(str(out))[CONFIG_ENTRY], str)  # MindSpore reads it too
    config = checkpoint_config(open_checkpoint(out))
    assert (config.name, config.hidden_size, config.num_heads, config.num_layers) == (
        "mini",
        32,
        2,
        2,
    )
    assert random_main(["--config", str(custom), "--out", str(tmp_path / "mp"), "--shards"]) == 0
    assert checkpoint_config(open_checkpoint(tmp_path / "mp")) == config


def test_shapes_alone_name_a_built_in_configuration_only(tmp_path, custom, tiny_config):
    bare = tmp_path / "bare.ckpt"
    save_checkpoint(bare, random_weights(model_config(str(custom))))
    with pytest.raises(InputError, match="stores no configuration.*hidden size 32, 1 blocks"):
        checkpoint_config(open_checkpoint(bare))
    tiny = tmp_path / "tiny.ckpt"
    save_checkpoint(tiny, random_weights(tiny_config))
    assert checkpoint_config(open_checkpoint(tiny)) == tiny_config


def test_we_read_the_text_entries_mindspore_writes(tmp_path, tiny_config, tiny_weights):
    path = tmp_path / "theirs.ckpt"
    data = [{"name": k, "data": ms.Tensor(v)} for k, v in tiny_weights.items()]
    ms.save_checkpoint(data, str(path), append_dict={CONFIG_ENTRY: json.dumps(CUSTOM)})
    assert open_checkpoint(path)[0].texts[CONFIG_ENTRY] == json.dumps(CUSTOM)


@pytest.mark.parametrize(
    "content, message",
    [("{", "malformed JSON"),
     ('{"hidden_size": 32, "num_layers": 2}', "field 'num_heads' is missing"),
     ('{"hidden_size": 32, "num_heads": 2, "num_layers": 2, "heads": 2}', "unknown field 'heads'"),
     ('{"hidden_size": "32", "num_heads": 2, "num_layers": 2}', "'hidden_size' must be a posi"),
     ('{"hidden_size": 32, "num_heads": 3, "num_layers": 2}', "not divisible by 3 heads")],
)  # fmt: skip
def test_configuration_files_name_the_file_and_field(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=f"{path}: .*{message}"):
        model_config(str(path))


def test_convert_takes_a_configuration_file_and_stores_it(tmp_path, custom):
    config = model_config(str(custom))
    source = tmp_path / "mini.pt"
    write_pt(source, torch_tree(dict(random_weights(config))))
    argv = ["convert-checkpoint", "--input", str(source), "--output", str(tmp_path / "m.ckpt"),
            "--model-config", str(custom), "--dtype", "fp32"]  # fmt: skip
    assert main(argv) == 0
    assert checkpoint_config(open_checkpoint(tmp_path / "m.ckpt")) == config


def test_a_pt_with_a_bad_pickle_is_one_line(tmp_path, capsys):
    source = tmp_path / "bad.pt"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00(X\x06")
    argv = ["convert-checkpoint", "--input", str(source), "--output", str(tmp_path / "o.ckpt"),
            "--model-config", "tiny"]  # fmt: skip
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert f"{source}: its archive/data.pkl is damaged" in error
    assert len(error.strip().splitlines()) == 1


def test_the_writer_stores_text_beside_tensors(tmp_path, tiny_config):
    path = tmp_path / "t.ckpt"
    with CheckpointWriter(path) as writer:
        writer.write("x", np.ones(3, np.float32))
        write_config(writer, tiny_config)
    reader = open_checkpoint(path)[0]
    assert (
        list(reader.entries) == ["x"] and json.loads(reader.texts[CONFIG_ENTRY])["name"] == "tiny"
    )
