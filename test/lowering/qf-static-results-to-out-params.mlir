// RUN: qf-opt %s --qf-static-results-to-out-params --split-input-file | FileCheck %s

// A static result becomes a caller-allocated out-parameter; its allocation
// is hoisted into it, with no copy.
// CHECK-LABEL: func.func @static(
// CHECK-SAME:    %[[X:.*]]: memref<4xf32>, %[[OUT:.*]]: memref<4xf32>) {
// CHECK-NOT:     memref.alloc
// CHECK:         linalg.copy ins(%[[X]] : memref<4xf32>) outs(%[[OUT]] : memref<4xf32>)
// CHECK-NEXT:    return{{$}}
func.func @static(%x: memref<4xf32>) -> memref<4xf32> {
  %a = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  return %a : memref<4xf32>
}

// -----

// A dynamically shaped result stays a result (the callee allocates it),
// and so do the function's other results.
// CHECK-LABEL: func.func @dynamic(
// CHECK-SAME:    %{{.*}}: memref<?xf32>) -> (memref<?xf32>, memref<4xf32>) {
// CHECK:         return %{{.*}}, %{{.*}} : memref<?xf32>, memref<4xf32>
func.func @dynamic(%x: memref<?xf32>) -> (memref<?xf32>, memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %a = memref.alloc(%n) : memref<?xf32>
  linalg.copy ins(%x : memref<?xf32>) outs(%a : memref<?xf32>)
  %b = memref.alloc() : memref<4xf32>
  return %a, %b : memref<?xf32>, memref<4xf32>
}
