// RUN: qf-opt %s --convert-qf-to-linalg --split-input-file -verify-diagnostics

func.func @sub_byte(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i4:f32, 0.5>> {
  // expected-error @below {{cannot lower to linalg: storage of 4 bits is lowered only as qf.dequantize of qf.unpack}}
  %q = qf.quantize %x half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i4:f32, 0.5>>
  return %q : tensor<4x!quant.uniform<i4:f32, 0.5>>
}

// -----

func.func @sub_byte_matmul(%a: tensor<4x8x!quant.uniform<i8:f32, 0.5>>, %w: tensor<8x3x!quant.uniform<i4:f32, 0.1>>) -> tensor<4x3x!quant.uniform<i32:f32, 0.05>> {
  // expected-error @below {{cannot lower to linalg: storage of 4 bits is lowered only as qf.dequantize of qf.unpack}}
  %acc = qf.matmul %a, %w : tensor<4x8x!quant.uniform<i8:f32, 0.5>>, tensor<8x3x!quant.uniform<i4:f32, 0.1>> -> tensor<4x3x!quant.uniform<i32:f32, 0.05>>
  return %acc : tensor<4x3x!quant.uniform<i32:f32, 0.05>>
}

// -----

func.func @sub_byte_dequantize(%q: tensor<2x4x!quant.uniform<i4:f32:{1:2}, {{0.5, 0.25}, {1.0, 2.0}}>>) -> tensor<2x4xf32> {
  // expected-error @below {{cannot lower to linalg: storage of 4 bits is lowered only as qf.dequantize of qf.unpack}}
  %d = qf.dequantize %q : tensor<2x4x!quant.uniform<i4:f32:{1:2}, {{0.5, 0.25}, {1.0, 2.0}}>> -> tensor<2x4xf32>
  return %d : tensor<2x4xf32>
}

// -----

func.func @unpack_into_matmul(%a: tensor<4x8x!quant.uniform<i8:f32, 0.5>>, %p: tensor<8x2xi8>) -> tensor<4x3x!quant.uniform<i32:f32, 0.05>> {
  // expected-error @below {{cannot lower to linalg: sub-byte tensors are lowered only where qf.dequantize reads a qf.unpack (weight-only schemes)}}
  %w = qf.unpack %p : tensor<8x2xi8> -> tensor<8x3x!quant.uniform<i4:f32, 0.1>>
  // expected-error @below {{cannot lower to linalg: storage of 4 bits is lowered only as qf.dequantize of qf.unpack}}
  %acc = qf.matmul %a, %w : tensor<4x8x!quant.uniform<i8:f32, 0.5>>, tensor<8x3x!quant.uniform<i4:f32, 0.1>> -> tensor<4x3x!quant.uniform<i32:f32, 0.05>>
  return %acc : tensor<4x3x!quant.uniform<i32:f32, 0.05>>
}
