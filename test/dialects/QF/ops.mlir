// Every qf op and attribute round-trips through text, the generic form and
// bytecode, losslessly.
// RUN: qf-opt %s | qf-opt | FileCheck %s
// RUN: qf-opt %s --mlir-print-op-generic | qf-opt | FileCheck %s
// RUN: qf-opt %s -emit-bytecode | qf-opt | FileCheck %s
// RUN: qf-opt %s > %t.txt && qf-opt %t.txt | diff %t.txt -
// RUN: qf-opt %s -emit-bytecode | qf-opt | diff %t.txt -

!qa = !quant.uniform<i8:f32, 0.1234567891234:-3>
!qw = !quant.uniform<i8:f32:1, {0.5, 0.25, 0.125}>
!acc = !quant.uniform<i32:f32:1, {0.0617283945617, 0.03086419728085, 0.015432098640425}>
!qw2 = !quant.uniform<i8:f32:2, {0.5, 0.25, 0.125}>
!acc2 = !quant.uniform<i32:f32:2, {0.0617283945617, 0.03086419728085, 0.015432098640425}>
!qw3 = !quant.uniform<i8:f32:3, {0.5, 0.25, 0.125}>
!acc3 = !quant.uniform<i32:f32:3, {0.0617283945617, 0.03086419728085, 0.015432098640425}>
!qo = !quant.uniform<i8<-127:127>:f32, 0.05>
!u4 = !quant.uniform<u4:f32, 0.75:8>
!blocked = !quant.uniform<i4:f32:{1:4}, {{0.5, 0.25}, {0.125, 1.0}}>

// CHECK-LABEL: func.func @observe
// CHECK: qf.observe %{{.*}} id 3 : tensor<2x4xf32>
// CHECK: qf.observe %{{.*}} id 4 stats {max = 2.500000e+00 : f64, min = -1.000000e+00 : f64} : tensor<2x4xf32>
func.func @observe(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = qf.observe %x id 3 : tensor<2x4xf32>
  %1 = qf.observe %0 id 4 stats {max = 2.5 : f64, min = -1.0 : f64} : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// CHECK-LABEL: func.func @conversions
// CHECK: %[[Q:.*]] = qf.quantize %{{.*}} half_even : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32, 0.1234567891234:-3>>
// CHECK: qf.quantize %{{.*}} half_away : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32:1, {5.000000e-01,2.500000e-01,1.250000e-01}>>
// CHECK: qf.quantize %{{.*}} floor
// CHECK: qf.quantize %{{.*}} ceil
// CHECK: qf.quantize %{{.*}} toward_zero
// CHECK: qf.quantize %{{.*}} stochastic seed 42
// CHECK: qf.quantize %{{.*}} half_even : tensor<2x8xf32> -> tensor<2x8x!quant.uniform<i4:f32:{1:4}, {{\{\{}}5.000000e-01, 2.500000e-01}, {1.250000e-01, 1.000000e+00}}>>
// CHECK: %[[R:.*]] = qf.requantize %[[Q]] floor : tensor<2x3x!quant.uniform<i8:f32, 0.1234567891234:-3>> -> tensor<2x3x!quant.uniform<i8<-127:127>:f32, 5.000000e-02>>
// CHECK: qf.requantize %{{.*}} stochastic seed 7
// CHECK: qf.dequantize %[[R]] : tensor<2x3x!quant.uniform<i8<-127:127>:f32, 5.000000e-02>> -> tensor<2x3xf32>
func.func @conversions(%x: tensor<2x3xf32>, %y: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %q = qf.quantize %x half_even : tensor<2x3xf32> -> tensor<2x3x!qa>
  %1 = qf.quantize %x half_away : tensor<2x3xf32> -> tensor<2x3x!qw>
  %2 = qf.quantize %x floor : tensor<2x3xf32> -> tensor<2x3x!qa>
  %3 = qf.quantize %x ceil : tensor<2x3xf32> -> tensor<2x3x!qa>
  %4 = qf.quantize %x toward_zero : tensor<2x3xf32> -> tensor<2x3x!qa>
  %5 = qf.quantize %x stochastic seed 42 : tensor<2x3xf32> -> tensor<2x3x!qa>
  %6 = qf.quantize %y half_even : tensor<2x8xf32> -> tensor<2x8x!blocked>
  %r = qf.requantize %q floor : tensor<2x3x!qa> -> tensor<2x3x!qo>
  %7 = qf.requantize %q stochastic seed 7 : tensor<2x3x!qa> -> tensor<2x3x!qo>
  %d = qf.dequantize %r : tensor<2x3x!qo> -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @fake_quant
// CHECK: qf.fake_quant %{{.*}} as !quant.uniform<i8:f32, 0.1234567891234:-3> half_even clipped : tensor<2x3xf32>
// CHECK: qf.fake_quant %{{.*}} as !quant.uniform<i8:f32:1, {5.000000e-01,2.500000e-01,1.250000e-01}> stochastic identity seed 9 : tensor<2x3xf32>
func.func @fake_quant(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qf.fake_quant %x as !qa half_even clipped : tensor<2x3xf32>
  %1 = qf.fake_quant %0 as !qw stochastic identity seed 9 : tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @fake_quant_learnable
// CHECK: qf.fake_quant %{{.*}} as !quant.uniform<i8:f32, 0.1234567891234:-3> half_even clipped learnable : tensor<2x3xf32>
func.func @fake_quant_learnable(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = qf.fake_quant %x as !qa half_even clipped learnable : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @fake_quant_grad
// CHECK: qf.fake_quant_grad %{{.*}}, %{{.*}} as !quant.uniform<i8:f32, 0.1234567891234:-3> half_even clipped : tensor<2x3xf32> -> tensor<f32>
// CHECK: qf.fake_quant_grad %{{.*}}, %{{.*}} as !quant.uniform<i8:f32:1, {{.*}}> stochastic identity seed 9 : tensor<2x3xf32> -> tensor<3xf32>
// CHECK: qf.fake_quant_grad %{{.*}}, %{{.*}} as !quant.uniform<i4:f32:{1:2}, {{.*}}> floor clipped : tensor<2x4xf32> -> tensor<2x2xf32>
func.func @fake_quant_grad(%x: tensor<2x3xf32>, %dy: tensor<2x3xf32>, %x4: tensor<2x4xf32>) -> (tensor<2x3xf32>, tensor<f32>, tensor<3xf32>, tensor<2x2xf32>) {
  %dx, %ds, %dz = qf.fake_quant_grad %x, %dy as !qa half_even clipped : tensor<2x3xf32> -> tensor<f32>
  %dx1, %ds1, %dz1 = qf.fake_quant_grad %x, %dy as !qw stochastic identity seed 9 : tensor<2x3xf32> -> tensor<3xf32>
  %dx2, %ds2, %dz2 = qf.fake_quant_grad %x4, %x4 as !quant.uniform<i4:f32:{1:2}, {{0.5:1, 0.25:0}, {0.125:-1, 1.0:2}}> floor clipped : tensor<2x4xf32> -> tensor<2x2xf32>
  return %dx, %ds, %ds1, %ds2 : tensor<2x3xf32>, tensor<f32>, tensor<3xf32>, tensor<2x2xf32>
}

// CHECK-LABEL: func.func @matmul
// CHECK: qf.matmul %{{.*}}, %{{.*}} : tensor<4x2x!quant.uniform<i8:f32, 0.1234567891234:-3>>, tensor<2x3x!quant.uniform<i8:f32:1, {{.*}}>> -> tensor<4x3x!quant.uniform<i32:f32:1, {{.*}}>>
// CHECK: qf.matmul %{{.*}}, %{{.*}} bias %{{.*}} : {{.*}}, {{.*}}, tensor<3x!quant.uniform<i32:f32:0, {{.*}}>> -> tensor<4x3x!quant.uniform<i32:f32:1, {{.*}}>>
// CHECK: qf.matmul %{{.*}}, %{{.*}} : tensor<5x4x2x!quant.uniform<i8:f32, 0.1234567891234:-3>>, tensor<5x2x3x{{.*}}> -> tensor<5x4x3x{{.*}}>
// CHECK: qf.matmul %{{.*}}, %{{.*}} : tensor<5x4x2x{{.*}}>, tensor<2x3x{{.*}}> -> tensor<5x4x3x{{.*}}>
func.func @matmul(%a: tensor<4x2x!qa>, %w: tensor<2x3x!qw>,
                  %bias: tensor<3x!quant.uniform<i32:f32:0, {0.0617283945617, 0.03086419728085, 0.015432098640425}>>,
                  %ba: tensor<5x4x2x!qa>, %bw: tensor<5x2x3x!qw2>)
    -> (tensor<4x3x!acc>, tensor<4x3x!acc>, tensor<5x4x3x!acc2>, tensor<5x4x3x!acc2>) {
  %0 = qf.matmul %a, %w : tensor<4x2x!qa>, tensor<2x3x!qw> -> tensor<4x3x!acc>
  %1 = qf.matmul %a, %w bias %bias : tensor<4x2x!qa>, tensor<2x3x!qw>, tensor<3x!quant.uniform<i32:f32:0, {0.0617283945617, 0.03086419728085, 0.015432098640425}>> -> tensor<4x3x!acc>
  %2 = qf.matmul %ba, %bw : tensor<5x4x2x!qa>, tensor<5x2x3x!qw2> -> tensor<5x4x3x!acc2>
  %3 = qf.matmul %ba, %w : tensor<5x4x2x!qa>, tensor<2x3x!qw> -> tensor<5x4x3x!acc2>
  return %0, %1, %2, %3 : tensor<4x3x!acc>, tensor<4x3x!acc>, tensor<5x4x3x!acc2>, tensor<5x4x3x!acc2>
}

// CHECK-LABEL: func.func @conv2d
// CHECK: qf.conv2d %{{.*}}, %{{.*}} strides [2, 2] dilations [1, 1] padding [1, 1, 1, 1] groups 1 : tensor<1x8x8x4x{{.*}}>, tensor<3x3x4x3x{{.*}}> -> tensor<1x4x4x3x{{.*}}>
// CHECK: qf.conv2d %{{.*}}, %{{.*}} strides [1, 1] dilations [2, 2] padding [0, 0, 0, 0] groups 4 : tensor<1x8x8x4x{{.*}}>, tensor<3x3x1x4x{{.*}}> -> tensor<1x4x4x4x{{.*}}>
func.func @conv2d(%x: tensor<1x8x8x4x!qa>, %w: tensor<3x3x4x3x!qw3>,
                  %dw: tensor<3x3x1x4x!quant.uniform<i8:f32, 0.5>>)
    -> (tensor<1x4x4x3x!acc3>, tensor<1x4x4x4x!quant.uniform<i32:f32, 0.0617283945617>>) {
  %0 = qf.conv2d %x, %w strides [2, 2] dilations [1, 1] padding [1, 1, 1, 1] groups 1
      : tensor<1x8x8x4x!qa>, tensor<3x3x4x3x!qw3> -> tensor<1x4x4x3x!acc3>
  %1 = qf.conv2d %x, %dw strides [1, 1] dilations [2, 2] padding [0, 0, 0, 0] groups 4
      : tensor<1x8x8x4x!qa>, tensor<3x3x1x4x!quant.uniform<i8:f32, 0.5>> -> tensor<1x4x4x4x!quant.uniform<i32:f32, 0.0617283945617>>
  return %0, %1 : tensor<1x4x4x3x!acc3>, tensor<1x4x4x4x!quant.uniform<i32:f32, 0.0617283945617>>
}

// CHECK-LABEL: func.func @packing
// CHECK: qf.pack %{{.*}} : tensor<3x5x!quant.uniform<u4:f32, 7.500000e-01:8>> -> tensor<3x3xi8>
// CHECK: qf.unpack %{{.*}} : tensor<3x3xi8> -> tensor<3x5x!quant.uniform<u4:f32, 7.500000e-01:8>>
// CHECK: qf.pack %{{.*}} : tensor<2x5xi3> -> tensor<2x2xi8>
// CHECK: qf.unpack %{{.*}} : tensor<2x2xi8> -> tensor<2x5xi3>
func.func @packing(%w: tensor<3x5x!u4>, %i: tensor<2x5xi3>) -> (tensor<3x5x!u4>, tensor<2x5xi3>) {
  %p = qf.pack %w : tensor<3x5x!u4> -> tensor<3x3xi8>
  %u = qf.unpack %p : tensor<3x3xi8> -> tensor<3x5x!u4>
  %p3 = qf.pack %i : tensor<2x5xi3> -> tensor<2x2xi8>
  %u3 = qf.unpack %p3 : tensor<2x2xi8> -> tensor<2x5xi3>
  return %u, %u3 : tensor<3x5x!u4>, tensor<2x5xi3>
}

// CHECK-LABEL: func.func @schemes
// CHECK-SAME: a = #qf.scheme<weight = i4, per_group = 128, asymmetric, rounding = half_even>
// CHECK-SAME: b = #qf.scheme<weight = i8, act = i8, per_channel, symmetric, rounding = half_away>
// CHECK-SAME: c = #qf.scheme<weight = i2, per_tensor, symmetric, rounding = stochastic, seed = 7>
// CHECK-SAME: d = #qf.scheme<weight = bf16, act = f16, per_tensor, symmetric, rounding = half_even>
// CHECK-SAME: e = #qf.scheme<weight = i3, act = i16, per_group = 32, symmetric, rounding = toward_zero>
func.func @schemes() attributes {
    a = #qf.scheme<weight = i4, per_group = 128, asymmetric, rounding = half_even>,
    b = #qf.scheme<weight = i8, act = i8, per_channel, symmetric, rounding = half_away>,
    c = #qf.scheme<weight = i2, per_tensor, symmetric, rounding = stochastic, seed = 7>,
    d = #qf.scheme<weight = bf16, act = f16, per_tensor, symmetric, rounding = half_even>,
    e = #qf.scheme<weight = i3, act = i16, per_group = 32, symmetric, rounding = toward_zero>} {
  return
}

// CHECK-LABEL: func.func @table_formats
// CHECK-SAME: a = #qf.scheme<weight = i8, format = fp8, per_channel, symmetric, rounding = half_even>
// CHECK-SAME: b = #qf.scheme<weight = i4, format = mxfp4, per_group = 32, symmetric, rounding = half_even>
// CHECK-SAME: c = #qf.scheme<weight = i4, format = nf4, per_group = 64, symmetric, rounding = stochastic, seed = 3>
func.func @table_formats() attributes {
    a = #qf.scheme<weight = i8, format = fp8, per_channel, symmetric, rounding = half_even>,
    b = #qf.scheme<weight = i4, format = mxfp4, per_group = 32, symmetric, rounding = half_even>,
    c = #qf.scheme<weight = i4, format = nf4, per_group = 64, symmetric, rounding = stochastic, seed = 3>} {
  return
}

// CHECK-LABEL: func.func @table_formats_more
// CHECK-SAME: a = #qf.scheme<weight = i6, format = mxfp6, per_group = 32, symmetric, rounding = half_even>
// CHECK-SAME: b = #qf.scheme<weight = i8, format = mxint8, per_group = 32, symmetric, rounding = half_even>
// CHECK-SAME: c = #qf.scheme<weight = i4, format = nvfp4, per_group = 16, symmetric, rounding = half_even>
// CHECK-SAME: d = #qf.scheme<weight = i8, format = fp8, act = f8E4M3FN, per_channel, symmetric, rounding = half_even>
func.func @table_formats_more() attributes {
    a = #qf.scheme<weight = i6, format = mxfp6, per_group = 32, symmetric, rounding = half_even>,
    b = #qf.scheme<weight = i8, format = mxint8, per_group = 32, symmetric, rounding = half_even>,
    c = #qf.scheme<weight = i4, format = nvfp4, per_group = 16, symmetric, rounding = half_even>,
    d = #qf.scheme<weight = i8, format = fp8, act = f8E4M3FN, per_channel, symmetric, rounding = half_even>} {
  return
}

// CHECK-LABEL: func.func @dequantize_table
// CHECK: qf.dequantize_table %{{.*}}, %{{.*}} table dense<[-1.000000e+00, -5.000000e-01, 0.000000e+00, 5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 6.000000e+00, -1.500000e+00, -2.000000e+00, -3.000000e+00, -4.000000e+00, -6.000000e+00, 0.000000e+00]> : tensor<16xf32> : tensor<4x3xi8>, tensor<1x3xf32> -> tensor<4x6xf32>
func.func @dequantize_table(%c: tensor<4x3xi8>, %s: tensor<1x3xf32>) -> tensor<4x6xf32> {
  %w = qf.dequantize_table %c, %s table dense<[-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, -1.5, -2.0, -3.0, -4.0, -6.0, 0.0]> : tensor<16xf32> : tensor<4x3xi8>, tensor<1x3xf32> -> tensor<4x6xf32>
  return %w : tensor<4x6xf32>
}

// Byte scales through a scale table, and NVFP4's tensor scale.
// CHECK-LABEL: func.func @dequantize_table_byte_scales
// CHECK: qf.dequantize_table %{{.*}}, %{{.*}} table dense<{{.*}}> : tensor<64xf32> scale_table dense<{{.*}}> : tensor<256xf32> : tensor<4x5xi8>, tensor<1x1xi8> -> tensor<4x6xf32>
// CHECK: qf.dequantize_table %{{.*}}, %{{.*}} table dense<{{.*}}> : tensor<16xf32> scale_table dense<{{.*}}> : tensor<256xf32> tensor_scale 2.500000e-01 : tensor<4x3xi8>, tensor<2x3xi8> -> tensor<4x6xf32>
func.func @dequantize_table_byte_scales(%c6: tensor<4x5xi8>, %s6: tensor<1x1xi8>, %c4: tensor<4x3xi8>, %s4: tensor<2x3xi8>) -> (tensor<4x6xf32>, tensor<4x6xf32>) {
  %a = qf.dequantize_table %c6, %s6 table dense<1.0> : tensor<64xf32> scale_table dense<2.0> : tensor<256xf32> : tensor<4x5xi8>, tensor<1x1xi8> -> tensor<4x6xf32>
  %b = qf.dequantize_table %c4, %s4 table dense<1.0> : tensor<16xf32> scale_table dense<2.0> : tensor<256xf32> tensor_scale 0.25 : tensor<4x3xi8>, tensor<2x3xi8> -> tensor<4x6xf32>
  return %a, %b : tensor<4x6xf32>, tensor<4x6xf32>
}

// CHECK-LABEL: func.func @round_to_float
// CHECK: qf.round_to_float %{{.*}} scale 1.250000e-02 : f8E4M3FN, tensor<4x16xf32>
// CHECK: qf.round_to_float %{{.*}} scale 1.000000e+00 : f4E2M1FN, tensor<?x16xf32>
func.func @round_to_float(%x: tensor<4x16xf32>, %y: tensor<?x16xf32>) -> (tensor<4x16xf32>, tensor<?x16xf32>) {
  %a = qf.round_to_float %x scale 0.0125 : f8E4M3FN, tensor<4x16xf32>
  %b = qf.round_to_float %y scale 1.0 : f4E2M1FN, tensor<?x16xf32>
  return %a, %b : tensor<4x16xf32>, tensor<?x16xf32>
}

// CHECK-LABEL: func.func @round_to_mx
// CHECK: qf.round_to_mx %{{.*}} block 32 : f8E4M3FN, tensor<4x64xf32>
func.func @round_to_mx(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %a = qf.round_to_mx %x block 32 : f8E4M3FN, tensor<4x64xf32>
  return %a : tensor<4x64xf32>
}

// CHECK-LABEL: func.func @dynamic_per_token
func.func @dynamic_per_token(%x: tensor<4x16xf32>, %w: tensor<16x8x!quant.uniform<i8<-127:127>:f32:1, {0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2}>>) -> tensor<4x8xf32> {
  // CHECK: %[[Q:.*]], %[[S:.*]] = qf.dynamic_quantize %{{.*}} half_even : tensor<4x16xf32> -> tensor<4x16x!quant.uniform<i8<-127:127>:f32, 1.000000e+00>>, tensor<4x1xf32>
  %q, %s = qf.dynamic_quantize %x half_even : tensor<4x16xf32> -> tensor<4x16x!quant.uniform<i8<-127:127>:f32, 1.0>>, tensor<4x1xf32>
  %acc = qf.matmul %q, %w : tensor<4x16x!quant.uniform<i8<-127:127>:f32, 1.0>>, tensor<16x8x!quant.uniform<i8<-127:127>:f32:1, {0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2}>> -> tensor<4x8x!quant.uniform<i32:f32:1, {0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2}>>
  // CHECK: qf.dynamic_dequantize %{{.*}}, %[[S]] : tensor<4x8x!quant.uniform<i32:f32:1
  %y = qf.dynamic_dequantize %acc, %s : tensor<4x8x!quant.uniform<i32:f32:1, {0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2}>>, tensor<4x1xf32> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @dynamic_per_tensor_stochastic
func.func @dynamic_per_tensor_stochastic(%x: tensor<2x3x8xf32>) -> tensor<2x3x8xf32> {
  // CHECK: qf.dynamic_quantize %{{.*}} stochastic seed 9 : tensor<2x3x8xf32> -> tensor<2x3x8x!quant.uniform<i8:f32, 1.000000e+00>>, tensor<1x1x1xf32>
  %q, %s = qf.dynamic_quantize %x stochastic seed 9 : tensor<2x3x8xf32> -> tensor<2x3x8x!quant.uniform<i8:f32, 1.0>>, tensor<1x1x1xf32>
  %y = qf.dynamic_dequantize %q, %s : tensor<2x3x8x!quant.uniform<i8:f32, 1.0>>, tensor<1x1x1xf32> -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}
