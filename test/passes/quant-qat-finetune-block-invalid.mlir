// RUN: qf-opt %s --split-input-file --verify-diagnostics --quant-qat-finetune="per=block"
// RUN: not qf-opt %s --quant-qat-finetune="per=model" 2>&1 | FileCheck %s --check-prefix=PERNAME
// PERNAME: for the --per option: Cannot find option named 'model'!

// per=block needs the sampled rows of the block's input.
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @block_without_rows(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %xo = qf.observe %x id 0 stats {hessian = dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>} : tensor<3x2xf32>
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @below {{QAT fine-tuning per block needs sampled calibration rows of the block's input: run qf-calibrate with sample-rows=N}}
  %h = linalg.matmul ins(%xo, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %e2 = tensor.empty() : tensor<3x2xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%h : tensor<3x2xf32>) outs(%e2 : tensor<3x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<3x2xf32>
  %ro = qf.observe %r id 1 stats {hessian = dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>} : tensor<3x2xf32>
  %e3 = tensor.empty() : tensor<3x2xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%ro, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f3 : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
