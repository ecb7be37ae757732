// RUN: qf-opt %s --pass-pipeline='builtin.module(func.func(qf-dealloc-after-last-use))' --split-input-file | FileCheck %s

// A chain: each buffer is freed right after the op that last reads it, so
// at most two are alive at once.
// CHECK-LABEL: func.func @chain
// CHECK: %[[A:.*]] = memref.alloc()
// CHECK-NEXT: linalg.exp ins(%arg0 {{.*}} outs(%[[A]]
// CHECK-NEXT: %[[B:.*]] = memref.alloc()
// CHECK-NEXT: linalg.exp ins(%[[A]] {{.*}} outs(%[[B]]
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: linalg.exp ins(%[[B]] {{.*}} outs(%arg1
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: return
func.func @chain(%x: memref<4xf32>, %out: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  linalg.exp ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  %b = memref.alloc() : memref<4xf32>
  linalg.exp ins(%a : memref<4xf32>) outs(%b : memref<4xf32>)
  linalg.exp ins(%b : memref<4xf32>) outs(%out : memref<4xf32>)
  memref.dealloc %a : memref<4xf32>
  memref.dealloc %b : memref<4xf32>
  return
}

// -----

// A view's uses are the buffer's: %a lives until the copy through its
// reshaped view; a use inside a loop counts as the loop's.
// CHECK-LABEL: func.func @views
// CHECK: %[[A:.*]] = memref.alloc()
// CHECK: %[[V:.*]] = memref.expand_shape %[[A]]
// CHECK: scf.for
// CHECK: memref.load %[[V]]
// CHECK: }
// CHECK-NEXT: memref.copy %[[V]], %arg1
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: arith.addi
// CHECK-NEXT: return
func.func @views(%x: memref<4xf32>, %out: memref<2x2xf32>) {
  %a = memref.alloc() : memref<4xf32>
  memref.copy %x, %a : memref<4xf32> to memref<4xf32>
  %v = memref.expand_shape %a [[0, 1]] output_shape [2, 2] : memref<4xf32> into memref<2x2xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  scf.for %i = %c0 to %c2 step %c1 {
    %e = memref.load %v[%i, %c0] : memref<2x2xf32>
    memref.store %e, %out[%i, %c1] : memref<2x2xf32>
  }
  memref.copy %v, %out : memref<2x2xf32> to memref<2x2xf32>
  %unrelated = arith.addi %c1, %c2 : index
  memref.dealloc %a : memref<4xf32>
  return
}

// -----

// Returned through a view, or reachable through a raw address: the dealloc
// stays where ownership-based deallocation put it.
// CHECK-LABEL: func.func @escapes
// CHECK: memref.copy %arg0, %arg0
// CHECK-NEXT: arith.addi
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: return
func.func @escapes(%x: memref<4xf32>) -> index {
  %a = memref.alloc() : memref<4xf32>
  memref.copy %x, %a : memref<4xf32> to memref<4xf32>
  %p = memref.extract_aligned_pointer_as_index %a : memref<4xf32> -> index
  %c1 = arith.constant 1 : index
  memref.copy %x, %x : memref<4xf32> to memref<4xf32>
  %q = arith.addi %p, %c1 : index
  memref.dealloc %a : memref<4xf32>
  return %q : index
}

// -----

// A buffer of another block is left alone.
// CHECK-LABEL: func.func @other_block
// CHECK: scf.if
// CHECK: linalg.exp
// CHECK: }
// CHECK-NEXT: memref.dealloc
func.func @other_block(%x: memref<4xf32>, %c: i1) {
  %a = memref.alloc() : memref<4xf32>
  scf.if %c {
    linalg.exp ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  }
  memref.dealloc %a : memref<4xf32>
  return
}
