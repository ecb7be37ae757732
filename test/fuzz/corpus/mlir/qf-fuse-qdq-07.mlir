!a = !quant.uniform<i8:f32, 0.5:-3>
!b = !quant.uniform<i8<-127:127>:f32, 0.25>
!y = !quant.uniform<i8:f32, 0.1>

func.func @dynamic_channels(%aq: tensor<?x?x32x!a>, %bq: tensor<?x32x?x!b>) -> tensor<?x?x?x!y> {
  %a = qf.dequantize %aq : tensor<?x?x32x!a> -> tensor<?x?x32xf32>
  %b = qf.dequantize %bq : tensor<?x32x?x!b> -> tensor<?x32x?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %n = tensor.dim %a, %c0 : tensor<?x?x32xf32>
  %m = tensor.dim %a, %c1 : tensor<?x?x32xf32>
  %k = tensor.dim %b, %c2 : tensor<?x32x?xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%n, %m, %k) : tensor<?x?x?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %y = linalg.batch_matmul ins(%a, %b : tensor<?x?x32xf32>, tensor<?x32x?xf32>) outs(%f : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %yq = qf.quantize %y half_even : tensor<?x?x?xf32> -> tensor<?x?x?x!y>
  return %yq : tensor<?x?x?x!y>
}
