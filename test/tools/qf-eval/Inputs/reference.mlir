// A toy next-byte model NumPy recomputes: for a batch of 3 windows of 8
// byte tokens, logits[b, t, v] = 4 sin(0.37 token[b, t] + 0.11 v + 0.05 t
// + 0.01).
#tokens = affine_map<(b, t, v) -> (b, t)>
#logits = affine_map<(b, t, v) -> (b, t, v)>
func.func @main(%tokens: tensor<3x8xi64>) -> tensor<3x8x256xf32> {
  %empty = tensor.empty() : tensor<3x8x256xf32>
  %logits = linalg.generic {indexing_maps = [#tokens, #logits],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%tokens : tensor<3x8xi64>) outs(%empty : tensor<3x8x256xf32>) {
  ^bb0(%token: i64, %out: f32):
    %t = linalg.index 1 : index
    %v = linalg.index 2 : index
    %t_i = arith.index_cast %t : index to i64
    %v_i = arith.index_cast %v : index to i64
    %token_f = arith.sitofp %token : i64 to f32
    %t_f = arith.sitofp %t_i : i64 to f32
    %v_f = arith.sitofp %v_i : i64 to f32
    %c_token = arith.constant 0.37 : f32
    %c_v = arith.constant 0.11 : f32
    %c_t = arith.constant 0.05 : f32
    %phase = arith.constant 0.01 : f32
    %four = arith.constant 4.0 : f32
    %a = arith.mulf %token_f, %c_token : f32
    %b = arith.mulf %v_f, %c_v : f32
    %c = arith.mulf %t_f, %c_t : f32
    %ab = arith.addf %a, %b : f32
    %abc = arith.addf %ab, %c : f32
    %x = arith.addf %abc, %phase : f32
    %s = math.sin %x : f32
    %y = arith.mulf %s, %four : f32
    linalg.yield %y : f32
  } -> tensor<3x8x256xf32>
  return %logits : tensor<3x8x256xf32>
}
