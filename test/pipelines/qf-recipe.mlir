// RUN: qf-opt %s --pass-pipeline='builtin.module(qf-recipe-w4a16-rtn)' | FileCheck %s --check-prefix=W4
// RUN: qf-opt %s --pass-pipeline='builtin.module(qf-recipe-w8a16-rtn)' | FileCheck %s --check-prefix=W8
// RUN: qf-opt %s --quant-quantize='scheme=w4a16g128 symmetric=false group-fallback=channel' > %t.direct.mlir
// RUN: qf-opt %s --pass-pipeline='builtin.module(qf-recipe-w4a16-rtn)' > %t.recipe.mlir
// RUN: diff %t.direct.mlir %t.recipe.mlir

// A built-in recipe runs as a registered pass pipeline: w4a16-rtn is
// quant-quantize with the recipe's options, so it writes what those options
// write; the weight becomes packed int4 codes in groups of 128 along K.
// W4-LABEL: func.func @main
// W4: %[[CODES:.*]] = arith.constant dense<{{.*}}> : tensor<256x2xi8>
// W4: %[[Q:.*]] = qf.unpack %[[CODES]] : tensor<256x2xi8> -> tensor<256x4x!quant.uniform<i4:f32:{0:128, 1:1}
// W4: %[[W:.*]] = qf.dequantize %[[Q]]
// W4: linalg.matmul ins(%{{.*}}, %[[W]] :
// W8-LABEL: func.func @main
// W8: arith.constant dense<{{.*}}> : tensor<256x4xi8>
// W8: quant.scast {{.*}} to tensor<256x4x!quant.uniform<i8<-127:127>:f32:1,
func.func @main(%x: tensor<2x256xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.25> : tensor<256x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = linalg.matmul ins(%x, %w : tensor<2x256xf32>, tensor<256x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
