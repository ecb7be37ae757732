// Calibration samples may differ in length. An observed tensor whose last
// dimension is dynamic (attention probabilities over the key length) keeps
// per-tensor statistics only, over every sample; one whose channels are
// static keeps its channel statistics. The data is built so that the
// extremes are known: p spans [-4, 4] in the first file, [-1, 10] in the
// second.
// REQUIRES: backend-cpu
// RUN: rm -rf %t && mkdir -p %t/data
// RUN: %numpy_python -c "import numpy as np; np.savez('%t/data/a.npz', p=(np.arange(9, dtype=np.float32) - 4).reshape(1, 3, 3), v=np.ones((1, 3, 4), np.float32)); np.savez('%t/data/b.npz', p=np.linspace(-1, 10, 25, dtype=np.float32).reshape(1, 5, 5), v=np.full((1, 5, 4), -2, np.float32))"
// RUN: qf-opt %s --pass-pipeline='builtin.module(qf-insert-observers,qf-calibrate{data=%t/data per-channel=true})' | FileCheck %s

// CHECK-LABEL: func.func @main
// CHECK-DAG: qf.observe %arg0 id 0 stats {data_max = 1.000000e+01 : f32, data_min = -4.000000e+00 : f32, max = 1.000000e+01 : f32, method = "minmax", min = -4.000000e+00 : f32, samples = 2 : i64} : tensor<1x?x?xf32>
// CHECK-DAG: qf.observe %arg1 id 1 stats {channel_max = dense<1.000000e+00> : tensor<4xf32>, channel_min = dense<-2.000000e+00> : tensor<4xf32>, {{.*}}samples = 2 : i64} : tensor<1x?x4xf32>
func.func @main(%p: tensor<1x?x?xf32> {qf.name = "p"}, %v: tensor<1x?x4xf32> {qf.name = "v"}) -> tensor<1x?x4xf32> {
  %c1 = arith.constant 1 : index
  %s = tensor.dim %p, %c1 : tensor<1x?x?xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%s) : tensor<1x?x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x?x4xf32>) -> tensor<1x?x4xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<1x?x?xf32>, tensor<1x?x4xf32>) outs(%init : tensor<1x?x4xf32>) -> tensor<1x?x4xf32>
  return %o : tensor<1x?x4xf32>
}
