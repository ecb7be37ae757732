func.func @qkv(%x: tensor<4x8xf32>, %wk: tensor<8x8xf32>, %wv: tensor<8x8xf32>) -> tensor<4x8xf32> {
  %wq = arith.constant dense<1.0> : tensor<8x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %q = linalg.matmul ins(%x, %wq : tensor<4x8xf32>, tensor<8x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  %k = linalg.matmul ins(%x, %wk : tensor<4x8xf32>, tensor<8x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  %v = linalg.matmul ins(%x, %wv : tensor<4x8xf32>, tensor<8x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  %s = arith.addf %q, %k : tensor<4x8xf32>
  %r = arith.addf %s, %v : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

func.func @mixed(%a: tensor<2x4x8xf32>, %b: tensor<2x8x3xf32>, %img: tensor<1x6x6x3xf32>,
                 %f: tensor<3x3x3x2xf32>, %i: tensor<4x8xi8>, %j: tensor<8x3xi8>)
    -> (tensor<2x4x3xf32>, tensor<1x4x4x2xf32>, tensor<4x3xi32>) {
  %seen = qf.observe %a id 4 : tensor<2x4x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x3xf32>) -> tensor<2x4x3xf32>
  %bm = linalg.batch_matmul ins(%seen, %b : tensor<2x4x8xf32>, tensor<2x8x3xf32>) outs(%init : tensor<2x4x3xf32>) -> tensor<2x4x3xf32>
  %ce = tensor.empty() : tensor<1x4x4x2xf32>
  %cinit = linalg.fill ins(%zero : f32) outs(%ce : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %f : tensor<1x6x6x3xf32>, tensor<3x3x3x2xf32>) outs(%cinit : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  %c0 = arith.constant 0 : i32
  %ie = tensor.empty() : tensor<4x3xi32>
  %iinit = linalg.fill ins(%c0 : i32) outs(%ie : tensor<4x3xi32>) -> tensor<4x3xi32>
  %im = linalg.matmul ins(%i, %j : tensor<4x8xi8>, tensor<8x3xi8>) outs(%iinit : tensor<4x3xi32>) -> tensor<4x3xi32>
  return %bm, %conv, %im : tensor<2x4x3xf32>, tensor<1x4x4x2xf32>, tensor<4x3xi32>
}
