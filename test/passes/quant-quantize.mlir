// RUN: qf-opt %s --quant-quantize="scheme=w8a8" --split-input-file | FileCheck %s --check-prefix=W8A8
// RUN: qf-opt %s --quant-quantize="scheme=w4a16" --split-input-file | FileCheck %s --check-prefix=W4
// RUN: qf-opt %s --quant-quantize="scheme=w4a16g2 symmetric=false" --split-input-file | FileCheck %s --check-prefix=W4G2
// RUN: qf-opt %s --quant-quantize="scheme=w8a8 dynamic-activations=per-token" --split-input-file | FileCheck %s --check-prefix=TOKEN
// RUN: qf-opt %s --quant-quantize="weight-bits=8 act-bits=none granularity=tensor" --split-input-file | FileCheck %s --check-prefix=TENSOR
// RUN: qf-opt %s --quant-quantize="scheme=f16" --split-input-file | FileCheck %s --check-prefix=F16

// Weights by hand: column 0 is [1, 0.25, 2, -0.5] (max |w| 2), column 1
// [-2, 1, 0, 0.5] (2), column 2 [0.5, -1, 0.5, 1] (1). Symmetric int8 scales
// are max|w| / 127; codes round(w / scale) with the division in f32.
// Activations: x in [-1, 2] -> scale 3/255, zero point round(-128 + 1/s) = -43;
// y in [-4, 6] -> scale 10/255, zero point -26.

func.func @matmul(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[1.0, -2.0, 0.5], [0.25, 1.0, -1.0], [2.0, 0.0, 0.5], [-0.5, 0.5, 1.0]]> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %xo = qf.observe %x id 0 stats {max = 2.0 : f32, min = -1.0 : f32} : tensor<2x4xf32>
  %y = linalg.matmul ins(%xo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  %yo = qf.observe %y id 1 stats {max = 6.0 : f32, min = -4.0 : f32} : tensor<2x3xf32>
  return %yo : tensor<2x3xf32>
}

// W8A8-LABEL: func.func @matmul
// W8A8-NOT: dense<{{\[}}[1.0
// W8A8: %[[C:.*]] = arith.constant dense<{{\[}}[64, -127, 64], [16, 64, -127], [127, 0, 64], [-32, 32, 127]]> : tensor<4x3xi8>
// W8A8: %[[WQ:.*]] = quant.scast %[[C]] : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {0.015748031496062992,0.015748031496062992,0.0078740157480314959}>>
// W8A8: %[[WD:.*]] = qf.dequantize %[[WQ]]
// W8A8: %[[XQ:.*]] = qf.quantize %arg0 half_even : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<i8:f32, 0.011764705882352941:-43>>
// W8A8: %[[XD:.*]] = qf.dequantize %[[XQ]]
// W8A8: %[[Y:.*]] = linalg.matmul ins(%[[XD]], %[[WD]] : tensor<2x4xf32>, tensor<4x3xf32>)
// W8A8: %[[YQ:.*]] = qf.quantize %[[Y]] half_even : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32, 0.039215686274509803:-26>>
// W8A8: %[[YD:.*]] = qf.dequantize %[[YQ]]
// W8A8-NOT: qf.observe
// W8A8: return %[[YD]]

// Int4 per channel: scales max|w| / 7 (2/7, 2/7, 1/7); row 0 codes
// (3, -7, 3) (1 / f32(2/7) and 0.5 / f32(1/7) are 3.4999998, not 3.5),
// packed low nibble first: 0x93 = -109 and 0x03.
// W4-LABEL: func.func @matmul
// W4-NOT: qf.quantize
// W4: %[[P:.*]] = arith.constant dense<{{\[}}[-109, 3], [49, 9], [7, 3], [46, 7]]> : tensor<4x2xi8>
// W4: %[[U:.*]] = qf.unpack %[[P]] : tensor<4x2xi8> -> tensor<4x3x!quant.uniform<i4<-7:7>:f32:1, {0.2857142857142857,0.2857142857142857,0.14285714285714285}>>
// W4: %[[WD:.*]] = qf.dequantize %[[U]]
// W4: linalg.matmul ins(%arg0, %[[WD]] : tensor<2x4xf32>, tensor<4x3xf32>)
// W4-NOT: qf.observe

// Groups of 2 along K, asymmetric: column 0 rows 0-1 are [1, 0.25] -> range
// [0, 1] (always containing 0), scale 1/15, zero point -8.
// W4G2-LABEL: func.func @matmul
// W4G2: qf.unpack %{{.*}} : tensor<4x2xi8> -> tensor<4x3x!quant.uniform<i4:f32:{0:2, 1:1}, {{\{}}{0.0666666701:-8, 2.000000e-01:2, 1.000000e-01:2}, {0.166666672:-5, 0.0333333351:-8, 0.0666666701:-8}}>>

// Dynamic per token: one scale per row of x, no static activation types.
// TOKEN-LABEL: func.func @matmul
// TOKEN: %[[Q:.*]], %[[S:.*]] = qf.dynamic_quantize %arg0 half_even : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<i8<-127:127>:f32, 1.000000e+00>>, tensor<2x1xf32>
// TOKEN: %[[XD:.*]] = qf.dynamic_dequantize %[[Q]], %[[S]]
// TOKEN: linalg.matmul ins(%[[XD]], %{{.*}} : tensor<2x4xf32>, tensor<4x3xf32>)
// TOKEN-NOT: qf.quantize

// Per tensor, from the individual options: one scale 2/127.
// TENSOR-LABEL: func.func @matmul
// TENSOR: quant.scast %{{.*}} : tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8<-127:127>:f32, 0.015748031496062992>>
// TENSOR-NOT: qf.quantize

// F16-LABEL: func.func @matmul
// F16: %[[H:.*]] = arith.constant dense<{{.*}}> : tensor<4x3xf16>
// F16: %[[W:.*]] = arith.extf %[[H]] : tensor<4x3xf16> to tensor<4x3xf32>
// F16: linalg.matmul ins(%arg0, %[[W]]

// -----

// A per-op scheme wins over the options; a batch matmul's weight is
// quantized per channel on its last dimension; a second consumer of the same
// observed activation shares its quantize/dequantize.
func.func @per_op_scheme(%x: tensor<2x2x4xf32>, %v: tensor<2x4xf32>) -> (tensor<2x2x3xf32>, tensor<2x3xf32>) {
  %w = arith.constant dense<1.0> : tensor<2x4x3xf32>
  %w2 = arith.constant dense<0.5> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2x3xf32>) -> tensor<2x2x3xf32>
  %xo = qf.observe %x id 0 stats {max = 1.0 : f32, min = -1.0 : f32} : tensor<2x2x4xf32>
  %y = linalg.batch_matmul {qf.scheme = #qf.scheme<weight = i8, act = i8, per_channel, symmetric, rounding = half_away>}
      ins(%xo, %w : tensor<2x2x4xf32>, tensor<2x4x3xf32>) outs(%f : tensor<2x2x3xf32>) -> tensor<2x2x3xf32>
  %e2 = tensor.empty() : tensor<2x3xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %vo = qf.observe %v id 1 stats {max = 1.0 : f32, min = -1.0 : f32} : tensor<2x4xf32>
  %z = linalg.matmul ins(%vo, %w2 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f2 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %z2 = linalg.matmul ins(%vo, %w2 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y, %z2 : tensor<2x2x3xf32>, tensor<2x3xf32>
}

// W4-LABEL: func.func @per_op_scheme
// W4: quant.scast %{{.*}} : tensor<2x4x3xi8> to tensor<2x4x3x!quant.uniform<i8<-127:127>:f32:2, {0.0078740157480314959,0.0078740157480314959,0.0078740157480314959}>>
// W4: qf.unpack
// W4-NOT: qf.unpack
// W4: qf.quantize %arg0 half_away : tensor<2x2x4xf32> -> tensor<2x2x4x!quant.uniform<i8:f32
// W4: linalg.batch_matmul
// W4-NOT: qf.quantize
// W8A8-LABEL: func.func @per_op_scheme
// W8A8: qf.quantize %arg1 half_even
// W8A8-NOT: qf.quantize %arg1
// TENSOR-LABEL: func.func @per_op_scheme
// F16-LABEL: func.func @per_op_scheme
// TOKEN-LABEL: func.func @per_op_scheme
// W4G2-LABEL: func.func @per_op_scheme
