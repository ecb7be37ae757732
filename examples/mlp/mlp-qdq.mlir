// A two-layer MLP as another compiler hands it over: float linalg on tensors,
// weights as constants, activations and weights marked for int8 with
// upstream quant.qcast / quant.dcast pairs (Q/DQ form).
!act = !quant.uniform<i8:f32, 0.0235294:-128>
!w1 = !quant.uniform<i8:f32:1, {0.0125, 0.0094, 0.0110, 0.0087, 0.0131, 0.0102, 0.0099, 0.0120}>
!w2 = !quant.uniform<i8:f32:1, {0.0143, 0.0118}>

func.func @mlp(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %zero = arith.constant 0.0 : f32

  %w1 = arith.constant dense<[
    [ 0.51, -0.32,  0.77,  0.10, -0.64,  0.28,  0.05, -0.93],
    [-0.22,  0.84, -0.41,  0.66,  0.19, -0.57,  0.72,  0.33],
    [ 0.95,  0.07, -0.18, -0.79,  0.44,  0.61, -0.26,  0.12],
    [-0.48,  0.36,  0.59,  0.24, -0.87, -0.05,  0.81, -0.69]]> : tensor<4x8xf32>
  %w2 = arith.constant dense<[
    [ 0.62, -0.41], [-0.35,  0.77], [ 0.18,  0.52], [-0.81, -0.09],
    [ 0.47,  0.28], [-0.13, -0.66], [ 0.91,  0.05], [-0.27,  0.39]]> : tensor<8x2xf32>

  // Layer 1: x * w1, relu.
  %xq = quant.qcast %x : tensor<1x4xf32> to tensor<1x4x!act>
  %xd = quant.dcast %xq : tensor<1x4x!act> to tensor<1x4xf32>
  %w1q = quant.qcast %w1 : tensor<4x8xf32> to tensor<4x8x!w1>
  %w1d = quant.dcast %w1q : tensor<4x8x!w1> to tensor<4x8xf32>
  %e1 = tensor.empty() : tensor<1x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h = linalg.matmul ins(%xd, %w1d : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z1 : tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%h : tensor<1x8xf32>) outs(%e1 : tensor<1x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x8xf32>

  // Layer 2: h * w2.
  %hq = quant.qcast %r : tensor<1x8xf32> to tensor<1x8x!act>
  %hd = quant.dcast %hq : tensor<1x8x!act> to tensor<1x8xf32>
  %w2q = quant.qcast %w2 : tensor<8x2xf32> to tensor<8x2x!w2>
  %w2d = quant.dcast %w2q : tensor<8x2x!w2> to tensor<8x2xf32>
  %e2 = tensor.empty() : tensor<1x2xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  %y = linalg.matmul ins(%hd, %w2d : tensor<1x8xf32>, tensor<8x2xf32>) outs(%z2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
