// RUN: qf-opt %s --split-input-file --verify-diagnostics --quant-awq="group-size=2 report=%t.json"
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// RUN: not qf-opt %s --quant-awq="bits=1" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not qf-opt %s --quant-awq="max-shrink=1.5" 2>&1 | FileCheck %s --check-prefix=SHRINK
// RUN: not qf-opt %s --quant-awq="then-gptq=true" 2>&1 | FileCheck %s --check-prefix=GPTQ

// BITS: error: quant-awq: bits must be in [2, 8], got 1
// SHRINK: error: quant-awq: max-shrink must be in [0, 1)
// GPTQ: error: quant-awq: then-gptq calibrates the scaled model again for GPTQ's Hessians: give data=CALIBRATION

#id = affine_map<(d0, d1) -> (d0, d1)>
#ch = affine_map<(d0, d1) -> (d1)>

// No sampled calibration rows to search on.
func.func @no_sample(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %gamma = arith.constant dense<[1.0, 2.0, 0.5, -1.0]> : tensor<4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %y = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %gamma : tensor<2x4xf32>, tensor<4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %g: f32, %o: f32):
    %m = arith.mulf %a, %g : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  %yo = qf.observe %y id 0 stats {in_abs_max = dense<[8.0, 0.5, 2.0, 1.0]> : tensor<4xf32>} : tensor<2x4xf32>
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x2xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-error @below {{AWQ needs sampled calibration rows of its input (row_sample of a qf.observe): run qf-insert-observers and qf-calibrate with sample-rows=N first}}
  %q = linalg.matmul ins(%yo, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%f1 : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %q : tensor<2x2xf32>
}

// -----

// A producer that cannot absorb a scale (a GELU-like tanh): skipped with a
// remark, and the report says why; the weight is untouched.
// REPORT: "status": "skipped: the producer cannot absorb a per-channel scale"
func.func @through_activation(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %t = math.tanh %x : tensor<2x4xf32>
  %to = qf.observe %t id 0 : tensor<2x4xf32>
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x2xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @below {{AWQ: skipped, the producer cannot absorb a per-channel scale}}
  %q = linalg.matmul ins(%to, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%f1 : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %q : tensor<2x2xf32>
}
