// A toy classifier NumPy recomputes: logits = x W for 4 examples of 5
// features and 3 classes.
func.func @main(%x: tensor<4x5xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<[[1.0, -0.5, 0.25], [0.5, 1.5, -1.0],
                             [-1.0, 0.75, 0.5], [0.25, -0.25, 1.25],
                             [0.0, 1.0, -0.5]]> : tensor<5x3xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<4x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<4x3xf32>) -> tensor<4x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x5xf32>, tensor<5x3xf32>)
                     outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}
