// RUN: qf-opt %s --convert-qf-to-linalg --split-input-file | FileCheck %s

// Per-tensor quantize: one generic on i8 storage, divide, round, clamp in
// f64 to [qmin - zp, qmax - zp], add zp, NaN to zp; the scast pair folds.
// CHECK-LABEL: func.func @quantize_per_tensor
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>) -> tensor<4xi8>
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[ZP:.*]] = arith.constant -3 : i64
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<4xf32>) outs(%{{.*}} : tensor<4xi8>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: i8):
// CHECK: %[[DIV:.*]] = arith.divf %[[IN]], %[[SCALE]] : f32
// CHECK: %[[R:.*]] = math.roundeven %[[DIV]] : f32
// CHECK: %[[R64:.*]] = arith.extf %[[R]] : f32 to f64
// CHECK: arith.maximumf %[[R64]]
// CHECK: arith.minimumf
// CHECK: arith.fptosi
// CHECK: arith.addi {{.*}}, %[[ZP]] : i64
// CHECK: arith.cmpf uno, %[[IN]], %[[IN]] : f32
// CHECK: arith.select
// CHECK: arith.trunci {{.*}} : i64 to i8
// CHECK-NOT: quant.scast
// CHECK: return %[[Q]] : tensor<4xi8>
func.func @quantize_per_tensor(%x: tensor<4xf32>) -> tensor<4xi8> {
  %q = qf.quantize %x half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5:-3>>
  %i = quant.scast %q : tensor<4x!quant.uniform<i8:f32, 0.5:-3>> to tensor<4xi8>
  return %i : tensor<4xi8>
}

// -----

// Each rounding mode picks its math op.
// CHECK-LABEL: func.func @rounding_modes
// CHECK: math.round %
// CHECK: math.floor
// CHECK: math.ceil
// CHECK: math.trunc
func.func @rounding_modes(%x: tensor<4xf32>) -> (tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f32, 0.5>>) {
  %a = qf.quantize %x half_away : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  %b = qf.quantize %x floor : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  %c = qf.quantize %x ceil : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  %d = qf.quantize %x toward_zero : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return %a, %b, %c, %d : tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<4x!quant.uniform<i8:f32, 0.5>>
}

// -----

// Per-axis: scales and zero points are constant vectors read through the
// quantized dimension; unsigned storage widens with extui on dequantize.
// CHECK: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK: #[[AXIS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @per_axis
// CHECK-DAG: %[[SCALES:.*]] = arith.constant dense<[2.500000e-01, 5.000000e-01]> : tensor<2xf32>
// CHECK-DAG: %[[ZPS:.*]] = arith.constant dense<[128, 100]> : tensor<2xi64>
// CHECK: %[[Q:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[AXIS]], #[[AXIS]], #[[ID]]]{{.*}} ins(%{{.*}}, %[[SCALES]], %[[ZPS]] : tensor<3x2xf32>, tensor<2xf32>, tensor<2xi64>) outs(%{{.*}} : tensor<3x2xi8>)
// CHECK: linalg.generic {{.*}} ins(%[[Q]], %{{.*}}, %{{.*}} : tensor<3x2xi8>, tensor<2xf32>, tensor<2xi64>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK: arith.extui {{.*}} : i8 to i64
// CHECK: arith.subi
// CHECK: arith.sitofp {{.*}} : i64 to f32
// CHECK: arith.mulf
func.func @per_axis(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %q = qf.quantize %x half_even : tensor<3x2xf32> -> tensor<3x2x!quant.uniform<u8:f32:1, {0.25:128, 0.5:100}>>
  %d = qf.dequantize %q : tensor<3x2x!quant.uniform<u8:f32:1, {0.25:128, 0.5:100}>> -> tensor<3x2xf32>
  return %d : tensor<3x2xf32>
}

// -----

// Stochastic rounding: floor in f64 plus one when the splitmix64 draw of the
// seed and the row-major element index is below the fraction.
// CHECK-LABEL: func.func @stochastic
// CHECK-DAG: %[[SEED:.*]] = arith.constant 42 : i64
// CHECK-DAG: %[[GOLDEN:.*]] = arith.constant -7046029254386353131 : i64
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK: arith.extf {{.*}} : f32 to f64
// CHECK: math.floor {{.*}} : f64
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: arith.muli %{{.*}}, %[[GOLDEN]] : i64
// CHECK: arith.addi %{{.*}}, %[[SEED]] : i64
// CHECK: arith.uitofp
// CHECK: arith.cmpf olt
// CHECK: arith.select
func.func @stochastic(%x: tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<i8:f32, 0.5>> {
  %q = qf.quantize %x stochastic seed 42 : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return %q : tensor<2x3x!quant.uniform<i8:f32, 0.5>>
}

// -----

// Requantize: (q - zp_in) * m, a rounding right shift by 31 - shift in i64,
// + zp_out, clamp; s_in / s_out = 0.05 is m = 1717986918, shift -4.
// CHECK-LABEL: func.func @requantize
// CHECK-DAG: %[[M:.*]] = arith.constant 1717986918 : i64
// CHECK-DAG: %[[SHIFT:.*]] = arith.constant 35 : i64
// CHECK-DAG: %[[ZPOUT:.*]] = arith.constant 2 : i64
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<4x8xi32>) outs(%{{.*}} : tensor<4x8xi8>)
// CHECK: arith.extsi {{.*}} : i32 to i64
// CHECK: %[[P:.*]] = arith.muli %{{.*}}, %[[M]] : i64
// CHECK: %[[Q:.*]] = arith.shrsi %[[P]], %[[SHIFT]] : i64
// CHECK: arith.shli %[[Q]], %[[SHIFT]] : i64
// CHECK: arith.cmpi sgt
// CHECK: arith.cmpi eq
// CHECK: arith.andi
// CHECK: arith.addi {{.*}}, %[[ZPOUT]] : i64
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.trunci {{.*}} : i64 to i8
func.func @requantize(%acc: tensor<4x8xi32>) -> tensor<4x8xi8> {
  %a = quant.scast %acc : tensor<4x8xi32> to tensor<4x8x!quant.uniform<i32:f32, 0.005>>
  %o = qf.requantize %a half_even : tensor<4x8x!quant.uniform<i32:f32, 0.005>> -> tensor<4x8x!quant.uniform<i8:f32, 0.1:2>>
  %i = quant.scast %o : tensor<4x8x!quant.uniform<i8:f32, 0.1:2>> to tensor<4x8xi8>
  return %i : tensor<4x8xi8>
}

// -----

// Matmul: an i32 contraction of the raw storage integers, the row sums of
// the activations and column sums of the weights, and one elementwise
// correction acc - zw*rowsum - za*colsum + K*za*zw + bias.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[LHS:.*]]: tensor<4x8xi8>, %[[RHS:.*]]: tensor<8x3xi8>, %[[BIAS:.*]]: tensor<3xi32>)
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[A]], #[[W]], #[[O]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[LHS]], %[[RHS]] : tensor<4x8xi8>, tensor<8x3xi8>) outs(%{{.*}} : tensor<4x3xi32>)
// CHECK: arith.extsi {{.*}} : i8 to i32
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: %[[ROWS:.*]] = linalg.generic {{.*}} ins(%[[LHS]] : tensor<4x8xi8>) outs(%{{.*}} : tensor<4xi32>)
// CHECK: %[[COLS:.*]] = linalg.generic {{.*}} ins(%[[RHS]] : tensor<8x3xi8>) outs(%{{.*}} : tensor<3xi32>)
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %[[ROWS]], %[[COLS]], %{{.*}}, %{{.*}}, %[[BIAS]] : tensor<4x3xi32>, tensor<4xi32>, tensor<3xi32>, tensor<1xi32>, tensor<1xi32>, tensor<3xi32>)
// CHECK-COUNT-2: arith.subi
// CHECK: arith.addi
// CHECK: arith.addi
func.func @matmul(%a: tensor<4x8xi8>, %w: tensor<8x3xi8>, %b: tensor<3xi32>) -> tensor<4x3xi32> {
  %qa = quant.scast %a : tensor<4x8xi8> to tensor<4x8x!quant.uniform<i8:f32, 0.5:3>>
  %qw = quant.scast %w : tensor<8x3xi8> to tensor<8x3x!quant.uniform<i8:f32, 0.1:-1>>
  %qb = quant.scast %b : tensor<3xi32> to tensor<3x!quant.uniform<i32:f32, 0.05>>
  %acc = qf.matmul %qa, %qw bias %qb : tensor<4x8x!quant.uniform<i8:f32, 0.5:3>>, tensor<8x3x!quant.uniform<i8:f32, 0.1:-1>>, tensor<3x!quant.uniform<i32:f32, 0.05>> -> tensor<4x3x!quant.uniform<i32:f32, 0.05>>
  %r = quant.scast %acc : tensor<4x3x!quant.uniform<i32:f32, 0.05>> to tensor<4x3xi32>
  return %r : tensor<4x3xi32>
}

// -----

// A constant weight's column sums are computed at compile time:
// [[1, 2], [3, -4], [5, 6]] sums to [9, 4].
// CHECK-LABEL: func.func @matmul_constant_weight
// CHECK-DAG: %[[COLS:.*]] = arith.constant dense<[9, 4]> : tensor<2xi32>
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: %[[ROWS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4xi32>)
// CHECK-NOT: outs(%{{.*}} : tensor<2xi32>)
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %[[ROWS]], %[[COLS]], %{{.*}}, %{{.*}} : tensor<4x2xi32>, tensor<4xi32>, tensor<2xi32>, tensor<1xi32>, tensor<1xi32>)
func.func @matmul_constant_weight(%a: tensor<4x3xi8>) -> tensor<4x2xi32> {
  %c = arith.constant dense<[[1, 2], [3, -4], [5, 6]]> : tensor<3x2xi8>
  %qw = quant.scast %c : tensor<3x2xi8> to tensor<3x2x!quant.uniform<i8:f32, 0.1>>
  %qa = quant.scast %a : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8:f32, 0.5:3>>
  %acc = qf.matmul %qa, %qw : tensor<4x3x!quant.uniform<i8:f32, 0.5:3>>, tensor<3x2x!quant.uniform<i8:f32, 0.1>> -> tensor<4x2x!quant.uniform<i32:f32, 0.05>>
  %r = quant.scast %acc : tensor<4x2x!quant.uniform<i32:f32, 0.05>> to tensor<4x2xi32>
  return %r : tensor<4x2xi32>
}

// -----

// Dynamic quantization: max|x| over the reduced dimension, the scale
// max / 127 (1 for an all-zero row), then the quantization; dequantization
// multiplies by the broadcast run-time scale (the type's scale 1.0 and zero
// point 0 fold away).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<4x8xf32>) outs(%{{.*}} : tensor<4x1xf32>)
// CHECK: math.absf
// CHECK: arith.maxnumf
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[MAX]] : tensor<4x1xf32>)
// CHECK: arith.divf
// CHECK: arith.select
// CHECK: %[[Q:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], {{.*}} ins(%arg0, %[[S]] : tensor<4x8xf32>, tensor<4x1xf32>) outs(%{{.*}} : tensor<4x8xi8>)
// CHECK: math.roundeven
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], {{.*}} ins(%[[Q]], %[[S]] : tensor<4x8xi8>, tensor<4x1xf32>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: arith.sitofp
// CHECK: arith.mulf %{{.*}}, %in
func.func @dynamic(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %q, %s = qf.dynamic_quantize %x half_even : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8<-127:127>:f32, 1.0>>, tensor<4x1xf32>
  %d = qf.dynamic_dequantize %q, %s : tensor<4x8x!quant.uniform<i8<-127:127>:f32, 1.0>>, tensor<4x1xf32> -> tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// -----

// Dynamic rows (batch times sequence): the sizes of the lowered generics
// are read from the storage integers, so no quantized value survives.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-NOT: quant.scast
// CHECK-NOT: !quant.uniform
// CHECK: tensor.dim %{{.*}} : tensor<?x8xi8>
// CHECK: return %{{.*}} : tensor<?x8xf32>
func.func @dynamic_rows(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %q, %s = qf.dynamic_quantize %x half_even : tensor<?x8xf32> -> tensor<?x8x!quant.uniform<i8<-127:127>:f32, 1.0>>, tensor<?x1xf32>
  %d = qf.dynamic_dequantize %q, %s : tensor<?x8x!quant.uniform<i8<-127:127>:f32, 1.0>>, tensor<?x1xf32> -> tensor<?x8xf32>
  return %d : tensor<?x8xf32>
}

// -----

// Sub-byte weights are never stored unpacked: dequantize(unpack) extracts
// each 3-bit code from the packed bytes (two bytes, as a code may straddle
// them) and dequantizes it in one generic.
// CHECK-LABEL: func.func @unpack_dequantize
// CHECK-NOT: tensor<4x8xi3>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: linalg.index 1
// CHECK: tensor.extract %arg0
// CHECK: tensor.extract %arg0
// CHECK: arith.shrui
// CHECK: arith.shrsi
// CHECK: arith.sitofp
func.func @unpack_dequantize(%p: tensor<4x3xi8>) -> tensor<4x8xf32> {
  %u = qf.unpack %p : tensor<4x3xi8> -> tensor<4x8x!quant.uniform<i3:f32, 0.5:1>>
  %d = qf.dequantize %u : tensor<4x8x!quant.uniform<i3:f32, 0.5:1>> -> tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// -----

// A weight-only matmul dequantizes each int4 weight where it reads it:
// one (m, n, k) contraction, the packed bytes read by tensor.extract, group
// scales through a floordiv map.
// CHECK-DAG: #[[G:.*]] = affine_map<(d0, d1, d2) -> (d2 floordiv 4, d1)>
// CHECK-LABEL: func.func @weight_only_matmul
// CHECK-NOT: qf.
// CHECK: linalg.generic {indexing_maps = [{{.*}}, #[[G]], #[[G]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction"]} ins(%arg0, %{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<2x4xf32>, tensor<2x4xi64>)
// CHECK: tensor.extract %arg1
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: linalg.matmul
func.func @weight_only_matmul(%x: tensor<2x8xf32>, %p: tensor<8x2xi8>) -> tensor<2x4xf32> {
  %u = qf.unpack %p : tensor<8x2xi8> -> tensor<8x4x!quant.uniform<i4:f32:{0:4, 1:1}, {{0.5:1, 0.25:0, 0.5:1, 0.25:0}, {0.5:1, 0.25:0, 0.5:1, 0.25:0}}>>
  %w = qf.dequantize %u : tensor<8x4x!quant.uniform<i4:f32:{0:4, 1:1}, {{0.5:1, 0.25:0, 0.5:1, 0.25:0}, {0.5:1, 0.25:0, 0.5:1, 0.25:0}}>> -> tensor<8x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Conv2d: pad with the input zero point, split channels into groups, one
// generic over (n, oh, ow, g, f, kh, kw, c) starting from the bias.
// CHECK-LABEL: func.func @conv2d
// CHECK-DAG: %[[ZX:.*]] = arith.constant -3 : i8
// CHECK: %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %[[ZX]] : i8
// CHECK: %[[X:.*]] = tensor.expand_shape %[[PAD]] {{\[\[}}0], [1], [2], [3, 4]] output_shape [1, 8, 8, 2, 2]
// CHECK: %[[W:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1], [2], [3, 4]] output_shape [3, 3, 2, 2, 3]
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%[[X]], %[[W]], %{{.*}} : tensor<1x8x8x2x2xi8>, tensor<3x3x2x2x3xi8>, tensor<2x3xi32>) outs(%[[INIT]] : tensor<1x6x6x2x3xi32>)
// CHECK: tensor.collapse_shape %[[ACC]] {{\[\[}}0], [1], [2], [3, 4]] : tensor<1x6x6x2x3xi32> into tensor<1x6x6x6xi32>
func.func @conv2d(%x: tensor<1x6x6x4xi8>, %w: tensor<3x3x2x6xi8>) -> tensor<1x6x6x6xi32> {
  %qx = quant.scast %x : tensor<1x6x6x4xi8> to tensor<1x6x6x4x!quant.uniform<i8:f32, 0.5:-3>>
  %qw = quant.scast %w : tensor<3x3x2x6xi8> to tensor<3x3x2x6x!quant.uniform<i8:f32, 0.1>>
  %acc = qf.conv2d %qx, %qw strides [1, 1] dilations [1, 1] padding [1, 1, 1, 1] groups 2
      : tensor<1x6x6x4x!quant.uniform<i8:f32, 0.5:-3>>, tensor<3x3x2x6x!quant.uniform<i8:f32, 0.1>>
      -> tensor<1x6x6x6x!quant.uniform<i32:f32, 0.05>>
  %r = quant.scast %acc : tensor<1x6x6x6x!quant.uniform<i32:f32, 0.05>> to tensor<1x6x6x6xi32>
  return %r : tensor<1x6x6x6xi32>
}

// -----

// fake_quant stays in float: quantize then dequantize in one generic.
// CHECK-LABEL: func.func @fake_quant
// CHECK: %[[F:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<8x16xf32>) outs(%{{.*}} : tensor<8x16xf32>)
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.select
// CHECK: arith.subi
// CHECK: arith.sitofp {{.*}} : i64 to f32
// CHECK: arith.mulf
// CHECK: return %[[F]] : tensor<8x16xf32>
func.func @fake_quant(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %y = qf.fake_quant %x as !quant.uniform<i8:f32, 0.02:-1> half_even clipped : tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// Sub-byte fake quantization lowers too: codes are i64 and never stored.
// CHECK-LABEL: func.func @fake_quant_int3
// CHECK: linalg.generic
// CHECK-NOT: qf.fake_quant
func.func @fake_quant_int3(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %y = qf.fake_quant %x as !quant.uniform<i3:f32, 0.5> floor clipped : tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// fake_quant_grad per axis: the input gradient elementwise, the parameter
// gradients a reduction over the rows, one per column.
// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @fake_quant_grad_axis
// CHECK: %[[DX:.*]] = linalg.generic {indexing_maps = [#[[ALL]], #[[ALL]], #[[COL]], #[[COL]], #[[ALL]]], iterator_types = ["parallel", "parallel"]}
// CHECK: %[[P:.*]]:2 = linalg.generic {indexing_maps = [#[[ALL]], #[[ALL]], #[[COL]], #[[COL]], #[[COL]], #[[COL]]], iterator_types = ["reduction", "parallel"]}
// CHECK: return %[[DX]], %[[P]]#0, %[[P]]#1
func.func @fake_quant_grad_axis(%x: tensor<4x2xf32>, %dy: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %dx, %ds, %dz = qf.fake_quant_grad %x, %dy as !quant.uniform<i8:f32:1, {0.1, 0.2}> half_even clipped : tensor<4x2xf32> -> tensor<2xf32>
  return %dx, %ds, %dz : tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>
}

// -----

// Blocked: rows in groups of 2 are expanded into (group, row) loops; the
// sums run over the rows of a group and the columns, then take the scale
// grid's shape [2, 1].
// CHECK-LABEL: func.func @fake_quant_grad_blocked
// CHECK: tensor.expand_shape %arg0 {{\[\[}}0, 1], [2]] output_shape [2, 2, 3]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: tensor.collapse_shape
// CHECK: %[[P:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: tensor.expand_shape %[[P]]#0 {{\[\[}}0, 1]] output_shape [2, 1] : tensor<2xf32> into tensor<2x1xf32>
func.func @fake_quant_grad_blocked(%x: tensor<4x3xf32>, %dy: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<2x1xf32>, tensor<2x1xf32>) {
  %dx, %ds, %dz = qf.fake_quant_grad %x, %dy as !quant.uniform<i4:f32:{0:2}, {{0.5:1}, {0.25:-2}}> half_even clipped : tensor<4x3xf32> -> tensor<2x1xf32>
  return %dx, %ds, %dz : tensor<4x3xf32>, tensor<2x1xf32>, tensor<2x1xf32>
}

// -----

// Blocked (sub-channel) types read their scale grid through floordiv maps.
// CHECK: #[[GRID:.*]] = affine_map<(d0, d1) -> (d0 floordiv 2, d1 floordiv 4)>
// CHECK-LABEL: func.func @blocked
// CHECK: arith.constant dense<{{\[\[}}5.000000e-01, 2.500000e-01], [1.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK: arith.constant dense<{{\[\[}}0, 1], [-1, 0]]> : tensor<2x2xi64>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[GRID]], #[[GRID]], #{{.*}}]
func.func @blocked(%x: tensor<4x8xf32>) -> tensor<4x8x!quant.uniform<i8:f32:{0:2, 1:4}, {{0.5, 0.25:1}, {1.0:-1, 2.0}}>> {
  %q = qf.quantize %x half_even : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32:{0:2, 1:4}, {{0.5, 0.25:1}, {1.0:-1, 2.0}}>>
  return %q : tensor<4x8x!quant.uniform<i8:f32:{0:2, 1:4}, {{0.5, 0.25:1}, {1.0:-1, 2.0}}>>
}
