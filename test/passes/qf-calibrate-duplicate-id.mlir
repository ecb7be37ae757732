// REQUIRES: backend-cpu
// RUN: qf-opt %s --qf-calibrate='data=%S/Inputs/calibration/data' -split-input-file -verify-diagnostics

func.func @main(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = qf.observe %x id 3 : tensor<4x16xf32>
  // expected-error @below {{observer id 3 is used twice}}
  %1 = qf.observe %0 id 3 : tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}

// -----

// expected-warning @below {{qf-calibrate: no qf.observe ops to calibrate; run qf-insert-observers first}}
module {
  func.func @main(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
    return %x : tensor<4x16xf32>
  }
}
