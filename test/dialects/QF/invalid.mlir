// RUN: qf-opt %s -split-input-file -verify-diagnostics

func.func @observe_negative_id(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{id must be non-negative, got -1}}
  %0 = qf.observe %x id -1 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @observe_min_above_max(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{stats min 3.000000e+00 exceeds max 1.000000e+00}}
  %0 = qf.observe %x id 1 stats {min = 3.0 : f64, max = 1.0 : f64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @observe_min_not_float(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{stats min and max must be float attributes}}
  %0 = qf.observe %x id 1 stats {min = "low"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @observe_integer(%x: tensor<4xi8>) -> tensor<4xi8> {
  // expected-error @below {{operand #0 must be ranked tensor of floating-point values}}
  %0 = qf.observe %x id 1 : tensor<4xi8>
  return %0 : tensor<4xi8>
}

// -----

func.func @stochastic_without_seed(%x: tensor<4xf32>) {
  // expected-error @below {{stochastic rounding requires a seed}}
  %0 = qf.quantize %x stochastic : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @seed_without_stochastic(%x: tensor<4xf32>) {
  // expected-error @below {{seed is only meaningful with stochastic rounding, not half_even}}
  %0 = qf.quantize %x half_even seed 3 : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @quantize_expressed_mismatch(%x: tensor<4xf16>) {
  // expected-error @below {{input element type 'f16' differs from the expressed type 'f32' of '!quant.uniform<i8:f32, 5.000000e-01>'}}
  %0 = qf.quantize %x half_even : tensor<4xf16> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @quantize_axis_out_of_range(%x: tensor<2x3xf32>) {
  // expected-error @below {{result is quantized on axis 2, out of range for rank 2}}
  %0 = qf.quantize %x half_even : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32:2, {0.5, 0.25}>>
  return
}

// -----

func.func @quantize_scale_count(%x: tensor<2x3xf32>) {
  // expected-error @below {{result has 2 scales for axis 1 of size 3}}
  %0 = qf.quantize %x half_even : tensor<2x3xf32> -> tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.25}>>
  return
}

// -----

func.func @quantize_block_does_not_divide(%x: tensor<2x6xf32>) {
  // expected-error @below {{result block size 4 does not divide dimension 1 of size 6}}
  %0 = qf.quantize %x half_even : tensor<2x6xf32> -> tensor<2x6x!quant.uniform<i4:f32:{1:4}, {{0.5, 0.25}, {0.125, 1.0}}>>
  return
}

// -----

func.func @quantize_block_count(%x: tensor<2x12xf32>) {
  // expected-error @below {{result has 2 scale blocks on dimension 1, expected 3}}
  %0 = qf.quantize %x half_even : tensor<2x12xf32> -> tensor<2x12x!quant.uniform<i4:f32:{1:4}, {{0.5, 0.25}, {0.125, 1.0}}>>
  return
}

// -----

func.func @quantize_to_float(%x: tensor<4xf32>) {
  // expected-error @below {{result #0 must be ranked tensor of uniform quantized type values}}
  %0 = qf.quantize %x half_even : tensor<4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @quantize_shape_mismatch(%x: tensor<4xf32>) {
  // expected-error @below {{requires the same shape for all operands and results}}
  %0 = qf.quantize %x half_even : tensor<4xf32> -> tensor<5x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @quantize_unknown_rounding(%x: tensor<4xf32>) {
  // expected-error @below {{expected string or keyword containing one of the following enum values for attribute 'rounding' [half_even, half_away, floor, ceil, toward_zero, stochastic]}}
  %0 = qf.quantize %x nearest : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @dequantize_expressed_mismatch(%q: tensor<4x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @below {{result element type 'bf16' differs from the expressed type 'f32'}}
  %0 = qf.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4xbf16>
  return
}

// -----

func.func @requantize_expressed_mismatch(%q: tensor<4x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @below {{input expressed type 'f32' differs from the result's 'f16'}}
  %0 = qf.requantize %q half_even : tensor<4x!quant.uniform<i8:f32, 0.5>> -> tensor<4x!quant.uniform<i8:f16, 0.5>>
  return
}

// -----

func.func @requantize_axis_mismatch(%q: tensor<2x2x!quant.uniform<i32:f32:0, {0.5, 0.25}>>) {
  // expected-error @below {{input is quantized on axis 0 but the result on axis 1}}
  %0 = qf.requantize %q half_even : tensor<2x2x!quant.uniform<i32:f32:0, {0.5, 0.25}>> -> tensor<2x2x!quant.uniform<i8:f32:1, {0.5, 0.25}>>
  return
}

// -----

func.func @requantize_blocked(%q: tensor<2x8x!quant.uniform<i4:f32:{1:4}, {{0.5, 0.25}, {0.125, 1.0}}>>) {
  // expected-error @below {{blocked (sub-channel) types cannot be requantized; dequantize them instead}}
  %0 = qf.requantize %q half_even : tensor<2x8x!quant.uniform<i4:f32:{1:4}, {{0.5, 0.25}, {0.125, 1.0}}>> -> tensor<2x8x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

func.func @fake_quant_not_quantized(%x: tensor<4xf32>) {
  // expected-error @below {{qtype must be a uniform quantized type, got 'i8'}}
  %0 = qf.fake_quant %x as i8 half_even clipped : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_scale_count(%x: tensor<2x3xf32>) {
  // expected-error @below {{qtype has 2 scales for axis 1 of size 3}}
  %1 = qf.fake_quant %x as !quant.uniform<i8:f32:1, {0.5, 0.25}> half_even clipped : tensor<2x3xf32>
  return
}

// -----

func.func @fake_quant_grad_shape(%x: tensor<2x3xf32>) {
  // expected-error @below {{parameter gradients must be 'tensor<3xf32>' (one per parameter group), got 'tensor<f32>'}}
  %dx, %ds, %dz = qf.fake_quant_grad %x, %x as !quant.uniform<i8:f32:1, {0.5, 0.25, 1.0}> half_even clipped : tensor<2x3xf32> -> tensor<f32>
  return
}

// -----

func.func @fake_quant_grad_seed(%x: tensor<2x3xf32>) {
  // expected-error @below {{seed}}
  %dx, %ds, %dz = qf.fake_quant_grad %x, %x as !quant.uniform<i8:f32, 0.5> stochastic clipped : tensor<2x3xf32> -> tensor<f32>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
func.func @matmul_ranks(%a: tensor<2x4x8x!qa>, %w: tensor<8x!qw>) {
  // expected-error @below {{expects [M, K] x [K, N], [B, M, K] x [B, K, N] or [B, M, K] x [K, N] operands, got ranks 3 and 1}}
  %0 = qf.matmul %a, %w : tensor<2x4x8x!qa>, tensor<8x!qw> -> tensor<2x4x!quant.uniform<i32:f32, 0.05>>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
func.func @matmul_contraction(%a: tensor<4x8x!qa>, %w: tensor<6x16x!qw>) {
  // expected-error @below {{contraction dimensions differ: lhs has K = 8, rhs has K = 6}}
  %0 = qf.matmul %a, %w : tensor<4x8x!qa>, tensor<6x16x!qw> -> tensor<4x16x!quant.uniform<i32:f32, 0.05>>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
func.func @matmul_batch(%a: tensor<2x4x8x!qa>, %w: tensor<3x8x16x!qw>) {
  // expected-error @below {{batch dimensions differ: 2 and 3}}
  %0 = qf.matmul %a, %w : tensor<2x4x8x!qa>, tensor<3x8x16x!qw> -> tensor<2x4x16x!quant.uniform<i32:f32, 0.05>>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
func.func @matmul_result_shape(%a: tensor<4x8x!qa>, %w: tensor<8x16x!qw>) {
  // expected-error @below {{result shape [4, 15] does not match [4, 16]}}
  %0 = qf.matmul %a, %w : tensor<4x8x!qa>, tensor<8x16x!qw> -> tensor<4x15x!quant.uniform<i32:f32, 0.05>>
  return
}

// -----

!qa = !quant.uniform<i16:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
func.func @matmul_wide_operand(%a: tensor<4x8x!qa>, %w: tensor<8x16x!qw>) {
  // expected-error @below {{lhs storage 'i16' is wider than 8 bits; integer compute takes at most 8-bit operands}}
  %0 = qf.matmul %a, %w : tensor<4x8x!qa>, tensor<8x16x!qw> -> tensor<4x16x!quant.uniform<i32:f32, 0.05>>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
func.func @matmul_narrow_accumulator(%a: tensor<4x8x!qa>, %w: tensor<8x16x!qw>) {
  // expected-error @below {{result must be the i32 accumulator, got storage 'i16'}}
  %0 = qf.matmul %a, %w : tensor<4x8x!qa>, tensor<8x16x!qw> -> tensor<4x16x!quant.uniform<i16:f32, 0.05>>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
func.func @matmul_accumulator_zero_point(%a: tensor<4x8x!qa>, %w: tensor<8x16x!qw>) {
  // expected-error @below {{result accumulator zero point must be 0}}
  %0 = qf.matmul %a, %w : tensor<4x8x!qa>, tensor<8x16x!qw> -> tensor<4x16x!quant.uniform<i32:f32, 0.05:1>>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
func.func @matmul_accumulator_scale(%a: tensor<4x8x!qa>, %w: tensor<8x16x!qw>) {
  // expected-error @below {{result accumulator scale 6.000000e-02 at index 0 must be the product of the operand scales, 5.000000e-02}}
  %0 = qf.matmul %a, %w : tensor<4x8x!qa>, tensor<8x16x!qw> -> tensor<4x16x!quant.uniform<i32:f32, 0.06>>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32:0, {0.1, 0.2}>
func.func @matmul_channel_on_contraction(%a: tensor<4x2x!qa>, %w: tensor<2x16x!qw>) {
  // expected-error @below {{rhs is quantized per channel on axis 0, which is not an output dimension of the contraction}}
  %0 = qf.matmul %a, %w : tensor<4x2x!qa>, tensor<2x16x!qw> -> tensor<4x16x!quant.uniform<i32:f32, 0.05>>
  return
}

// -----

!qa = !quant.uniform<i8:f32:0, {0.5, 0.25}>
!qw = !quant.uniform<i8:f32:1, {0.1, 0.2}>
func.func @matmul_both_per_channel(%a: tensor<2x8x!qa>, %w: tensor<8x2x!qw>) {
  // expected-error @below {{lhs and rhs are both quantized per channel; the accumulator would need a scale per element}}
  %0 = qf.matmul %a, %w : tensor<2x8x!qa>, tensor<8x2x!qw> -> tensor<2x2x!quant.uniform<i32:f32, 0.05>>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32:1, {0.1, 0.2}>
func.func @matmul_accumulator_granularity(%a: tensor<4x8x!qa>, %w: tensor<8x2x!qw>) {
  // expected-error @below {{result accumulator must be quantized per channel on axis 1 like its operands}}
  %0 = qf.matmul %a, %w : tensor<4x8x!qa>, tensor<8x2x!qw> -> tensor<4x2x!quant.uniform<i32:f32, 0.05>>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32:{0:4}, {{0.1}, {0.2}}>
func.func @matmul_blocked_rhs(%a: tensor<4x8x!qa>, %w: tensor<8x1x!qw>) {
  // expected-error @below {{rhs is quantized in blocks, which cannot accumulate in i32 with one scale per output; dequantize it instead}}
  %0 = qf.matmul %a, %w : tensor<4x8x!qa>, tensor<8x1x!qw> -> tensor<4x1x!quant.uniform<i32:f32, 0.05>>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @matmul_bias_shape(%a: tensor<4x8x!qa>, %w: tensor<8x16x!qw>, %b: tensor<8x!acc>) {
  // expected-error @below {{bias shape [8] must be [16]}}
  %0 = qf.matmul %a, %w bias %b : tensor<4x8x!qa>, tensor<8x16x!qw>, tensor<8x!acc> -> tensor<4x16x!acc>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:3>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @matmul_bias_type(%a: tensor<4x8x!qa>, %w: tensor<8x16x!qw>, %b: tensor<16x!quant.uniform<i32:f32, 0.5>>) {
  // expected-error @below {{bias type '!quant.uniform<i32:f32, 5.000000e-01>' must carry the accumulator's quantization '!quant.uniform<i32:f32, 5.000000e-02>'}}
  %0 = qf.matmul %a, %w bias %b : tensor<4x8x!qa>, tensor<8x16x!qw>, tensor<16x!quant.uniform<i32:f32, 0.5>> -> tensor<4x16x!acc>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @conv_rank(%x: tensor<8x8x4x!qa>, %w: tensor<3x3x4x8x!qw>) {
  // expected-error @below {{expects rank-4 NHWC input, HWCF filter and NHWF result}}
  %0 = qf.conv2d %x, %w strides [1, 1] dilations [1, 1] padding [0, 0, 0, 0] groups 1 : tensor<8x8x4x!qa>, tensor<3x3x4x8x!qw> -> tensor<1x6x6x8x!acc>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @conv_strides(%x: tensor<1x8x8x4x!qa>, %w: tensor<3x3x4x8x!qw>) {
  // expected-error @below {{strides must be two positive integers}}
  %0 = qf.conv2d %x, %w strides [0, 1] dilations [1, 1] padding [0, 0, 0, 0] groups 1 : tensor<1x8x8x4x!qa>, tensor<3x3x4x8x!qw> -> tensor<1x6x6x8x!acc>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @conv_dilations(%x: tensor<1x8x8x4x!qa>, %w: tensor<3x3x4x8x!qw>) {
  // expected-error @below {{dilations must be two positive integers}}
  %0 = qf.conv2d %x, %w strides [1, 1] dilations [1] padding [0, 0, 0, 0] groups 1 : tensor<1x8x8x4x!qa>, tensor<3x3x4x8x!qw> -> tensor<1x6x6x8x!acc>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @conv_padding(%x: tensor<1x8x8x4x!qa>, %w: tensor<3x3x4x8x!qw>) {
  // expected-error @below {{padding must be four non-negative integers [top, bottom, left, right]}}
  %0 = qf.conv2d %x, %w strides [1, 1] dilations [1, 1] padding [1, 1] groups 1 : tensor<1x8x8x4x!qa>, tensor<3x3x4x8x!qw> -> tensor<1x6x6x8x!acc>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @conv_groups(%x: tensor<1x8x8x4x!qa>, %w: tensor<3x3x4x8x!qw>) {
  // expected-error @below {{groups must be positive, got 0}}
  %0 = qf.conv2d %x, %w strides [1, 1] dilations [1, 1] padding [0, 0, 0, 0] groups 0 : tensor<1x8x8x4x!qa>, tensor<3x3x4x8x!qw> -> tensor<1x6x6x8x!acc>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @conv_channels(%x: tensor<1x8x8x4x!qa>, %w: tensor<3x3x2x8x!qw>) {
  // expected-error @below {{filter has 2 input channels, expected 4 / 1 groups}}
  %0 = qf.conv2d %x, %w strides [1, 1] dilations [1, 1] padding [0, 0, 0, 0] groups 1 : tensor<1x8x8x4x!qa>, tensor<3x3x2x8x!qw> -> tensor<1x6x6x8x!acc>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @conv_features_groups(%x: tensor<1x8x8x4x!qa>, %w: tensor<3x3x2x3x!qw>) {
  // expected-error @below {{filter features 3 are not divisible by 2 groups}}
  %0 = qf.conv2d %x, %w strides [1, 1] dilations [1, 1] padding [0, 0, 0, 0] groups 2 : tensor<1x8x8x4x!qa>, tensor<3x3x2x3x!qw> -> tensor<1x6x6x3x!acc>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @conv_result_shape(%x: tensor<1x8x8x4x!qa>, %w: tensor<3x3x4x8x!qw>) {
  // expected-error @below {{result shape [1, 8, 8, 8] does not match [1, 6, 6, 8]}}
  %0 = qf.conv2d %x, %w strides [1, 1] dilations [1, 1] padding [0, 0, 0, 0] groups 1 : tensor<1x8x8x4x!qa>, tensor<3x3x4x8x!qw> -> tensor<1x8x8x8x!acc>
  return
}

// -----

!qa = !quant.uniform<i8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @conv_window(%x: tensor<1x2x8x4x!qa>, %w: tensor<3x3x4x8x!qw>) {
  // expected-error @below {{the height window 5 is larger than the padded input 2}}
  %0 = qf.conv2d %x, %w strides [1, 1] dilations [2, 1] padding [0, 0, 0, 0] groups 1 : tensor<1x2x8x4x!qa>, tensor<3x3x4x8x!qw> -> tensor<1x1x6x8x!acc>
  return
}

// -----

// Attributes whose window or padding does not fit in 64 bits (found by
// fuzzing: the sizes overflowed).
!qa = !quant.uniform<i8:f32, 0.5>
!qw = !quant.uniform<i8:f32, 0.1>
!acc = !quant.uniform<i32:f32, 0.05>
func.func @conv_window_overflow(%x: tensor<1x8x8x4x!qa>, %w: tensor<3x3x4x8x!qw>) {
  // expected-error @below {{the height window or padded input does not fit in 64 bits}}
  %0 = qf.conv2d %x, %w strides [1, 1] dilations [1, 1] padding [9223372036854775807, 1, 0, 0] groups 1 : tensor<1x8x8x4x!qa>, tensor<3x3x4x8x!qw> -> tensor<1x6x6x8x!acc>
  return
}

// -----

func.func @pack_full_bytes(%w: tensor<4x8x!quant.uniform<i8:f32, 0.1>>) {
  // expected-error @below {{packs elements of 1 to 7 bits, got 8-bit '!quant.uniform<i8:f32, 1.000000e-01>'}}
  %0 = qf.pack %w : tensor<4x8x!quant.uniform<i8:f32, 0.1>> -> tensor<4x8xi8>
  return
}

// -----

func.func @pack_shape(%w: tensor<4x5x!quant.uniform<i4:f32, 0.1>>) {
  // expected-error @below {{packed shape [4, 2] must be [4, 3] for 4-bit elements}}
  %0 = qf.pack %w : tensor<4x5x!quant.uniform<i4:f32, 0.1>> -> tensor<4x2xi8>
  return
}

// -----

func.func @unpack_rank(%p: tensor<12xi8>) {
  // expected-error @below {{packed and unpacked tensors must have the same non-zero rank}}
  %0 = qf.unpack %p : tensor<12xi8> -> tensor<4x6xi4>
  return
}

// -----

func.func @unpack_from_i16(%p: tensor<4x3xi16>) {
  // expected-error @below {{operand #0 must be ranked tensor of 8-bit signless integer values}}
  %0 = qf.unpack %p : tensor<4x3xi16> -> tensor<4x6xi4>
  return
}

// -----

// expected-error @below {{scheme weight type must be i2, i3, i4, i8, f16 or bf16, got 'i5'}}
func.func @scheme_weight_type() attributes {s = #qf.scheme<weight = i5, per_tensor, symmetric, rounding = half_even>} {
  return
}

// -----

// expected-error @below {{scheme activation type must be i8, i16, f16 or bf16 (or f8E4M3FN with format fp8 or mxfp8), got 'f64'}}
func.func @scheme_act_type() attributes {s = #qf.scheme<weight = i4, act = f64, per_tensor, symmetric, rounding = half_even>} {
  return
}

// -----

// expected-error @below {{scheme group size must be positive, got 0}}
func.func @scheme_group_size() attributes {s = #qf.scheme<weight = i4, per_group = 0, symmetric, rounding = half_even>} {
  return
}

// -----

// expected-error @below {{scheme with float weight type 'f16' has no scales and must be per_tensor}}
func.func @scheme_float_per_channel() attributes {s = #qf.scheme<weight = f16, per_channel, symmetric, rounding = half_even>} {
  return
}

// -----

// expected-error @below {{scheme with stochastic rounding needs a seed}}
func.func @scheme_stochastic() attributes {s = #qf.scheme<weight = i8, per_channel, symmetric, rounding = stochastic>} {
  return
}

// -----

// expected-error @below {{expected per_tensor, per_channel or per_group, got 'per_row'}}
func.func @scheme_granularity() attributes {s = #qf.scheme<weight = i8, per_row, symmetric, rounding = half_even>} {
  return
}

// -----

// expected-error @below {{unknown rounding mode 'nearest'}}
func.func @scheme_rounding() attributes {s = #qf.scheme<weight = i8, per_tensor, symmetric, rounding = nearest>} {
  return
}

// -----

// Upstream accepts a zero point outside the storage range in the type; the
// ops do not.
func.func @zero_point_out_of_range(%x: tensor<4xf32>) {
  // expected-error @below {{result zero point 200 is outside the storage range [-128, 127]}}
  %0 = qf.quantize %x half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5:200>>
  return
}

// -----

func.func @narrow_zero_point(%q: tensor<4x!quant.uniform<i8<-127:127>:f32, 0.5:-128>>) {
  // expected-error @below {{input zero point -128 is outside the storage range [-127, 127]}}
  %0 = qf.dequantize %q : tensor<4x!quant.uniform<i8<-127:127>:f32, 0.5:-128>> -> tensor<4xf32>
  return
}

// -----

// Upstream's type parser rejects non-positive scales.
// expected-error @below {{scale -5.000000e-01 out of expressed type range}}
func.func @negative_scale(%x: tensor<4x!quant.uniform<i8:f32, -0.5>>) {
  return
}

// -----

// A NaN scale slips through upstream's range check (NaN compares false);
// the ops reject it.
func.func @nan_scale(%x: tensor<4xf32>) {
  // expected-error @below {{result scale nan is not positive and finite}}
  %0 = qf.quantize %x half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0x7FF8000000000000>>
  return
}

// -----

// (A NaN in a type defeats uniquing, NaN != NaN, so the type may appear once.)
func.func @nan_channel_scale(%x: tensor<2x2xf32>) {
  // expected-error @below {{result scale nan is not positive and finite}}
  %0 = qf.quantize %x half_even : tensor<2x2xf32> -> tensor<2x2x!quant.uniform<i8:f32:1, {0.5, 0x7FF8000000000000}>>
  return
}

// -----

func.func @dynamic_scaled_result(%x: tensor<4x8xf32>) {
  // expected-error @below {{result must be a signed per-tensor type with scale 1.0 and zero point 0}}
  %q, %s = qf.dynamic_quantize %x half_even : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 0.5>>, tensor<4x1xf32>
  return
}

// -----

func.func @dynamic_scale_shape(%x: tensor<4x8xf32>) {
  // expected-error @below {{scale shape [3, 1] must match the data's [4, 8] or be 1 in each dimension}}
  %q, %s = qf.dynamic_quantize %x half_even : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 1.0>>, tensor<3x1xf32>
  return
}

// -----

func.func @dynamic_scale_rank(%x: tensor<4x8xf32>) {
  // expected-error @below {{scale has rank 1, expected the data's rank 2}}
  %q, %s = qf.dynamic_quantize %x half_even : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 1.0>>, tensor<4xf32>
  return
}

// -----

func.func @dynamic_stochastic_seed(%x: tensor<4x8xf32>) {
  // expected-error @below {{stochastic rounding requires a seed}}
  %q, %s = qf.dynamic_quantize %x stochastic : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 1.0>>, tensor<4x1xf32>
  return
}

// -----

func.func @dynamic_dequantize_type(%q: tensor<4x8x!quant.uniform<i8:f32, 1.0>>, %s: tensor<4x1xf16>) {
  // expected-error @below {{scale element type 'f16' differs from the expressed type 'f32'}}
  %y = qf.dynamic_dequantize %q, %s : tensor<4x8x!quant.uniform<i8:f32, 1.0>>, tensor<4x1xf16> -> tensor<4x8xf32>
  return
}

// -----

func.func @dynamic_dequantize_blocked(%q: tensor<4x8x!quant.uniform<i8:f32:{1:4}, {{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}}>>, %s: tensor<4x1xf32>) {
  // expected-error @below {{blocked (sub-channel) input types are not supported}}
  %y = qf.dynamic_dequantize %q, %s : tensor<4x8x!quant.uniform<i8:f32:{1:4}, {{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}}>>, tensor<4x1xf32> -> tensor<4x8xf32>
  return
}

// -----

// expected-error @below {{scheme format mxfp4 has i4 codes, got weight type 'i8'}}
func.func @scheme_format_width() attributes {s = #qf.scheme<weight = i8, format = mxfp4, per_group = 32, symmetric, rounding = half_even>} {
  return
}

// -----

// expected-error @below {{scheme format nf4 is weight-only}}
func.func @scheme_format_act() attributes {s = #qf.scheme<weight = i4, format = nf4, act = i8, per_group = 64, symmetric, rounding = half_even>} {
  return
}

// -----

// expected-error @below {{scheme format fp8 is symmetric}}
func.func @scheme_format_asymmetric() attributes {s = #qf.scheme<weight = i8, format = fp8, per_channel, asymmetric, rounding = half_even>} {
  return
}


// -----

// expected-error @below {{unknown weight format 'mxfp5'}}
func.func @scheme_format_unknown() attributes {s = #qf.scheme<weight = i4, format = mxfp5, per_group = 32, symmetric, rounding = half_even>} {
  return
}

// -----

func.func @table_size(%c: tensor<4x3xi8>, %s: tensor<1x3xf32>) -> tensor<4x6xf32> {
  // expected-error @below {{table has 3 entries; 4-bit codes need 16, 6-bit codes 64, 8-bit codes 256}}
  %w = qf.dequantize_table %c, %s table dense<[1.0, 2.0, 3.0]> : tensor<3xf32> : tensor<4x3xi8>, tensor<1x3xf32> -> tensor<4x6xf32>
  return %w : tensor<4x6xf32>
}

// -----

func.func @table_codes_shape(%c: tensor<4x6xi8>, %s: tensor<1x3xf32>) -> tensor<4x6xf32> {
  // expected-error @below {{codes dimension 1 is 6, expected 3 for 4-bit codes of 'tensor<4x6xf32>'}}
  %w = qf.dequantize_table %c, %s table dense<[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<16xf32> : tensor<4x6xi8>, tensor<1x3xf32> -> tensor<4x6xf32>
  return %w : tensor<4x6xf32>
}

// -----

func.func @table_scales_shape(%c: tensor<4x3xi8>, %s: tensor<3x3xf32>) -> tensor<4x6xf32> {
  // expected-error @below {{scales dimension 0 (3) does not divide the output's (4)}}
  %w = qf.dequantize_table %c, %s table dense<[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<16xf32> : tensor<4x3xi8>, tensor<3x3xf32> -> tensor<4x6xf32>
  return %w : tensor<4x6xf32>
}

// -----

func.func @table_dynamic(%c: tensor<?x3xi8>, %s: tensor<1x3xf32>) -> tensor<?x6xf32> {
  // expected-error @below {{needs static shapes}}
  %w = qf.dequantize_table %c, %s table dense<[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]> : tensor<16xf32> : tensor<?x3xi8>, tensor<1x3xf32> -> tensor<?x6xf32>
  return %w : tensor<?x6xf32>
}

// -----

// expected-error @below {{scheme activation type must be i8, i16, f16 or bf16 (or f8E4M3FN with format fp8 or mxfp8), got 'f8E4M3FN'}}
func.func @scheme_mx_fp8_act() attributes {s = #qf.scheme<weight = i8, format = mxint8, act = f8E4M3FN, per_group = 32, symmetric, rounding = half_even>} {
  return
}

// -----

// expected-error @below {{scheme format fp8 takes activations of f8E4M3FN only}}
func.func @scheme_fp8_int_act() attributes {s = #qf.scheme<weight = i8, format = fp8, act = i8, per_channel, symmetric, rounding = half_even>} {
  return
}

// -----

// expected-error @below {{scheme weight type must be i2, i3, i4, i8, f16 or bf16, got 'i6'}}
func.func @scheme_i6_integer() attributes {s = #qf.scheme<weight = i6, per_channel, symmetric, rounding = half_even>} {
  return
}

// -----

func.func @table_byte_scales_without_table(%c: tensor<4x3xi8>, %s: tensor<1x3xi8>) -> tensor<4x6xf32> {
  // expected-error @below {{has i8 scales but no scale_table}}
  %w = qf.dequantize_table %c, %s table dense<0.0> : tensor<16xf32> : tensor<4x3xi8>, tensor<1x3xi8> -> tensor<4x6xf32>
  return %w : tensor<4x6xf32>
}

// -----

func.func @table_scale_table_f32(%c: tensor<4x3xi8>, %s: tensor<1x3xf32>) -> tensor<4x6xf32> {
  // expected-error @below {{has a scale_table but f32 scales}}
  %w = qf.dequantize_table %c, %s table dense<0.0> : tensor<16xf32> scale_table dense<1.0> : tensor<256xf32> : tensor<4x3xi8>, tensor<1x3xf32> -> tensor<4x6xf32>
  return %w : tensor<4x6xf32>
}

// -----

func.func @table_scale_table_size(%c: tensor<4x3xi8>, %s: tensor<1x3xi8>) -> tensor<4x6xf32> {
  // expected-error @below {{scale_table has 16 entries; byte scales need 256}}
  %w = qf.dequantize_table %c, %s table dense<0.0> : tensor<16xf32> scale_table dense<1.0> : tensor<16xf32> : tensor<4x3xi8>, tensor<1x3xi8> -> tensor<4x6xf32>
  return %w : tensor<4x6xf32>
}

// -----

func.func @table_tensor_scale_f32(%c: tensor<4x3xi8>, %s: tensor<1x3xf32>) -> tensor<4x6xf32> {
  // expected-error @below {{tensor_scale needs byte scales and a scale_table}}
  %w = qf.dequantize_table %c, %s table dense<0.0> : tensor<16xf32> tensor_scale 2.0 : tensor<4x3xi8>, tensor<1x3xf32> -> tensor<4x6xf32>
  return %w : tensor<4x6xf32>
}

// -----

func.func @round_to_float_format(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{format must be f8E4M3FN, f8E5M2, f6E2M3FN, f6E3M2FN or f4E2M1FN, got 'bf16'}}
  %y = qf.round_to_float %x scale 1.0 : bf16, tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @round_to_float_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{scale must be a positive normal float32, got 0}}
  %y = qf.round_to_float %x scale 0.0 : f8E4M3FN, tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// expected-error @below {{scheme format mxint8 is weight-only}}
func.func @scheme_mx_act() attributes {s = #qf.scheme<weight = i8, format = mxint8, act = i8, per_group = 32, symmetric, rounding = half_even>} {
  return
}

// -----

func.func @round_to_mx_block(%x: tensor<4x48xf32>) -> tensor<4x48xf32> {
  // expected-error @below {{block 32 must divide the static innermost dimension of 'tensor<4x48xf32>'}}
  %y = qf.round_to_mx %x block 32 : f8E4M3FN, tensor<4x48xf32>
  return %y : tensor<4x48xf32>
}

// -----

func.func @round_to_mx_format(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  // expected-error @below {{format must be f8E4M3FN, f8E5M2, f6E2M3FN, f6E3M2FN or f4E2M1FN, got 'f8E8M0FNU'}}
  %y = qf.round_to_mx %x block 32 : f8E8M0FNU, tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}
