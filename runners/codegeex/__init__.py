"""CodeGeeX-13B on MindSpore: model, tokenizer, checkpoints, cached decoding, runner."""

from runners.codegeex.runner import CodeGeeXRunner, Factory

__all__ = ["CodeGeeXRunner", "Factory"]
