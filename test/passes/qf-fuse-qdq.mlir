// RUN: qf-opt %s --qf-fuse-qdq --split-input-file | FileCheck %s

!x = !quant.uniform<i8:f32, 0.5:-3>
!w = !quant.uniform<i8<-127:127>:f32:1, {0.25, 0.125}>
!y = !quant.uniform<i8:f32, 0.1:2>

// A constant bias broadcast into the init becomes the i32 bias at
// s_x * s_w (0.125, 0.0625): round(0.3 / 0.125) = 2, round(-0.2 / 0.0625)
// = -3; the quantize of the result becomes a requantize with its rounding.
// CHECK-LABEL: func.func @static_bias
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[2, -3]> : tensor<2xi32>
// CHECK-DAG: %[[WQ:.*]] = quant.scast %{{.*}} : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8<-127:127>:f32:1, {2.500000e-01,1.250000e-01}>>
// CHECK-DAG: %[[BQ:.*]] = quant.scast %[[B]] : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {1.250000e-01,6.250000e-02}>>
// CHECK: %[[ACC:.*]] = qf.matmul %arg0, %[[WQ]] bias %[[BQ]] : {{.*}} -> tensor<2x2x!quant.uniform<i32:f32:1, {1.250000e-01,6.250000e-02}>>
// CHECK: %[[R:.*]] = qf.requantize %[[ACC]] half_away : {{.*}} -> tensor<2x2x!quant.uniform<i8:f32, 1.000000e-01:2>>
// CHECK: %[[Y:.*]] = qf.dequantize %[[R]]
// CHECK-NOT: linalg.matmul
// CHECK: return %[[Y]]
func.func @static_bias(%xq: tensor<2x4x!x>) -> tensor<2x2xf32> {
  %wc = arith.constant dense<[[1, 2], [3, 4], [5, 6], [7, 8]]> : tensor<4x2xi8>
  %wq = quant.scast %wc : tensor<4x2xi8> to tensor<4x2x!w>
  %w = qf.dequantize %wq : tensor<4x2x!w> -> tensor<4x2xf32>
  %x = qf.dequantize %xq : tensor<2x4x!x> -> tensor<2x4xf32>
  %b = arith.constant dense<[0.3, -0.2]> : tensor<2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<2x2xf32>) dimensions = [0]
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%bb : tensor<2x2xf32>) -> tensor<2x2xf32>
  %yq = qf.quantize %y half_away : tensor<2x2xf32> -> tensor<2x2x!y>
  %yd = qf.dequantize %yq : tensor<2x2x!y> -> tensor<2x2xf32>
  return %yd : tensor<2x2xf32>
}

// -----

!x = !quant.uniform<i8:f32, 0.5:-3>
!w = !quant.uniform<i8<-127:127>:f32, 0.25>

// A zero init and a float consumer: the accumulator is dequantized.
// CHECK-LABEL: func.func @float_result
// CHECK: %[[ACC:.*]] = qf.matmul %arg0, %{{.*}} : {{.*}} -> tensor<2x2x!quant.uniform<i32:f32, 1.250000e-01>>
// CHECK: %[[Y:.*]] = qf.dequantize %[[ACC]] : tensor<2x2x!quant.uniform<i32:f32, 1.250000e-01>> -> tensor<2x2xf32>
// CHECK: return %[[Y]]
func.func @float_result(%xq: tensor<2x4x!x>) -> tensor<2x2xf32> {
  %wc = arith.constant dense<1> : tensor<4x2xi8>
  %wq = quant.scast %wc : tensor<4x2xi8> to tensor<4x2x!w>
  %w = qf.dequantize %wq : tensor<4x2x!w> -> tensor<4x2xf32>
  %x = qf.dequantize %xq : tensor<2x4x!x> -> tensor<2x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

!w = !quant.uniform<i8<-127:127>:f32:1, {0.25, 0.125}>
!u = !quant.uniform<i8<-127:127>:f32, 1.0>

// Dynamic per-token activation: the accumulator carries the weight scales
// and qf.dynamic_dequantize the per-token ones; a bias cannot fold into the
// integers (its scale would vary by row), so it is added in float.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[Q:.*]], %[[S:.*]] = qf.dynamic_quantize %arg0
// CHECK: %[[B:.*]] = linalg.broadcast
// CHECK: %[[ACC:.*]] = qf.matmul %[[Q]], %{{.*}} : {{.*}} -> tensor<2x2x!quant.uniform<i32:f32:1, {2.500000e-01,1.250000e-01}>>
// CHECK: %[[Y:.*]] = qf.dynamic_dequantize %[[ACC]], %[[S]]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[Y]], %[[B]] : tensor<2x2xf32>, tensor<2x2xf32>) outs(%[[B]] : tensor<2x2xf32>)
// CHECK: arith.addf
// CHECK: return %[[SUM]]
func.func @dynamic(%x0: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %wc = arith.constant dense<1> : tensor<4x2xi8>
  %wq = quant.scast %wc : tensor<4x2xi8> to tensor<4x2x!w>
  %w = qf.dequantize %wq : tensor<4x2x!w> -> tensor<4x2xf32>
  %q, %s = qf.dynamic_quantize %x0 half_even : tensor<2x4xf32> -> tensor<2x4x!u>, tensor<2x1xf32>
  %x = qf.dynamic_dequantize %q, %s : tensor<2x4x!u>, tensor<2x1xf32> -> tensor<2x4xf32>
  %b = arith.constant dense<[0.3, -0.2]> : tensor<2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<2x2xf32>) dimensions = [0]
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%bb : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

!x = !quant.uniform<i8:f32, 0.5:-3>
!f = !quant.uniform<i8<-127:127>:f32:3, {0.25, 0.125}>
!y = !quant.uniform<i8:f32, 0.1>

// Convolution with a per-channel filter and a constant bias.
// CHECK-LABEL: func.func @conv
// CHECK: %[[ACC:.*]] = qf.conv2d %arg0, %{{.*}} bias %{{.*}} strides [2, 2] dilations [1, 1] padding [0, 0, 0, 0] groups 1
// CHECK-SAME: -> tensor<1x2x2x2x!quant.uniform<i32:f32:3, {1.250000e-01,6.250000e-02}>>
// CHECK: qf.requantize %[[ACC]] half_even
func.func @conv(%xq: tensor<1x5x5x3x!x>) -> tensor<1x2x2x2x!y> {
  %wc = arith.constant dense<1> : tensor<3x3x3x2xi8>
  %wq = quant.scast %wc : tensor<3x3x3x2xi8> to tensor<3x3x3x2x!f>
  %w = qf.dequantize %wq : tensor<3x3x3x2x!f> -> tensor<3x3x3x2xf32>
  %x = qf.dequantize %xq : tensor<1x5x5x3x!x> -> tensor<1x5x5x3xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x2x2x2xf32>) dimensions = [0, 1, 2]
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x5x5x3xf32>, tensor<3x3x3x2xf32>) outs(%bb : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %yq = qf.quantize %y half_even : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x!y>
  return %yq : tensor<1x2x2x2x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.5:-3>
!w4 = !quant.uniform<i4:f32:{0:2, 1:1}, {{0.5:1, 0.25:0}, {0.5:1, 0.25:0}}>

// Not fused: a sub-byte, per-group (weight-only) weight stays a float
// matmul, which the lowering turns into dequantize-on-the-fly.
// CHECK-LABEL: func.func @weight_only
// CHECK-NOT: qf.matmul
// CHECK: linalg.matmul
func.func @weight_only(%x: tensor<2x4xf32>, %p: tensor<4x1xi8>) -> tensor<2x2xf32> {
  %wq = qf.unpack %p : tensor<4x1xi8> -> tensor<4x2x!w4>
  %w = qf.dequantize %wq : tensor<4x2x!w4> -> tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

!x = !quant.uniform<i8:f32, 0.5:-3>
!w = !quant.uniform<i8<-127:127>:f32, 0.25>
!y = !quant.uniform<i8:f32, 0.1>

// An init that is not a constant (an accumulation into %acc) is added in
// float; the quantize of the sum stays a float quantize.
// CHECK-LABEL: func.func @accumulate
// CHECK: %[[ACC:.*]] = qf.matmul
// CHECK: %[[D:.*]] = qf.dequantize %[[ACC]]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[D]], %arg1 : tensor<2x2xf32>, tensor<2x2xf32>)
// CHECK: qf.quantize %[[SUM]] half_even
// CHECK-NOT: qf.requantize
func.func @accumulate(%xq: tensor<2x4x!x>, %acc: tensor<2x2xf32>) -> tensor<2x2x!y> {
  %wc = arith.constant dense<1> : tensor<4x2xi8>
  %wq = quant.scast %wc : tensor<4x2xi8> to tensor<4x2x!w>
  %w = qf.dequantize %wq : tensor<4x2x!w> -> tensor<4x2xf32>
  %x = qf.dequantize %xq : tensor<2x4x!x> -> tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%acc : tensor<2x2xf32>) -> tensor<2x2xf32>
  %yq = qf.quantize %y half_even : tensor<2x2xf32> -> tensor<2x2x!y>
  return %yq : tensor<2x2x!y>
}

// -----

!x = !quant.uniform<i8:f32, 0.5:-3>
!w = !quant.uniform<i8<-127:127>:f32:2, {0.25, 0.125}>
!y = !quant.uniform<i8:f32, 0.1>

// Batch matmul with a per-channel weight on its last dimension.
// CHECK-LABEL: func.func @batch
// CHECK: %[[ACC:.*]] = qf.matmul %arg0, %{{.*}} : tensor<3x2x4x!quant.uniform<i8:f32, 5.000000e-01:-3>>, tensor<3x4x2x!quant.uniform<i8<-127:127>:f32:2, {2.500000e-01,1.250000e-01}>> -> tensor<3x2x2x!quant.uniform<i32:f32:2, {1.250000e-01,6.250000e-02}>>
// CHECK: qf.requantize %[[ACC]] half_even
// CHECK-NOT: linalg.batch_matmul
func.func @batch(%xq: tensor<3x2x4x!x>) -> tensor<3x2x2x!y> {
  %wc = arith.constant dense<1> : tensor<3x4x2xi8>
  %wq = quant.scast %wc : tensor<3x4x2xi8> to tensor<3x4x2x!w>
  %w = qf.dequantize %wq : tensor<3x4x2x!w> -> tensor<3x4x2xf32>
  %x = qf.dequantize %xq : tensor<3x2x4x!x> -> tensor<3x2x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2x2xf32>) -> tensor<3x2x2xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<3x2x4xf32>, tensor<3x4x2xf32>) outs(%f : tensor<3x2x2xf32>) -> tensor<3x2x2xf32>
  %yq = qf.quantize %y half_even : tensor<3x2x2xf32> -> tensor<3x2x2x!y>
  return %yq : tensor<3x2x2x!y>
}

// -----

!a = !quant.uniform<i8:f32, 0.5:-3>
!b = !quant.uniform<i8<-127:127>:f32, 0.25>
!y = !quant.uniform<i8:f32, 0.1>

// Attention scores over a dynamic sequence: activations on both sides, the
// output's channel count (the key length) dynamic. The zero init folds away.
// CHECK-LABEL: func.func @dynamic_channels
// CHECK: %[[ACC:.*]] = qf.matmul %arg0, %arg1 : tensor<?x?x32x!quant.uniform<i8:f32, 5.000000e-01:-3>>, tensor<?x32x?x!quant.uniform<i8<-127:127>:f32, 2.500000e-01>> -> tensor<?x?x?x!quant.uniform<i32:f32, 1.250000e-01>>
// CHECK: qf.requantize %[[ACC]] half_even
// CHECK-NOT: linalg.batch_matmul
func.func @dynamic_channels(%aq: tensor<?x?x32x!a>, %bq: tensor<?x32x?x!b>) -> tensor<?x?x?x!y> {
  %a = qf.dequantize %aq : tensor<?x?x32x!a> -> tensor<?x?x32xf32>
  %b = qf.dequantize %bq : tensor<?x32x?x!b> -> tensor<?x32x?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = tensor.dim %a, %c0 : tensor<?x?x32xf32>
  %m = tensor.dim %a, %c1 : tensor<?x?x32xf32>
  %k = tensor.dim %b, %c2 : tensor<?x32x?xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%n, %m, %k) : tensor<?x?x?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %y = linalg.batch_matmul ins(%a, %b : tensor<?x?x32xf32>, tensor<?x32x?xf32>) outs(%f : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %yq = qf.quantize %y half_even : tensor<?x?x?xf32> -> tensor<?x?x?x!y>
  return %yq : tensor<?x?x?x!y>
}
