// !qf.quant_ref, the file form of a quantized type whose scales are in the
// weights file (parameters/QuantParameters.h), parses and prints back; its
// parameters are checked when it is built.
// RUN: qf-opt %s --skip-weights --split-input-file --verify-diagnostics | FileCheck %s

// CHECK: func.func private @per_axis(tensor<4x96x!qf.quant_ref<"quant0", i4, f32, 1, -8, 7, [1], []>>)
func.func private @per_axis(tensor<4x96x!qf.quant_ref<"quant0", i4, f32, 1, -8, 7, [1], []>>)

// -----

// CHECK: func.func private @blocked(tensor<256x64x!qf.quant_ref<"quant3", i8, bf16, 0, 0, 255, [0, 1], [128, 1]>>)
func.func private @blocked(tensor<256x64x!qf.quant_ref<"quant3", i8, bf16, 0, 0, 255, [0, 1], [128, 1]>>)

// -----

// expected-error @+1 {{storage type must be an integer of at most 32 bits, got 'index'}}
func.func private @index_storage(tensor<4x!qf.quant_ref<"q", index, f32, 1, -8, 7, [0], []>>)

// -----

// expected-error @+1 {{expressed type must be a float, got 'i32'}}
func.func private @int_expressed(tensor<4x!qf.quant_ref<"q", i8, i32, 1, -8, 7, [0], []>>)

// -----

// expected-error @+1 {{storage range [7, -8] is empty}}
func.func private @empty_range(tensor<4x!qf.quant_ref<"q", i8, f32, 1, 7, -8, [0], []>>)

// -----

// expected-error @+1 {{needs one quantized dimension and no block sizes (per axis) or one block size per quantized dimension}}
func.func private @blocks_mismatch(tensor<4x!qf.quant_ref<"q", i4, f32, 1, -8, 7, [0, 1], [128]>>)

// -----

// expected-error @+1 {{dimensions must be non-negative and block sizes positive}}
func.func private @zero_block(tensor<4x4x!qf.quant_ref<"q", i4, f32, 1, -8, 7, [0], [0]>>)

// -----

// expected-error @+1 {{needs a name}}
func.func private @unnamed(tensor<4x!qf.quant_ref<"", i4, f32, 1, -8, 7, [0], []>>)
