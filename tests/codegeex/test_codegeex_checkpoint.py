"""The .ckpt reader/writer, MindSpore interoperability, shard merging, and clear errors."""

from __future__ import annotations

import mindspore as ms
import numpy as np
import pytest

from runners.codegeex.checkpoint import (
    CheckpointError,
    CheckpointReader,
    CheckpointWriter,
    save_checkpoint,
)
from runners.codegeex.random_checkpoint import main as random_main
from runners.codegeex.weights import load_weights, split_for_ranks

WORD = "backbone.embedding.word_embedding.embedding_table"
DENSE = "backbone.blocks.0.attention.dense1.weight"


def test_round_trip_with_slices(tmp_path):
    array = np.arange(60, dtype=np.float32).reshape(6, 10)
    with CheckpointWriter(tmp_path / "a.ckpt", slice_bytes=64) as writer:
        writer.write("x", array)
        writer.write("y", array[:2].astype(np.float16))
    reader = CheckpointReader(tmp_path / "a.ckpt")
    assert len(reader.entries["x"].chunks) > 1
    assert np.array_equal(reader.read("x"), array)
    assert reader.read("y").dtype == np.float16 and reader.shape("y") == (2, 10)


def test_mindspore_reads_ours_and_we_read_mindspore(tmp_path, tiny_config, tiny_weights):
    ours = tmp_path / "ours.ckpt"
    save_checkpoint(ours, tiny_weights.items())
    loaded = ms.load_checkpoint(str(ours))
    assert set(loaded) == set(tiny_weights)
    assert np.array_equal(loaded[DENSE].asnumpy(), tiny_weights[DENSE])
    theirs = tmp_path / "theirs.ckpt"
    ms.save_checkpoint(
        [{"name": k, "data": ms.Tensor(v)} for k, v in tiny_weights.items()], str(theirs)
    )
    again = load_weights(theirs, tiny_config)
    assert all(np.array_equal(again[k], v) for k, v in tiny_weights.items())


def test_shards_merge(tmp_path, tiny_config, tiny_weights):
    assert random_main(["--config", "tiny", "--out", str(tmp_path / "mp"), "--shards"]) == 0
    assert (
        CheckpointReader(tmp_path / "mp" / "rank_3" / "model-3.ckpt").shape(WORD)[0]
        == tiny_config.vocab_size // 8
    )
    merged = load_weights(tmp_path / "mp", tiny_config)
    assert merged.keys() == tiny_weights.keys()
    assert all(np.array_equal(merged[k], v) for k, v in tiny_weights.items())


def test_split_axes():
    full = np.zeros((64, 256))
    assert split_for_ranks("backbone.blocks.0.output.mapping.weight", full)[0].shape == (64, 32)
    assert split_for_ranks(DENSE, full)[0].shape == (8, 256)
    assert split_for_ranks("backbone.layernorm.gamma", full)[0].shape == (64, 256)


def test_missing_file(tmp_path, tiny_config):
    with pytest.raises(CheckpointError, match="not found"):
        load_weights(tmp_path / "nope.ckpt", tiny_config)


def test_truncated_file_names_the_parameter(tmp_path, tiny_checkpoint, tiny_config):
    data = tiny_checkpoint.read_bytes()
    cut = tmp_path / "cut.ckpt"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=f"truncated.*inside parameter '{WORD}'"):
        load_weights(cut, tiny_config)
    cut.write_bytes(data[:-100])
    with pytest.raises(CheckpointError, match=r"truncated.*'backbone\.layernorm\.beta', after"):
        load_weights(cut, tiny_config)


def test_missing_parameter_is_named(tmp_path, tiny_config, tiny_weights):
    path = tmp_path / "partial.ckpt"
    save_checkpoint(path, ((k, v) for k, v in tiny_weights.items() if k != DENSE))
    with pytest.raises(CheckpointError, match=f"lacks 1 of .*{DENSE}.*\\(64, 64\\)"):
        load_weights(path, tiny_config)


def test_shape_mismatch_names_both_shapes(tmp_path, tiny_config, tiny_weights):
    path = tmp_path / "mismatch.ckpt"
    save_checkpoint(path, ((k, v[:, :32] if k == DENSE else v) for k, v in tiny_weights.items()))
    with pytest.raises(CheckpointError, match=f"{DENSE}.*\\(64, 32\\).*\\(64, 64\\)"):
        load_weights(path, tiny_config)


def test_bad_shard_shapes(tmp_path, tiny_config, tiny_weights):
    for rank in range(8):
        save_checkpoint(
            tmp_path / f"rank_{rank}" / "m.ckpt",
            (
                (k, split_for_ranks(k, v)[rank] if k != DENSE else v[:5])
                for k, v in tiny_weights.items()
            ),
        )
    with pytest.raises(CheckpointError, match=f"{DENSE}.*\\(5, 64\\).*\\(64, 64\\)"):
        load_weights(tmp_path, tiny_config)


def test_not_a_checkpoint(tmp_path, tiny_config):
    path = tmp_path / "junk.ckpt"
    path.write_bytes(b"\x01\x02hello world")
    with pytest.raises(CheckpointError, match="junk.ckpt"):
        load_weights(path, tiny_config)
