// RUN: not qf-opt %s --pass-pipeline='builtin.module(func.func(cpu-vectorize{vector-bits=100}))' 2>&1 | FileCheck %s

// CHECK: error: cpu-vectorize: vector-bits must be 0 (the host's), 128, 256 or 512, got 100
func.func @f() {
  return
}
