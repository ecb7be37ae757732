// RUN: qf-opt %s -split-input-file -verify-diagnostics -qf-raise-quant-casts
// RUN: not qf-opt %s -qf-raise-quant-casts="rounding=nearest" 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not qf-opt %s -qf-raise-quant-casts="rounding=stochastic" 2>&1 | FileCheck %s --check-prefix=SEED
// RUN: not qf-opt %s -qf-raise-quant-casts="rounding=floor seed=3" 2>&1 | FileCheck %s --check-prefix=SEED

// MODE: for the --rounding option: Cannot find option named 'nearest'!
// SEED: qf-raise-quant-casts: seed is required with rounding=stochastic and only then

func.func @scalar(%x: f32) -> !quant.uniform<i8:f32, 0.5> {
  // expected-error @below {{'quant.qcast' op operates on 'f32'; qf ops take ranked tensors only}}
  %0 = quant.qcast %x : f32 to !quant.uniform<i8:f32, 0.5>
  return %0 : !quant.uniform<i8:f32, 0.5>
}

// -----

func.func @unranked(%q: tensor<*x!quant.uniform<i8:f32, 0.5>>) -> tensor<*xf32> {
  // expected-error @below {{'quant.dcast' op operates on 'tensor<*x!quant.uniform<i8:f32, 5.000000e-01>>'; qf ops take ranked tensors only}}
  %0 = quant.dcast %q : tensor<*x!quant.uniform<i8:f32, 0.5>> to tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// The raised op verifies what the upstream cast did not: a zero point
// outside the storage range.
func.func @bad_zero_point(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.5:300>> {
  // expected-error @below {{'qf.quantize' op result zero point 300 is outside the storage range [-128, 127]}}
  %0 = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5:300>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.5:300>>
}
