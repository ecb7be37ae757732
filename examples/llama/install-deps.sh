#!/usr/bin/env bash
# Installs the Debian packages examples/llama/llama.py needs, and only those
# missing: PyTorch (1.13), the Austen corpus and its reader, ONNX's Python
# package. Kept out of the default list of scripts/install-deps.sh on
# purpose: CI does not generate models and does not need torch.
exec "$(dirname "$0")/../../scripts/install-deps.sh" --only \
  python3 python3-numpy python3-onnx \
  python3-torch python3-rdata r-cran-janeaustenr \
  time # /usr/bin/time -v for peak RSS
