// RUN: qf-opt %s --pass-pipeline='builtin.module(func.func(gpu-nvvm-mma-sync))' | FileCheck %s

// M = 20, N = 12, K = 64: a grid of 2 x 2 tiles of 16 x 8, one warp each,
// walking K in two steps of one mma.sync m16n8k32; the generic is gone.
// CHECK-LABEL: func.func @tiles
// CHECK-DAG: %[[TWO:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[WARP:.*]] = arith.constant 32 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[TWO]], {{.*}} = %{{.*}}, {{.*}} = %{{.*}}) threads({{.*}}) in ({{.*}} = %[[WARP]],
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<2x2xi32>)
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
// CHECK-NOT: linalg.generic
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d2, d1)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @tiles(%a: memref<20x64xi8>, %b: memref<64x12xi8>, %c: memref<20x12xi32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<20x64xi8>, memref<64x12xi8>) outs(%c : memref<20x12xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %xe = arith.extsi %x : i8 to i32
    %ye = arith.extsi %y : i8 to i32
    %p = arith.muli %xe, %ye : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}

// K = 12 is not a multiple of 32: the generic stays (the dp4a path).
// CHECK-LABEL: func.func @short_reduction
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @short_reduction(%a: memref<4x12xi8>, %b: memref<12x3xi8>, %c: memref<4x3xi32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<4x12xi8>, memref<12x3xi8>) outs(%c : memref<4x3xi32>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %xe = arith.extsi %x : i8 to i32
    %ye = arith.extsi %y : i8 to i32
    %p = arith.muli %xe, %ye : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  return
}
