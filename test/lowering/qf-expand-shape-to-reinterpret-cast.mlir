// RUN: qf-opt %s --qf-expand-shape-to-reinterpret-cast --split-input-file | FileCheck %s

// [B*T, 4*32] back to [B, T, 4, 32]: two dynamic sizes in one group. The
// strides follow from the output sizes and the source's strides.
// CHECK-LABEL: func.func @split_batch_and_sequence(
// CHECK-SAME:    %[[M:.*]]: memref<?x128xf32>, %[[B:.*]]: index, %[[T:.*]]: index)
// CHECK-DAG:     %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG:     %[[BASE:.*]], %{{.*}}, %{{.*}}:2, %{{.*}}:2 = memref.extract_strided_metadata %[[M]]
// CHECK:         %[[S0:.*]] = arith.muli %[[C128]], %[[T]] : index
// CHECK-NOT:     arith.muli
// CHECK:         memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%[[B]], %[[T]], 4, 32], strides: [%[[S0]], 128, 32, 1] : memref<f32> to memref<?x?x4x32xf32>
func.func @split_batch_and_sequence(%m: memref<?x128xf32>, %b: index, %t: index) -> memref<?x?x4x32xf32> {
  %e = memref.expand_shape %m [[0, 1], [2, 3]] output_shape [%b, %t, 4, 32] : memref<?x128xf32> into memref<?x?x4x32xf32>
  return %e : memref<?x?x4x32xf32>
}

// -----

// A strided source: its dynamic stride and offset come from the metadata.
// CHECK-LABEL: func.func @strided_source(
// CHECK-SAME:    %[[M:.*]]: memref<?x8xf32, strided<[?, 1], offset: ?>>, %[[B:.*]]: index, %[[T:.*]]: index)
// CHECK:         %[[BASE:.*]], %[[OFF:.*]], %{{.*}}:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %[[M]]
// CHECK:         %[[S0:.*]] = arith.muli %[[STRIDES]]#0, %[[T]] : index
// CHECK:         memref.reinterpret_cast %[[BASE]] to offset: [%[[OFF]]], sizes: [%[[B]], %[[T]], 8], strides: [%[[S0]], %[[STRIDES]]#0, 1]
func.func @strided_source(%m: memref<?x8xf32, strided<[?, 1], offset: ?>>, %b: index, %t: index) -> memref<?x?x8xf32, strided<[?, ?, 1], offset: ?>> {
  %e = memref.expand_shape %m [[0, 1], [2]] output_shape [%b, %t, 8] : memref<?x8xf32, strided<[?, 1], offset: ?>> into memref<?x?x8xf32, strided<[?, ?, 1], offset: ?>>
  return %e : memref<?x?x8xf32, strided<[?, ?, 1], offset: ?>>
}

// -----

// One dynamic size per group is upstream's (expand-strided-metadata): left.
// CHECK-LABEL: func.func @one_dynamic_size
// CHECK:         memref.expand_shape
// CHECK-NOT:     memref.reinterpret_cast
func.func @one_dynamic_size(%m: memref<?x128xf32>, %b: index) -> memref<?x4x32xf32> {
  %e = memref.expand_shape %m [[0], [1, 2]] output_shape [%b, 4, 32] : memref<?x128xf32> into memref<?x4x32xf32>
  return %e : memref<?x4x32xf32>
}
