// A 10^6 x 10^6 f32 intermediate (3.6 TiB): refused before the run.
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<1000000x1000000xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1000000x1000000xf32>) -> tensor<1000000x1000000xf32>
  %s = tensor.extract_slice %f[0, 0] [1, 4] [1, 1] : tensor<1000000x1000000xf32> to tensor<4xf32>
  %y = arith.addf %x, %s : tensor<4xf32>
  return %y : tensor<4xf32>
}
