// RUN: qf-opt %s --split-input-file --quant-prepare-qat | FileCheck %s
// RUN: qf-opt %s --split-input-file --quant-prepare-qat="scheme=w4a16g2 symmetric=false learnable-scales=false gradient=identity group-fallback=channel" | FileCheck %s --check-prefix=W4

// Weights as in quant-quantize.mlir: symmetric int8 per output channel,
// scales max|w| / 127 = (2, 2, 1) / 127. Activations: x in [-1, 2] ->
// scale 3/255, zero point -43; y in [-4, 6] -> 10/255, -26. The float
// weight stays as the latent weight; every quantizer is learnable.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, -2.000000e+00, 5.000000e-01]
// CHECK: %[[WQ:.*]] = qf.fake_quant %[[W]] as !quant.uniform<i8<-127:127>:f32:1, {0.015748031496062992,0.015748031496062992,0.0078740157480314959}> half_even clipped learnable : tensor<4x3xf32>
// CHECK: %[[XQ:.*]] = qf.fake_quant %arg0 as !quant.uniform<i8:f32, 0.011764705882352941:-43> half_even clipped learnable : tensor<2x4xf32>
// CHECK: %[[Y:.*]] = linalg.matmul ins(%[[XQ]], %[[WQ]] :
// CHECK: %[[YQ:.*]] = qf.fake_quant %[[Y]] as !quant.uniform<i8:f32, 0.039215686274509803:-26> half_even clipped learnable
// CHECK-NOT: qf.observe
// CHECK: return %[[YQ]]

// Weight-only, groups of 2 along K, asymmetric: the weight alone is
// fake-quantized, with a blocked type; activations stay float.
// W4-LABEL: func.func @matmul
// W4: %[[WQ:.*]] = qf.fake_quant %{{.*}} as !quant.uniform<i4:f32:{0:2, 1:1}, {{.*}}> half_even identity : tensor<4x3xf32>
// W4: linalg.matmul ins(%arg0, %[[WQ]] :
// W4-NOT: qf.fake_quant
// W4: return
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

// -----

// Batch normalization is folded before the weight is fake-quantized: the
// quantizer sees [[4, -2]] (a = [4, -1]), scales 4/127 and 2/127.
// CHECK-LABEL: func.func @matmul_bn
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[}}4.000000e+00, -2.000000e+00]]>
// CHECK: qf.fake_quant %[[W]] as !quant.uniform<i8<-127:127>:f32:1, {0.031496062992125984,0.015748031496062992}>
// With group-fallback=channel, K = 1 takes per-channel parameters.
// W4-LABEL: func.func @matmul_bn
// W4: qf.fake_quant %{{.*}} as !quant.uniform<i4:f32:1, {0.26666666666666666:-8,0.13333333333333333:7}>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @matmul_bn(%x: tensor<3x1xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %a = arith.constant dense<[4.0, -1.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.25, 0.0]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %xo = qf.observe %x id 0 stats {max = 1.0 : f32, min = -1.0 : f32} : tensor<3x1xf32>
  %m = linalg.matmul ins(%xo, %w : tensor<3x1xf32>, tensor<1x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %e2 = tensor.empty() : tensor<3x2xf32>
  %y = linalg.generic {indexing_maps = [#id2, #col, #col, #id2], iterator_types = ["parallel", "parallel"]} ins(%m, %a, %b : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%e2 : tensor<3x2xf32>) {
  ^bb0(%in: f32, %aa: f32, %bb: f32, %out: f32):
    %p = arith.mulf %in, %aa : f32
    %s = arith.addf %p, %bb : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
