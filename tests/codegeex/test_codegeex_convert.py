"""The PyTorch -> MindSpore converter: names, transposes, shapes, and the torch-free reader."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from fake_torch import torch_tree, write_pt

from runners.codegeex import convert
from runners.codegeex.checkpoint import CheckpointError
from runners.codegeex.weights import load_weights

PROJECTION = "backbone.blocks.1.attention.projection.weight"


def options(tmp_path, source, **extra) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    convert.add_arguments(parser)
    argv = [
        "--input",
        str(source),
        "--output",
        str(tmp_path / "out.ckpt"),
        "--model-config",
        "tiny",
        *[x for k, v in extra.items() for x in (f"--{k}", v)],
    ]
    return parser.parse_args(argv)


def test_torch_layout(tiny_weights):
    tree = torch_tree(tiny_weights)["module"]["language_model"]
    layers = tree["transformer"]
    assert layers["layers.1.attention.dense.weight"].shape == (64, 64)
    assert layers["layers.0.mlp.dense_h_to_4h.weight"].shape == (256, 64)  # torch [out, in]
    assert layers["topQueryLayer.mlp.dense_4h_to_h.weight"].shape == (64, 256)
    assert np.array_equal(layers["layers.1.attention.dense.weight"], tiny_weights[PROJECTION].T)
    assert "final_layernorm.weight" in layers
    assert tree["topQueryEmbedding"]["top_query_embeddings"]["weight"].shape == (2048, 64)


def test_pt_round_trip(tmp_path, tiny_weights, tiny_config):
    source = tmp_path / "model.pt"
    write_pt(
        source, torch_tree(tiny_weights), transposed=frozenset({"layers.0.attention.query.weight"})
    )
    assert convert.main(options(tmp_path, source, dtype="fp32")) == 0
    converted = load_weights(tmp_path / "out.ckpt", tiny_config)
    assert converted.keys() == tiny_weights.keys()
    assert all(np.array_equal(converted[k], v) for k, v in tiny_weights.items())


def test_fp16_output_keeps_layernorm_fp32(tmp_path, tiny_weights, tiny_config):
    source = tmp_path / "model.pt"
    write_pt(source, torch_tree({k: v.astype(np.float16) for k, v in tiny_weights.items()}))
    assert convert.main(options(tmp_path, source)) == 0
    converted = load_weights(tmp_path / "out.ckpt", tiny_config)
    assert converted[PROJECTION].dtype == np.float16
    assert converted["backbone.layernorm.gamma"].dtype == np.float32
    assert np.allclose(converted[PROJECTION], tiny_weights[PROJECTION], atol=1e-3)


def test_missing_tensor_is_named(tmp_path, tiny_weights):
    tree = torch_tree(tiny_weights)
    del tree["module"]["language_model"]["transformer"]["layers.1.attention.dense.weight"]
    source = tmp_path / "model.pt"
    write_pt(source, tree)
    with pytest.raises(CheckpointError, match="layers.1.attention.dense.weight.*" + PROJECTION):
        convert.main(options(tmp_path, source))
    assert not (tmp_path / "out.ckpt").exists()


def test_wrong_shape_is_named(tmp_path, tiny_weights):
    tree = torch_tree(tiny_weights)
    layers = tree["module"]["language_model"]["transformer"]
    layers["layers.1.attention.dense.weight"] = layers["layers.1.attention.dense.weight"][:8]
    source = tmp_path / "model.pt"
    write_pt(source, tree)
    with pytest.raises(CheckpointError, match=PROJECTION + r".*\(64, 8\).*\(64, 64\)"):
        convert.main(options(tmp_path, source))


def test_not_a_torch_file(tmp_path):
    source = tmp_path / "model.pt"
    source.write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="not a torch zip checkpoint"):
        convert.main(options(tmp_path, source))
