// RUN: qf-opt %s --pass-pipeline='builtin.module(func.func(cpu-vectorize{vector-bits=256}))' | FileCheck %s --check-prefix=AVX2
// RUN: qf-opt %s --pass-pipeline='builtin.module(func.func(cpu-vectorize{vector-bits=512}))' | FileCheck %s --check-prefix=AVX512

// Elementwise ops: one row of vector-bits / 32 lanes per tile.
// AVX2-LABEL: func.func @add
// AVX2: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[EIGHT:.*]] iter_args
// AVX2: vector.transfer_read {{.*}} : tensor<1x8xf32>, vector<1x8xf32>
// AVX2: arith.addf {{.*}} : vector<1x8xf32>
// AVX2: vector.transfer_write {{.*}} : vector<1x8xf32>, tensor<1x8xf32>
// AVX512-LABEL: func.func @add
// AVX512: arith.addf {{.*}} : vector<1x16xf32>
func.func @add(%a: tensor<4x64xf32>, %b: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %e = tensor.empty() : tensor<4x64xf32>
  %r = linalg.add ins(%a, %b : tensor<4x64xf32>, tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// Contractions: 4 x lanes register tiles, the reduction stepped by one.
// AVX2-LABEL: func.func @matmul
// AVX2: vector.contract {{.*}} vector<4x1xf32>, vector<1x8xf32> into vector<4x8xf32>
// AVX512-LABEL: func.func @matmul
// AVX512: vector.contract {{.*}} vector<4x1xf32>, vector<1x16xf32> into vector<4x16xf32>
func.func @matmul(%a: tensor<8x32xf32>, %b: tensor<32x64xf32>, %c: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<8x32xf32>, tensor<32x64xf32>) outs(%c : tensor<8x64xf32>) -> tensor<8x64xf32>
  return %r : tensor<8x64xf32>
}

// A dynamic outer dimension (batch times sequence) steps by one row; the
// static row is vectorized.
// AVX2-LABEL: func.func @dynamic_rows
// AVX2: %[[ROWS:.*]] = tensor.dim %arg0
// AVX2: scf.for %{{.*}} = %{{.*}} to %[[ROWS]] step %c1
// AVX2: scf.for %{{.*}} = %{{.*}} to %c64 step %c8
// AVX2: arith.addf %{{.*}}, %{{.*}} : vector<1x8xf32>
func.func @dynamic_rows(%a: tensor<?x64xf32>, %b: tensor<?x64xf32>, %e: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %r = linalg.add ins(%a, %b : tensor<?x64xf32>, tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// A dynamic innermost dimension (attention over the sequence) steps by
// the vector width; its last, partial tile is peeled off into a loop of its
// own that stays scalar.
// AVX2-LABEL: func.func @dynamic_columns
// AVX2: %[[COLS:.*]] = tensor.dim %arg0
// AVX2: scf.for %{{.*}} = %{{.*}} to %c4 step %c1
// AVX2: %[[MAIN:.*]] = affine.apply #{{.*}}()[%[[COLS]]]
// AVX2: scf.for %{{.*}} = %{{.*}} to %[[MAIN]] step %c8
// AVX2: arith.addf %{{.*}}, %{{.*}} : vector<1x8xf32>
// AVX2: scf.for %{{.*}} = %[[MAIN]] to %[[COLS]] step %c8
// AVX2: linalg.add {{.*}} tensor<1x?xf32>
// AVX2-NOT: qf.cpu_vectorize
func.func @dynamic_columns(%a: tensor<4x?xf32>, %b: tensor<4x?xf32>, %e: tensor<4x?xf32>) -> tensor<4x?xf32> {
  %r = linalg.add ins(%a, %b : tensor<4x?xf32>, tensor<4x?xf32>) outs(%e : tensor<4x?xf32>) -> tensor<4x?xf32>
  return %r : tensor<4x?xf32>
}

// Booleans are stored a byte each but vector<Nxi1> loads N bits: an op on
// i1 tensors stays a scalar loop nest.
// AVX2-LABEL: func.func @mask
// AVX2-NOT: vector.
// AVX2: linalg.generic
func.func @mask(%m: tensor<4x64xi1>, %x: tensor<4x64xf32>, %e: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%m, %x : tensor<4x64xi1>, tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
  ^bb0(%a: i1, %v: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %s = arith.select %a, %z, %v : f32
    linalg.yield %s : f32
  } -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}
