"""CodeGeeX-13B on MindSpore: model, tokenizer, checkpoints, cached decoding, runner.

Only `runner`, `device` and `model` import MindSpore, so that `--help` and the
convert-checkpoint command load without it. MindSpore logs errors only (GLOG_v=3) unless GLOG_v
says otherwise.
"""

import os

os.environ.setdefault("GLOG_v", "3")
