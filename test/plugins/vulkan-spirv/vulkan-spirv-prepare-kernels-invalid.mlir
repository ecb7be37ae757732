// RUN: qf-opt %s --vulkan-spirv-prepare-kernels -split-input-file -verify-diagnostics

module attributes {gpu.container_module} {
  gpu.module @qf_kernels {
    gpu.func @k(%x: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @main(%x: memref<4xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    // expected-error @below {{vulkan-spirv needs constant block sizes}}
    gpu.launch_func @qf_kernels::@k blocks in (%c1, %c1, %c1) threads in (%n, %c1, %c1) args(%x : memref<4xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @qf_kernels {
    gpu.func @k(%x: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @main(%x: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @qf_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%x : memref<4xf32>)
    // expected-error @below {{kernel @k is launched with two block sizes}}
    gpu.launch_func @qf_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c2, %c1, %c1) args(%x : memref<4xf32>)
    return
  }
}
