// REQUIRES: backend-cpu
// RUN: qf-opt %s --quant-assign-precision="budget-bits=6.5 objective=position candidates=w8a16,w4a16" 2>&1 | FileCheck %s
// RUN: qf-opt %s --quant-assign-precision="budget-bits=5.9 objective=position candidates=w8a16,w4a16" 2>&1 | FileCheck %s --check-prefix=LOW
// RUN: qf-opt %s --quant-assign-precision="budget-bits=6.5 objective=position candidates=w8a16,w4a16,w4a16g32" --quant-quantize 2>&1 | FileCheck %s --check-prefix=QUANT

// Four 64x64 layers, the middle two reading the same input. The data-free
// position baseline ranks the first and last layers 1000x more sensitive.
// At 6.5 bits (13312 bytes: 4352 per 8-bit and 2304 per 4-bit layer) both
// ends fit at 8 bits; the middle pair shares 4 bits.

// CHECK: remark: quant-assign-precision: budget-bits=6.50: w8a16 x2, w4a16 x2; cost 6.5000
// CHECK-LABEL: func.func @layers
// CHECK: linalg.matmul {qf.scheme = #qf.scheme<weight = i8, per_channel, symmetric, rounding = half_even>}
// CHECK: linalg.matmul {qf.scheme = #qf.scheme<weight = i4, per_channel, symmetric, rounding = half_even>}
// CHECK: linalg.matmul {qf.scheme = #qf.scheme<weight = i4, per_channel, symmetric, rounding = half_even>}
// CHECK: linalg.matmul {qf.scheme = #qf.scheme<weight = i8, per_channel, symmetric, rounding = half_even>}

// At 5.9 bits (12083 bytes) only one end is raised: 9216 + 2048 bytes.
// LOW: remark: quant-assign-precision: budget-bits=5.90: w8a16 x1, w4a16 x3; cost 5.5000

// quant-quantize honours the assignment: 8-bit and 4-bit (packed) weights
// (their per-channel types printed once, as aliases).
// QUANT-DAG: ![[Q8:qw[0-9]*]] = !quant.uniform<i8<-127:127>:f32:1
// QUANT-DAG: ![[Q4:qw[0-9]*]] = !quant.uniform<i4<-7:7>:f32:1
// QUANT-LABEL: func.func @layers
// QUANT-DAG: qf.dequantize {{.*}} : tensor<64x64x![[Q8]]>
// QUANT-DAG: qf.dequantize {{.*}} : tensor<64x64x![[Q4]]>

func.func @layers(%x: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %w0 = arith.constant dense<0.5> : tensor<64x64xf32>
  %w1 = arith.constant dense<0.25> : tensor<64x64xf32>
  %w2 = arith.constant dense<-0.25> : tensor<64x64xf32>
  %w3 = arith.constant dense<0.125> : tensor<64x64xf32>
  %h = linalg.matmul ins(%x, %w0 : tensor<16x64xf32>, tensor<64x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
  %a = linalg.matmul ins(%h, %w1 : tensor<16x64xf32>, tensor<64x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
  %b = linalg.matmul ins(%h, %w2 : tensor<16x64xf32>, tensor<64x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
  %s = linalg.add ins(%a, %b : tensor<16x64xf32>, tensor<16x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
  %y = linalg.matmul ins(%s, %w3 : tensor<16x64xf32>, tensor<64x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %y : tensor<16x64xf32>
}
