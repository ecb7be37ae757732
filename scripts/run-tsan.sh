#!/usr/bin/env bash
# The threaded parts of QuantForge under ThreadSanitizer (make check-tsan).
#
#   scripts/run-tsan.sh BUILD_DIR STRESS_SECONDS
#
# BUILD_DIR is a build of the tsan preset. Runs, with every report fatal:
# - the unit tests that use threads: the 4-thread compile-and-run stress
#   test (test/unit/Runtime/ConcurrencyTest.cpp) for STRESS_SECONDS, the
#   kernels on their thread pool, the executor and plugin registries;
# - the lit tests whose tools run threads: calibration, GPTQ's parallel row
#   solver, mixed precision's parallel sensitivity loops, and the
#   determinism test (two threads against one).
# Only QuantForge's code is instrumented (Debian's libLLVM and libMLIR are
# not); scripts/sanitizers/tsan.supp lists what is suppressed, and why.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/run-tsan.sh BUILD_DIR STRESS_SECONDS}
seconds=${2:?usage: scripts/run-tsan.sh BUILD_DIR STRESS_SECONDS}
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/sanitizers/tsan.supp"
# OpenBLAS (the Hessian solves) hands work to threads of its own that
# synchronize through uninstrumented spinning, which TSan reports as races
# on the matrices we pass; under TSan it runs on the calling thread.
export OPENBLAS_NUM_THREADS=1

QF_STRESS_SECONDS=$seconds "$build/test/unit/QFUnitTests" \
  --gtest_filter='ConcurrencyTest.*:Kernels*.*:ExecutorTest.*:BackendPlugin*.*:CpuKernelCall*.*'
/usr/lib/llvm-22/bin/lit -sv "$build/test" \
  --filter 'integration/determinism|qf-calibrate|quant-gptq|quant-assign-precision'
