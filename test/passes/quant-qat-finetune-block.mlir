// RUN: qf-opt %s --split-input-file --verify-diagnostics --quant-qat-finetune="bits=4 per=block steps=20 report=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=REPORT < %t.json

// (The report is the last chunk's: the block.)

// A transpose between the layers is not elementwise: each layer is
// fine-tuned alone.
// CHECK-LABEL: func.func @not_a_block
// CHECK-COUNT-2: scheme = "qat-finetune w4 per channel per block"
func.func @not_a_block(%x: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]> : tensor<3x3xf32>, row_sample = dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>} : tensor<3x3xf32>
  %w = arith.constant dense<[[0.9, -0.31, 0.47], [0.22, 0.83, -0.66], [0.1, 0.2, 0.3]]> : tensor<3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<3x3xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<3x3xf32>) -> tensor<3x3xf32>
  %h = linalg.matmul ins(%xo, %w : tensor<3x3xf32>, tensor<3x3xf32>) outs(%f1 : tensor<3x3xf32>) -> tensor<3x3xf32>
  %e2 = tensor.empty() : tensor<3x3xf32>
  %t = linalg.transpose ins(%h : tensor<3x3xf32>) outs(%e2 : tensor<3x3xf32>) permutation = [1, 0]
  %to = qf.observe %t id 1 stats {hessian = dense<[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]> : tensor<3x3xf32>} : tensor<3x3xf32>
  %w2 = arith.constant dense<[[0.5, -0.71, 0.1], [0.37, 0.24, 0.2], [-0.93, 0.61, 0.3]]> : tensor<3x3xf32>
  %e3 = tensor.empty() : tensor<3x3xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<3x3xf32>) -> tensor<3x3xf32>
  // expected-remark @below {{QAT fine-tuning: not a block with the layer before, 'linalg.transpose' between the layers is not elementwise; fine-tuned alone}}
  %y = linalg.matmul ins(%to, %w2 : tensor<3x3xf32>, tensor<3x3xf32>) outs(%f3 : tensor<3x3xf32>) -> tensor<3x3xf32>
  return %y : tensor<3x3xf32>
}

// -----

// Two matmuls with a bias add and ReLU between them form a block: both
// weights are fine-tuned together, on the 6 sampled rows of the input.
// CHECK-LABEL: func.func @mlp
// CHECK: qf.dequantize {{.*}}qf.quantized_by = {{{.*}}scheme = "qat-finetune w4 per channel per block"
// CHECK: linalg.matmul
// CHECK: qf.dequantize {{.*}}qf.quantized_by = {{{.*}}scheme = "qat-finetune w4 per channel per block"
// CHECK: linalg.matmul
// REPORT: "block": [
// REPORT-NEXT: "mlp.fc1"
// REPORT-NEXT: "mlp.fc2"
// REPORT: "finetuned_loss":
// REPORT-NEXT: "rtn_loss":
#id = affine_map<(d0, d1) -> (d0, d1)>
#col = affine_map<(d0, d1) -> (d1)>
func.func @mlp(%x: tensor<6x2xf32>) -> tensor<6x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<[[2.0, 0.5], [0.5, 1.0]]> : tensor<2x2xf32>, row_sample = dense<[[1.0, -0.5], [0.3, 2.0], [-1.2, 0.7], [0.8, 0.1], [-0.4, -1.5], [1.7, 0.9]]> : tensor<6x2xf32>} : tensor<6x2xf32>
  %w1 = arith.constant dense<[[0.9, -0.31, 0.47], [0.22, 0.83, -0.66]]> : tensor<2x3xf32>
  %w2 = arith.constant dense<[[0.5, -0.71], [0.37, 0.24], [-0.93, 0.61]]> : tensor<3x2xf32>
  %bias = arith.constant dense<[0.1, -0.2, 0.05]> : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<6x3xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<6x3xf32>) -> tensor<6x3xf32>
  %h = linalg.matmul ins(%xo, %w1 : tensor<6x2xf32>, tensor<2x3xf32>) outs(%f1 : tensor<6x3xf32>) -> tensor<6x3xf32> loc("mlp.fc1")
  %e2 = tensor.empty() : tensor<6x3xf32>
  %a = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%h, %bias : tensor<6x3xf32>, tensor<3xf32>) outs(%e2 : tensor<6x3xf32>) {
  ^bb0(%in: f32, %b: f32, %out: f32):
    %s = arith.addf %in, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<6x3xf32>
  %ao = qf.observe %a id 1 stats {hessian = dense<[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]> : tensor<3x3xf32>} : tensor<6x3xf32>
  %e3 = tensor.empty() : tensor<6x2xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<6x2xf32>) -> tensor<6x2xf32>
  %y = linalg.matmul ins(%ao, %w2 : tensor<6x3xf32>, tensor<3x2xf32>) outs(%f3 : tensor<6x2xf32>) -> tensor<6x2xf32> loc("mlp.fc2")
  return %y : tensor<6x2xf32>
}
