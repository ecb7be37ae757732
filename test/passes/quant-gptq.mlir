// RUN: qf-opt %s --split-input-file --quant-gptq="bits=4 group-size=0 act-order=false true-sequential=false" | FileCheck %s
// RUN: qf-opt %s --split-input-file --quant-gptq="bits=4 group-size=2 true-sequential=false" | FileCheck %s --check-prefix=PERM

// With H = I (uncorrelated inputs) GPTQ pushes no error onto other columns:
// it is round to nearest with the reference's quantizer. Output channel 0
// has w = [1, -2, 0.5, 4]: range [-2, 4], scale 6/15 = 0.4, zero
// round(2 / 0.4) = 5; codes round(w / 0.4) + 5 = [7, 0, 6, 15] (half to
// even: 2.5 -> 2), stored signed (- 8): [-1, -8, -2, 7], zero point -3.
// Channel 1, w = [0, 1, 2, 3]: range [0, 3], scale 0.2, zero 0, codes
// [0, 5, 10, 15] -> [-8, -3, 2, 7], zero point -8. Packed two per byte,
// channel 0 in the low nibble: 0x8F, 0xD8, 0x2E, 0x77.
// CHECK-LABEL: func.func @rtn_like
// CHECK: %[[C:.*]] = arith.constant dense<{{\[\[}}-113], [-40], [46], [119]]> : tensor<4x1xi8>
// CHECK: %[[U:.*]] = qf.unpack %[[C]] : tensor<4x1xi8> -> tensor<4x2x!quant.uniform<i4:f32:1, {4.000000e-01:-3,2.000000e-01:-8}>>
// CHECK: %[[W:.*]] = qf.dequantize %[[U]]
// CHECK: linalg.matmul ins(%{{.*}}, %[[W]] :
func.func @rtn_like(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>} : tensor<3x4xf32>
  %w = arith.constant dense<[[1.0, 0.0], [-2.0, 1.0], [0.5, 2.0], [4.0, 3.0]]> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// act-order with groups of 2: diag(H) = [1, 4, 2, 3] puts the columns in
// the order [1, 3, 2, 0]; the weight is stored in that order (sub-channel
// type, 2 groups along the reduction) and the activation is gathered with
// it.
// PERM-LABEL: func.func @act_order
// PERM: qf.unpack {{.*}}!quant.uniform<i4:f32:{0:2, 1:1}
// PERM: %[[ORDER:.*]] = arith.constant dense<[1, 3, 2, 0]> : tensor<4xi64>
// PERM: %[[G:.*]] = linalg.generic {{.*}} ins(%[[ORDER]] : tensor<4xi64>)
// PERM: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<3x4xf32>
// PERM: linalg.matmul ins(%[[G]], %{{.*}} :

// -----

func.func @act_order(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 4.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 3.0]]> : tensor<4x4xf32>} : tensor<3x4xf32>
  %w = arith.constant dense<[[1.0, 0.0], [-2.0, 1.0], [0.5, 2.0], [4.0, 3.0]]> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A scheme assigned to the layer (quant-assign-precision) wins over the
// options: 8 bits per channel here, stored as bytes without unpacking.
// CHECK-LABEL: func.func @assigned_int8
// CHECK: %[[C:.*]] = arith.constant dense<{{.*}}> : tensor<4x2xi8>
// CHECK: %[[Q:.*]] = quant.scast %[[C]] : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8:f32:1, {
// CHECK: %[[W:.*]] = qf.dequantize %[[Q]]
// CHECK: linalg.matmul {qf.scheme = {{.*}}} ins(%{{.*}}, %[[W]] :
func.func @assigned_int8(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>} : tensor<3x4xf32>
  %w = arith.constant dense<[[1.0, 0.0], [-2.0, 1.0], [0.5, 2.0], [4.0, 3.0]]> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul {qf.scheme = #qf.scheme<weight = i8, per_channel, asymmetric, rounding = half_even>} ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A float-cast scheme is left to quant-quantize: the weight stays.
// CHECK-LABEL: func.func @assigned_f16
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<4x2xf32>
// CHECK: linalg.matmul {qf.scheme = {{.*}}} ins(%{{.*}}, %[[W]] :
func.func @assigned_f16(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]> : tensor<4x4xf32>} : tensor<3x4xf32>
  %w = arith.constant dense<[[1.0, 0.0], [-2.0, 1.0], [0.5, 2.0], [4.0, 3.0]]> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul {qf.scheme = #qf.scheme<weight = f16, per_tensor, symmetric, rounding = half_even>} ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
