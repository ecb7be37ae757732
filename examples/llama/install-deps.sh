#!/usr/bin/env bash
# Installs the Debian packages examples/llama/llama.py needs, and only those
# missing: PyTorch (1.13), the Austen corpus and its reader, and ONNX's
# Python package. Kept apart from scripts/install-deps.sh on purpose: CI does
# not generate models and does not need torch.
set -euo pipefail

packages=(
  python3 python3-numpy python3-onnx
  python3-torch python3-rdata r-cran-janeaustenr
  time  # /usr/bin/time -v for peak RSS
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
