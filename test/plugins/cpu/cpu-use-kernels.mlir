// RUN: qf-opt %s --cpu-use-kernels | FileCheck %s

// An f32 matmul by a constant weight calls the packed GEMM kernel: the
// weight packed at compile time into a global, the init copied into the
// buffer the kernel accumulates into.
// CHECK: func.func private @qf_kernel_gemm_f32(memref<?x?xf32>, memref<?xf32>, memref<?x?xf32>) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func.func @constant_weight
// CHECK-SAME: (%[[X:.*]]: tensor<8x64xf32>)
// CHECK: %[[INIT:.*]] = linalg.fill
// CHECK: %[[W:.*]] = memref.get_global @[[PACKED:.*]] : memref<2048xf32>
// CHECK: %[[A:.*]] = bufferization.to_buffer %[[X]] read_only
// CHECK: %[[ACC:.*]] = bufferization.alloc_tensor() copy(%[[INIT]])
// CHECK: %[[C:.*]] = bufferization.to_buffer %[[ACC]]
// CHECK: call @qf_kernel_gemm_f32
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[C]] restrict writable
// CHECK: return %[[R]]
// CHECK-NOT: linalg.matmul
func.func @constant_weight(%x: tensor<8x64xf32>) -> tensor<8x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %r = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>) outs(%init : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}

// Dynamic rows (batch times sequence) call the same kernel: it reads the
// sizes from the buffers.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK: call @qf_kernel_gemm_f32
// CHECK: bufferization.to_tensor %{{.*}} restrict writable : memref<?x32xf32>
// CHECK-NOT: linalg.matmul
func.func @dynamic_rows(%x: tensor<?x64xf32>) -> tensor<?x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%rows) : tensor<?x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) outs(%init : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}

// A weight known only at run time keeps the backend's own loops.
// CHECK-LABEL: func.func @runtime_weight
// CHECK: linalg.matmul
// CHECK-NOT: call
// CHECK: memref.global "private" constant @[[PACKED]] : memref<2048xf32> = dense<5.000000e-01> {alignment = 64 : i64}
func.func @runtime_weight(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>) -> tensor<8x32xf32> {
  %e = tensor.empty() : tensor<8x32xf32>
  %r = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}
