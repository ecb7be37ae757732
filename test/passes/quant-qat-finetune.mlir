// RUN: qf-opt %s --split-input-file --quant-qat-finetune="bits=4 steps=0" | FileCheck %s
// RUN: qf-opt %s --quant-qat-finetune="bits=3 group-size=2 steps=50 report=%t.json" | FileCheck %s --check-prefix=TUNED
// RUN: FileCheck %s --check-prefix=REPORT < %t.json

// With no steps the result is round to nearest with min/max parameters,
// computed by hand: output channel 0 has w = [1, -2, 0.5, 4]: range
// [-2, 4], scale 6/15 = 0.4, zero round(2 / 0.4) = 5; codes
// round(w / 0.4) + 5 = [7, 0, 6, 15] (half to even: 2.5 -> 2), stored
// signed (- 8): [-1, -8, -2, 7], zero point -3. Channel 1, w = [0, 1, 2, 3]:
// range [0, 3], scale 0.2, zero 0, codes [0, 5, 10, 15] -> [-8, -3, 2, 7],
// zero point -8. Packed two per byte, channel 0 in the low nibble.
// CHECK-LABEL: func.func @layer
// CHECK: %[[C:.*]] = arith.constant dense<{{\[\[}}-113], [-40], [46], [119]]> : tensor<4x1xi8>
// CHECK: %[[U:.*]] = qf.unpack %[[C]] : tensor<4x1xi8> -> tensor<4x2x!quant.uniform<i4:f32:1, {4.000000e-01:-3,2.000000e-01:-8}>>
// CHECK: %[[W:.*]] = qf.dequantize %[[U]] {qf.quantized_by = {{{.*}}scheme = "qat-finetune w4 per channel"
// CHECK: linalg.matmul ins(%{{.*}}, %[[W]] :

// Fine-tuned in groups of 2 along the reduction: 3-bit codes, one scale and
// zero point per group and output channel.
// TUNED-LABEL: func.func @layer
// TUNED: qf.unpack {{.*}} -> tensor<4x2x!quant.uniform<i3:f32:{0:2, 1:1}
// TUNED: qf.dequantize {{.*}}qf.quantized_by = {{{.*}}scheme = "qat-finetune w3 g2"
// TUNED: linalg.matmul

// REPORT: "layers":
// REPORT: "best_step":
// REPORT-NEXT: "finetuned_loss":
// REPORT-NEXT: "layer":
// REPORT-NEXT: "rtn_loss":

func.func @layer(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<[[2.0, 1.0, 0.5, 0.0], [1.0, 2.0, 1.0, 0.5], [0.5, 1.0, 2.0, 1.0], [0.0, 0.5, 1.0, 2.0]]> : tensor<4x4xf32>} : tensor<3x4xf32>
  %w = arith.constant dense<[[1.0, 0.0], [-2.0, 1.0], [0.5, 2.0], [4.0, 3.0]]> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// An unobserved layer stays float (with a remark).
// CHECK-LABEL: func.func @unobserved
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<4x2xf32>)
func.func @unobserved(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<1.0> : tensor<4x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
