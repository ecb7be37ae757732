// An outlined int8 accumulation kernel as buildLinalgToGpuPipeline leaves
// it: @dot's loop has a constant trip count that is a multiple of four (it
// becomes 4-way dot products), @odd's is not (it stays), and @host is not a
// kernel (never rewritten).
module attributes {gpu.container_module} {
  gpu.module @qf_kernels {
    gpu.func @dot(%a: memref<4x12xi8>, %b: memref<12x3xi8>, %c: memref<4x3xi32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c12 = arith.constant 12 : index
      %tx = gpu.thread_id x
      %ty = gpu.thread_id y
      scf.for %k = %c0 to %c12 step %c1 {
        %x = memref.load %a[%tx, %k] : memref<4x12xi8>
        %y = memref.load %b[%k, %ty] : memref<12x3xi8>
        %acc = memref.load %c[%tx, %ty] : memref<4x3xi32>
        %xe = arith.extsi %x : i8 to i32
        %ye = arith.extsi %y : i8 to i32
        %p = arith.muli %xe, %ye : i32
        %s = arith.addi %acc, %p : i32
        memref.store %s, %c[%tx, %ty] : memref<4x3xi32>
      }
      gpu.return
    }
    gpu.func @odd(%a: memref<4x6xi8>, %b: memref<6x3xi8>, %c: memref<4x3xi32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c6 = arith.constant 6 : index
      %tx = gpu.thread_id x
      %ty = gpu.thread_id y
      scf.for %k = %c0 to %c6 step %c1 {
        %x = memref.load %a[%tx, %k] : memref<4x6xi8>
        %y = memref.load %b[%k, %ty] : memref<6x3xi8>
        %acc = memref.load %c[%tx, %ty] : memref<4x3xi32>
        %xe = arith.extsi %x : i8 to i32
        %ye = arith.extsi %y : i8 to i32
        %p = arith.muli %xe, %ye : i32
        %s = arith.addi %acc, %p : i32
        memref.store %s, %c[%tx, %ty] : memref<4x3xi32>
      }
      gpu.return
    }
  }
  func.func @host(%a: memref<4x12xi8>, %b: memref<12x3xi8>, %c: memref<4x3xi32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c12 = arith.constant 12 : index
    scf.for %k = %c0 to %c12 step %c1 {
      %x = memref.load %a[%c0, %k] : memref<4x12xi8>
      %y = memref.load %b[%k, %c0] : memref<12x3xi8>
      %acc = memref.load %c[%c0, %c0] : memref<4x3xi32>
      %xe = arith.extsi %x : i8 to i32
      %ye = arith.extsi %y : i8 to i32
      %p = arith.muli %xe, %ye : i32
      %s = arith.addi %acc, %p : i32
      memref.store %s, %c[%c0, %c0] : memref<4x3xi32>
    }
    return
  }
}
