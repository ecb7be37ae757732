// RUN: qf-opt %s --qf-insert-observers | FileCheck %s
// RUN: qf-opt %s --qf-insert-observers='where=inputs,outputs,weights' | FileCheck %s --check-prefix=WEIGHTS
// RUN: qf-opt %s --qf-insert-observers='ops=linalg.batch_matmul where=inputs' | FileCheck %s --check-prefix=OPS
// Running twice adds nothing.
// RUN: qf-opt %s --qf-insert-observers --qf-insert-observers | FileCheck %s

// Ids continue after the largest already in the module (4, in @mixed), in
// walk order. One input feeding three projections gets one shared observer; each result
// gets its own, read by all its users. Weights that are arguments are inputs
// like any activation; constant weights are observed only with `weights`.
// CHECK-LABEL: func.func @qkv
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x8xf32>, %[[WK:[^:]*]]: tensor<8x8xf32>, %[[WV:[^:]*]]: tensor<8x8xf32>)
// CHECK-DAG: %[[WVO:.*]] = qf.observe %[[WV]] id 9 : tensor<8x8xf32>
// CHECK-DAG: %[[WKO:.*]] = qf.observe %[[WK]] id 7 : tensor<8x8xf32>
// CHECK-DAG: %[[XO:.*]] = qf.observe %[[X]] id 5 : tensor<4x8xf32>
// CHECK: %[[Q:.*]] = linalg.matmul ins(%[[XO]], %{{.*}} : tensor<4x8xf32>, tensor<8x8xf32>)
// CHECK: %[[QO:.*]] = qf.observe %[[Q]] id 6
// CHECK: %[[K:.*]] = linalg.matmul ins(%[[XO]], %[[WKO]] : tensor<4x8xf32>, tensor<8x8xf32>)
// CHECK: %[[KO:.*]] = qf.observe %[[K]] id 8
// CHECK: %[[V:.*]] = linalg.matmul ins(%[[XO]], %[[WVO]] :
// CHECK: %[[VO:.*]] = qf.observe %[[V]] id 10
// CHECK: %[[S:.*]] = arith.addf %[[QO]], %[[KO]]
// CHECK: arith.addf %[[S]], %[[VO]]
// CHECK-NOT: qf.observe
// WEIGHTS-LABEL: func.func @qkv
// WEIGHTS: %[[W:.*]] = arith.constant dense<1.000000e+00>
// WEIGHTS-NEXT: qf.observe %[[W]] id {{[0-9]+}} : tensor<8x8xf32>
// WEIGHTS-COUNT-3: linalg.matmul
// WEIGHTS-NOT: arith.constant dense<1.000000e+00>
// OPS-LABEL: func.func @qkv
// OPS-NOT: qf.observe
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

// Batch matmuls and convolutions are
// observed too; integer operands are not.
// CHECK-LABEL: func.func @mixed
// CHECK-DAG: %[[FO:.*]] = qf.observe %{{.*}} id 14 : tensor<3x3x3x2xf32>
// CHECK-DAG: %[[IN:.*]] = qf.observe %{{.*}} id 13 : tensor<1x6x6x3xf32>
// CHECK-DAG: %[[BO:.*]] = qf.observe %{{.*}} id 11 : tensor<2x8x3xf32>
// CHECK-DAG: %[[SEEN:.*]] = qf.observe %{{.*}} id 4 : tensor<2x4x8xf32>
// CHECK: %[[BM:.*]] = linalg.batch_matmul ins(%[[SEEN]], %[[BO]] :
// CHECK: qf.observe %[[BM]] id 12
// CHECK: %[[CONV:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[IN]], %[[FO]] :
// CHECK: qf.observe %[[CONV]] id 15
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xi8>, tensor<8x3xi8>)
// CHECK-NOT: qf.observe
// OPS-LABEL: func.func @mixed
// OPS: qf.observe %{{.*}} id 5 : tensor<2x8x3xf32>
// OPS: qf.observe %{{.*}} id 4
// OPS: linalg.batch_matmul
// OPS-NOT: qf.observe
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
