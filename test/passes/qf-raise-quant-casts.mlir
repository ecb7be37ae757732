// RUN: qf-opt %s -qf-raise-quant-casts | FileCheck %s --check-prefix=EVEN
// RUN: qf-opt %s -qf-raise-quant-casts="rounding=stochastic seed=11" | FileCheck %s --check-prefix=STOCH
// RUN: qf-opt %s -qf-raise-quant-casts -canonicalize | FileCheck %s --check-prefix=CANON

!q = !quant.uniform<i8:f32, 0.5:-3>
!qc = !quant.uniform<i8:f32:1, {0.5, 0.25}>

// EVEN-LABEL: func.func @casts
// EVEN-SAME: (%[[X:.*]]: tensor<4x2xf32>, %[[S:.*]]: tensor<4x2x!quant.uniform<i8:f32:1, {{.*}}>>)
// EVEN: %[[Q:.*]] = qf.quantize %[[X]] half_even : tensor<4x2xf32> -> tensor<4x2x!quant.uniform<i8:f32, 5.000000e-01:-3>>
// EVEN: %[[D:.*]] = qf.dequantize %[[Q]] : tensor<4x2x!quant.uniform<i8:f32, 5.000000e-01:-3>> -> tensor<4x2xf32>
// EVEN: %[[C:.*]] = qf.quantize %[[D]] half_even : tensor<4x2xf32> -> tensor<4x2x!quant.uniform<i8:f32:1, {5.000000e-01,2.500000e-01}>>
// EVEN: %[[DC:.*]] = qf.dequantize %[[S]]
// EVEN: return %[[D]], %[[C]], %[[DC]]
// EVEN-NOT: quant.qcast
// EVEN-NOT: quant.dcast

// STOCH-LABEL: func.func @casts
// STOCH: qf.quantize %{{.*}} stochastic seed 11 : tensor<4x2xf32> -> tensor<4x2x!quant.uniform<i8:f32, 5.000000e-01:-3>>
// STOCH: qf.quantize %{{.*}} stochastic seed 11 : tensor<4x2xf32> -> tensor<4x2x!quant.uniform<i8:f32:1, {{.*}}>>

// Upstream would fold dcast(qcast(x)) to x here; after raising, the
// quantization stays.
// CANON-LABEL: func.func @casts
// CANON: %[[Q:.*]] = qf.quantize
// CANON: qf.dequantize %[[Q]]
func.func @casts(%x: tensor<4x2xf32>, %s: tensor<4x2x!qc>) -> (tensor<4x2xf32>, tensor<4x2x!qc>, tensor<4x2xf32>) {
  %q = quant.qcast %x : tensor<4x2xf32> to tensor<4x2x!q>
  %d = quant.dcast %q : tensor<4x2x!q> to tensor<4x2xf32>
  %c = quant.qcast %d : tensor<4x2xf32> to tensor<4x2x!qc>
  %dc = quant.dcast %s : tensor<4x2x!qc> to tensor<4x2xf32>
  return %d, %c, %dc : tensor<4x2xf32>, tensor<4x2x!qc>, tensor<4x2xf32>
}

// Storage casts are not quantization and stay.
// EVEN-LABEL: func.func @storage_cast
// EVEN: quant.scast
func.func @storage_cast(%i: tensor<4xi8>) -> tensor<4x!q> {
  %0 = quant.scast %i : tensor<4xi8> to tensor<4x!q>
  return %0 : tensor<4x!q>
}
