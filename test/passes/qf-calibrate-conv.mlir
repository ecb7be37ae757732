// The Hessian of a convolution input is taken over the im2col rows its HWCF
// filter multiplies (patches ordered kh, kw, c), with the window's strides
// and dilations; max|x| and mean|x| are per input channel. Checked against
// NumPy.
// REQUIRES: backend-cpu
// RUN: rm -rf %t && mkdir -p %t
// RUN: %numpy_python -c "import numpy as np; np.savez('%t/data.npz', img=np.random.RandomState(3).randn(5, 1, 8, 8, 3).astype(np.float32))"
// RUN: qf-opt %s --pass-pipeline='builtin.module(qf-insert-observers,qf-calibrate{data=%t/data.npz sample-rows=4 stats-out=%t/st.safetensors})' | FileCheck %s
// RUN: %numpy_python %S/Inputs/calibration/check_conv.py %t/st.safetensors %t/data.npz | FileCheck %s --check-prefix=NUMPY

// CHECK-LABEL: func.func @main
// CHECK: qf.observe %{{.*}} id 0 stats {{{.*}}hessian = dense_resource<qf_hessian_0> : tensor<27x27xf32>, in_abs_max = dense<{{.*}}> : tensor<3xf32>, in_abs_mean = dense<{{.*}}> : tensor<3xf32>, {{.*}}row_sample = dense_resource<qf_row_sample_0> : tensor<4x27xf32>, rows = 60 : i64, samples = 5 : i64} : tensor<1x8x8x3xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK: qf.observe %{{.*}} id 1 stats {data_max = {{.*}}, samples = 5 : i64} : tensor<1x4x3x4xf32>
// CHECK: dialect_resources
// CHECK: qf_hessian_0: "0x
// NUMPY: conv input statistics match NumPy
func.func @main(%img: tensor<1x8x8x3xf32> {qf.name = "img"}) -> tensor<1x4x3x4xf32> {
  %filter = arith.constant dense<0.25> : tensor<3x3x3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x3x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x3x4xf32>) -> tensor<1x4x3x4xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<[1, 2]> : tensor<2xi64>}
      ins(%img, %filter : tensor<1x8x8x3xf32>, tensor<3x3x3x4xf32>) outs(%init : tensor<1x4x3x4xf32>) -> tensor<1x4x3x4xf32>
  return %conv : tensor<1x4x3x4xf32>
}
