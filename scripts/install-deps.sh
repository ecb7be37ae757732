#!/usr/bin/env bash
# Installs the Debian packages QuantForge needs, and only those missing.
#   scripts/install-deps.sh                   the build's and the tests'
#   scripts/install-deps.sh --only PKG...     just these (examples' scripts)
# Runs as root on Debian 12 (bookworm); LLVM/MLIR 22 come from the security
# suite.
set -euo pipefail

packages=(
  cmake ninja-build ccache
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libgtest-dev python3 python3-numpy zlib1g-dev
  python3-dev python3-pybind11 python3-pytest  # the Python package (python/)
  libvulkan-dev mesa-vulkan-drivers spirv-tools
  libonnx-dev libprotobuf-dev python3-onnx
  libopenblas-dev liblapack-dev libdnnl-dev  # oneDNN: a peer in bench/
  libclang-rt-22-dev time  # sanitizers, libFuzzer, scripts/fuzz.sh
  dataset-fashion-mnist  # the demo CNN's whole test set
  clang-format-22 clang-tidy-22  # scripts/check-format.sh, .clang-tidy
)

if [ "${1:-}" = "--only" ]; then
  shift
  packages=("$@")
fi

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
