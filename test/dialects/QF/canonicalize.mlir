// RUN: qf-opt %s -canonicalize -split-input-file | FileCheck %s

// Upstream folds dcast(qcast(x)) to x; qf.fake_quant and a qf
// dequantize(quantize(x)) pair must survive, or QAT graphs lose their
// simulation.
// CHECK-LABEL: func.func @fake_quant_survives
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK: %[[F:.*]] = qf.fake_quant %[[X]] as !quant.uniform<i8:f32, 5.000000e-01> half_even clipped
// CHECK: %[[Q:.*]] = qf.quantize %[[F]] half_even
// CHECK: %[[D:.*]] = qf.dequantize %[[Q]]
// CHECK: return %[[D]], %[[X]]
func.func @fake_quant_survives(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %f = qf.fake_quant %x as !quant.uniform<i8:f32, 0.5> half_even clipped : tensor<4xf32>
  %q = qf.quantize %f half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  %d = qf.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4xf32>
  %uq = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5>>
  %ud = quant.dcast %uq : tensor<4x!quant.uniform<i8:f32, 0.5>> to tensor<4xf32>
  return %d, %ud : tensor<4xf32>, tensor<4xf32>
}

// -----

// A calibration point stays even when nothing reads it.
// CHECK-LABEL: func.func @observe_kept
// CHECK: qf.observe %{{.*}} id 7
func.func @observe_kept(%x: tensor<4xf32>) {
  %0 = qf.observe %x id 7 : tensor<4xf32>
  return
}

// -----

!q = !quant.uniform<i8:f32, 0.5:3>
// quantize(dequantize(q)) is q under rounding to nearest only.
// CHECK-LABEL: func.func @quantize_of_dequantize
// CHECK-SAME: (%[[Q:.*]]: tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>)
// CHECK: %[[D:.*]] = qf.dequantize %[[Q]]
// CHECK: %[[FLOOR:.*]] = qf.quantize %[[D]] floor
// CHECK: %[[OTHER:.*]] = qf.quantize %[[D]] half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 2.500000e-01:3>>
// CHECK: return %[[Q]], %[[Q]], %[[FLOOR]], %[[OTHER]]
func.func @quantize_of_dequantize(%q: tensor<4x!q>)
    -> (tensor<4x!q>, tensor<4x!q>, tensor<4x!q>, tensor<4x!quant.uniform<i8:f32, 0.25:3>>) {
  %d = qf.dequantize %q : tensor<4x!q> -> tensor<4xf32>
  %0 = qf.quantize %d half_even : tensor<4xf32> -> tensor<4x!q>
  %1 = qf.quantize %d half_away : tensor<4xf32> -> tensor<4x!q>
  %2 = qf.quantize %d floor : tensor<4xf32> -> tensor<4x!q>
  %3 = qf.quantize %d half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.25:3>>
  return %0, %1, %2, %3 : tensor<4x!q>, tensor<4x!q>, tensor<4x!q>, tensor<4x!quant.uniform<i8:f32, 0.25:3>>
}

// -----

!q = !quant.uniform<i8:f32, 0.5:3>
// A requantization to the same type multiplies by exactly 1.
// CHECK-LABEL: func.func @requantize_identity
// CHECK-SAME: (%[[Q:.*]]: tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>)
// CHECK: %[[R:.*]] = qf.requantize %[[Q]] floor : {{.*}} -> tensor<4x!quant.uniform<i8:f32, 2.500000e-01>>
// CHECK: return %[[Q]], %[[R]]
func.func @requantize_identity(%q: tensor<4x!q>) -> (tensor<4x!q>, tensor<4x!quant.uniform<i8:f32, 0.25>>) {
  %0 = qf.requantize %q floor : tensor<4x!q> -> tensor<4x!q>
  %1 = qf.requantize %q floor : tensor<4x!q> -> tensor<4x!quant.uniform<i8:f32, 0.25>>
  return %0, %1 : tensor<4x!q>, tensor<4x!quant.uniform<i8:f32, 0.25>>
}

// -----

// Constant packing follows the documented bit order (values worked out by
// hand): int4 low nibble first, int3 as a little-endian bit stream.
// CHECK-LABEL: func.func @pack_constants
// CHECK-DAG: %[[P4:.*]] = arith.constant dense<{{\[\[}}-31, 7], [8, 3]]> : tensor<2x2xi8>
// CHECK-DAG: %[[P3:.*]] = arith.constant dense<[-7, 40]> : tensor<2xi8>
// CHECK: return %[[P4]], %[[P3]]
func.func @pack_constants() -> (tensor<2x2xi8>, tensor<2xi8>) {
  %c4 = arith.constant dense<[[1, -2, 7], [-8, 0, 3]]> : tensor<2x3xi4>
  %p4 = qf.pack %c4 : tensor<2x3xi4> -> tensor<2x2xi8>
  %c3 = arith.constant dense<[1, -1, 3, -4, 2]> : tensor<5xi3>
  %p3 = qf.pack %c3 : tensor<5xi3> -> tensor<2xi8>
  return %p4, %p3 : tensor<2x2xi8>, tensor<2xi8>
}

// -----

// CHECK-LABEL: func.func @unpack_constants
// CHECK: %[[U:.*]] = arith.constant dense<{{\[\[}}1, -2, 7], [-8, 0, 3]]> : tensor<2x3xi4>
// CHECK: return %[[U]]
func.func @unpack_constants() -> tensor<2x3xi4> {
  %p = arith.constant dense<[[-31, 7], [8, 3]]> : tensor<2x2xi8>
  %u = qf.unpack %p : tensor<2x2xi8> -> tensor<2x3xi4>
  return %u : tensor<2x3xi4>
}

// -----

!u4 = !quant.uniform<u4:f32, 0.75:8>
// unpack(pack(x)) is x; pack(unpack(p)) is p only without padding bits.
// CHECK-LABEL: func.func @pack_round_trips
// CHECK-SAME: (%[[W:.*]]: tensor<2x5x{{.*}}>, %[[FULL:.*]]: tensor<2x4xi8>, %[[PADDED:.*]]: tensor<2x3xi8>)
// CHECK: %[[U:.*]] = qf.unpack %[[PADDED]]
// CHECK: %[[P:.*]] = qf.pack %[[U]]
// CHECK: return %[[W]], %[[FULL]], %[[P]]
func.func @pack_round_trips(%w: tensor<2x5x!u4>, %full: tensor<2x4xi8>, %padded: tensor<2x3xi8>)
    -> (tensor<2x5x!u4>, tensor<2x4xi8>, tensor<2x3xi8>) {
  %0 = qf.pack %w : tensor<2x5x!u4> -> tensor<2x3xi8>
  %1 = qf.unpack %0 : tensor<2x3xi8> -> tensor<2x5x!u4>
  %2 = qf.unpack %full : tensor<2x4xi8> -> tensor<2x8x!u4>
  %3 = qf.pack %2 : tensor<2x8x!u4> -> tensor<2x4xi8>
  %4 = qf.unpack %padded : tensor<2x3xi8> -> tensor<2x5x!u4>
  %5 = qf.pack %4 : tensor<2x5x!u4> -> tensor<2x3xi8>
  return %1, %3, %5 : tensor<2x5x!u4>, tensor<2x4xi8>, tensor<2x3xi8>
}
