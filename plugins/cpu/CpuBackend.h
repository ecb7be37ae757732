//===- CpuBackend.h - The host CPU backend ----------------------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// The "cpu" backend: every scheme the dialect has, lowered through
// convert-qf-to-linalg, tiled and vectorized for the host's vector width
// (AVX-512, AVX2, NEON or 128-bit SSE, read from the CPU features), then
// the CPU JIT pipeline to LLVM; artifacts are object files for the host.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PLUGINS_CPU_CPUBACKEND_H
#define QF_PLUGINS_CPU_CPUBACKEND_H

#include "plugins/api/BackendPlugin.h"

namespace mlir::qf::cpu {

/// Registers "cpu" in the global backend registry. Idempotent.
void registerCpuBackend();

/// The vector register width of the host in bits (512, 256 or 128).
unsigned hostVectorBits();

/// The backend's own passes (cpu-vectorize, cpu-use-kernels, ...) are in
/// plugins/cpu/Passes.td.

/// Translates a module in the LLVM dialect to an object file for the host.
FailureOr<plugin::Artifact> emitHostObject(ModuleOp module);

} // namespace mlir::qf::cpu

#endif // QF_PLUGINS_CPU_CPUBACKEND_H
