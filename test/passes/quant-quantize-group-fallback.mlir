// RUN: qf-opt %s --quant-quantize="scheme=w8a16g3 group-fallback=channel" | FileCheck %s
// RUN: not qf-opt %s --quant-quantize="scheme=w8a16g3" 2>&1 | FileCheck %s --check-prefix=ERROR
// RUN: not qf-opt %s --quant-quantize="scheme=w8a16g3 group-fallback=tensor" 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: qf-opt %s --quant-quantize="scheme=w4a16g3 symmetric=false group-fallback=channel report=%t.json" -o /dev/null
// RUN: FileCheck %s --check-prefix=REPORT < %t.json
// RUN: not qf-opt %s --quant-quantize="scheme=w8a16 report=%t.missing/r.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOREPORT

// Groups of 3 along K: the K = 6 weight is quantized in groups (scales per
// 3 rows and column: max|w| / 127), the K = 4 weight per column, since 3
// does not divide 4. Column maxima 1, 2, 3 give 1/127, 2/127, 3/127; the
// second group of the first column has max 1.5: 1.5/127 = 0.0118110236.
// CHECK-LABEL: func.func @two
// CHECK: tensor<6x3xi8> to tensor<6x3x!quant.uniform<i8<-127:127>:f32:{0:3, 1:1}, {{\{\{}}0.00787401571, 0.0157480314, 0.0236220472}, {0.0118110236, 0.0157480314, 0.0236220472}}>>
// CHECK: tensor<4x3xi8> to tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {0.0078740157480314959,0.015748031496062992,0.023622047244094488}>>

// The report: per weight, bytes of packed 4-bit codes plus an f32 scale
// and an i8 zero point per block (6x3 in groups of 3: 9 + 6 * 5 = 39; 4x3
// per channel: 6 + 3 * 5 = 21), and ||w - dq(q(w))|| / ||w||, which NumPy
// computes as 0.0515645561 and 0.0583529055 with the asymmetric int4 grid
// (scale (max - min) / 15 over a range including 0, zero point
// round(-8 - min / scale)).
// REPORT: "bytes": 39,
// REPORT: "float_bytes": 72,
// REPORT: "scheme": "#qf.scheme<weight = i4, per_group = 3, asymmetric, rounding = half_even>",
// REPORT: "weight_error": 0.051564{{[0-9]+}}
// REPORT: "bytes": 21,
// REPORT: "scheme": "#qf.scheme<weight = i4, per_channel, asymmetric, rounding = half_even>",
// REPORT: "weight_error": 0.058352{{[0-9]+}}
// NOREPORT: error: quant-quantize: cannot write the report '{{.*}}r.json'

// ERROR: error: 'linalg.matmul' op weight operand: group size 3 does not divide the reduction dimension (4 along dimension 0 of the weight)
// OPTION: for the --group-fallback option: Cannot find option named 'tensor'!
func.func @two(%x: tensor<2x6xf32>, %y: tensor<2x4xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %w6 = arith.constant dense<[[1.0, 2.0, 3.0], [-1.0, 0.5, 3.0], [1.0, 2.0, -3.0], [0.25, 2.0, 3.0], [1.0, -2.0, 3.0], [1.5, 2.0, 0.0]]> : tensor<6x3xf32>
  %w4 = arith.constant dense<[[1.0, 2.0, 3.0], [-1.0, 0.5, 3.0], [1.0, 2.0, -3.0], [0.25, 2.0, 3.0]]> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %a = linalg.matmul ins(%x, %w6 : tensor<2x6xf32>, tensor<6x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  %b = linalg.matmul ins(%y, %w4 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %a, %b : tensor<2x3xf32>, tensor<2x3xf32>
}
