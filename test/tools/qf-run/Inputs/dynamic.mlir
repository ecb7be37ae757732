// Results of three kinds: dynamic (y = 2x + b), static (the column sums)
// and dynamic of another rank (the row maxima).
func.func @main(%x: tensor<?x4xf32> {qf.name = "x"})
    -> (tensor<?x4xf32> {qf.name = "y"}, tensor<4xf32> {qf.name = "colsum"},
        tensor<?xf32> {qf.name = "rowmax"}) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %b = arith.constant dense<[1.0, -2.0, 0.5, 3.0]> : tensor<4xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %y = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>,
                       affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<?x4xf32>, tensor<4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%v: f32, %w: f32, %o: f32):
    %t = arith.addf %v, %v : f32
    %s = arith.addf %t, %w : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  %zero = arith.constant 0.0 : f32
  %c = tensor.empty() : tensor<4xf32>
  %cz = linalg.fill ins(%zero : f32) outs(%c : tensor<4xf32>) -> tensor<4xf32>
  %colsum = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>],
      iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<?x4xf32>) outs(%cz : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %o, %v : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %r = tensor.empty(%n) : tensor<?xf32>
  %rz = linalg.fill ins(%ninf : f32) outs(%r : tensor<?xf32>) -> tensor<?xf32>
  %rowmax = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
      iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x4xf32>) outs(%rz : tensor<?xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.maximumf %o, %v : f32
    linalg.yield %m : f32
  } -> tensor<?xf32>
  return %y, %colsum, %rowmax : tensor<?x4xf32>, tensor<4xf32>, tensor<?xf32>
}
