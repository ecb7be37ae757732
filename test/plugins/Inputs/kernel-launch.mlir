// A host function launching one kernel on its arguments and a constant
// global, and one that launches nothing: the input of the GPU backends'
// host-side passes.
module attributes {gpu.container_module} {
  memref.global "private" constant @weights : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
  gpu.module @qf_kernels {
    gpu.func @scale(%x: memref<4xf32>, %w: memref<4xf32>, %y: memref<4xf32>) kernel {
      %t = gpu.thread_id x
      %a = memref.load %x[%t] : memref<4xf32>
      %b = memref.load %w[%t] : memref<4xf32>
      %p = arith.mulf %a, %b : f32
      memref.store %p, %y[%t] : memref<4xf32>
      gpu.return
    }
  }
  func.func @main(%x: memref<4xf32>, %y: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %w = memref.get_global @weights : memref<4xf32>
    gpu.launch_func @qf_kernels::@scale blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%x : memref<4xf32>, %w : memref<4xf32>, %y : memref<4xf32>)
    return
  }
  func.func @no_launch(%x: memref<4xf32>) {
    return
  }
}
