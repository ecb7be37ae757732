// REQUIRES: backend-cpu
// RUN: qf-opt %s --split-input-file --verify-diagnostics --quant-assign-precision="budget-bits=8"
// RUN: not qf-opt %s --quant-assign-precision 2>&1 | FileCheck %s --check-prefix=NOBUDGET
// RUN: not qf-opt %s --quant-assign-precision="budget-bits=4 budget-bytes=100" 2>&1 | FileCheck %s --check-prefix=NOBUDGET
// RUN: not qf-opt %s --quant-assign-precision="budget-bits=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not qf-opt %s --quant-assign-precision="budget-bits=4 objective=guess" 2>&1 | FileCheck %s --check-prefix=OBJECTIVE
// RUN: not qf-opt %s --quant-assign-precision="budget-bits=4 objective=e2e" 2>&1 | FileCheck %s --check-prefix=E2E
// RUN: not qf-opt %s --quant-assign-precision="budget-bits=4 gain=true" 2>&1 | FileCheck %s --check-prefix=E2E
// RUN: not qf-opt %s --quant-assign-precision="budget-bits=4 gain=true objective=position data=x.npz" 2>&1 | FileCheck %s --check-prefix=GAIN
// RUN: not qf-opt %s --quant-assign-precision="budget-bits=4 candidates=w5a16" 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: not qf-opt %s --quant-assign-precision="budget-bits=4 candidates=w4a16,w4a16" 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: not qf-opt %s --quant-assign-precision="budget-bits=4 rounding=stochastic" 2>&1 | FileCheck %s --check-prefix=ROUNDING
// RUN: not qf-opt %s --quant-assign-precision="budget-bits=4 backend=tpu" 2>&1 | FileCheck %s --check-prefix=BACKEND
// RUN: not qf-opt %s --split-input-file --quant-assign-precision="budget-bits=2 objective=position candidates=w8a16,w4a16" 2>&1 | FileCheck %s --check-prefix=INFEASIBLE
// RUN: not qf-opt %s --split-input-file --quant-assign-precision="budget-bits=8 objective=position candidates=w4a16g3,w3a16g8" 2>&1 | FileCheck %s --check-prefix=NOFIT
// RUN: not qf-opt %s --split-input-file --quant-assign-precision="budget-bytes=10 objective=position candidates=w8a16" 2>&1 | FileCheck %s --check-prefix=BYTES

// NOBUDGET: error: quant-assign-precision: give exactly one budget: budget-bits, budget-bytes or budget-latency
// NEGATIVE: error: quant-assign-precision: the budget must be positive and finite
// OBJECTIVE: for the --objective option: Cannot find option named 'guess'!
// E2E: error: quant-assign-precision: objective=e2e and gain run the model: give data=CALIBRATION
// GAIN: error: quant-assign-precision: gain scales output-mse and hessian sensitivities only
// NAME: error: quant-assign-precision: candidate scheme 'w5a16': weight bits must be 2, 3, 4 or 8
// TWICE: error: quant-assign-precision: candidate 'w4a16' is listed twice
// ROUNDING: error: quant-assign-precision: rounding must be half_even, half_away, floor, ceil or toward_zero, not 'stochastic'
// BACKEND: error: quant-assign-precision: unknown target 'tpu' (known: {{.*}}cpu{{.*}})
// The cheapest choice is named with its cost: a 4x2 weight at 4 bits with
// two f32 scales is 12 bytes, 12 bits per weight.
// INFEASIBLE: error: quant-assign-precision: budget-bits=2.00 cannot be met: the cheapest assignment of these candidates needs 12.0000 bits per weight (w4a16 x1)
// NOFIT: error: 'linalg.matmul' op quant-assign-precision: no candidate fits this layer (its reduction of 4 is not a multiple of any candidate's group size)
// BYTES: error: quant-assign-precision: budget-bytes=10 cannot be met: the cheapest assignment of these candidates needs 16.0000 bytes (w8a16 x1)

// Output-mse needs sampled rows.
func.func @no_rows(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 : tensor<3x4xf32>
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @below {{output-mse needs sampled calibration rows of the activation (row_sample of its qf.observe): run qf-calibrate with sample-rows=N, or use objective=hessian}}
  %y = linalg.matmul ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// NaN weights are refused, whatever the objective.
func.func @nan_weight(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<0x7FC00000> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @below {{quant-assign-precision: the weight contains NaN or infinite values}}
  %y = linalg.matmul ins(%x, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
