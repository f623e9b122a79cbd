"""CodeGeeX-13B on MindSpore: model, tokenizer, checkpoints, cached decoding, runner.

Only `runner` imports MindSpore, so that the convert-checkpoint command loads without it.
"""
