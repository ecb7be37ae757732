//===- QFOps.td - qf operations ----------------------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_DIALECTS_QF_QFOPS_TD
#define QF_DIALECTS_QF_QFOPS_TD

include "dialects/QF/QFDialect.td"
include "dialects/QF/QFAttrs.td"
include "dialects/QF/QFTypes.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def QF_UniformQuantizedType : Type<
    CPred<"::llvm::isa<::mlir::quant::UniformQuantizedType, "
          "::mlir::quant::UniformQuantizedPerAxisType, "
          "::mlir::quant::UniformQuantizedSubChannelType>($_self)">,
    "uniform quantized type">;

def QF_FloatTensor : RankedTensorOf<[AnyFloat]>;
def QF_QuantTensor : RankedTensorOf<[QF_UniformQuantizedType]>;
def QF_PackedTensor : RankedTensorOf<[I8]>;
def QF_SubByteTensor : RankedTensorOf<[QF_UniformQuantizedType, AnySignlessInteger]>;

//===----------------------------------------------------------------------===//
// Calibration
//===----------------------------------------------------------------------===//

def QF_ObserveOp : QF_Op<"observe", [SameOperandsAndResultType]> {
  let summary = "a calibration point on a float tensor";
  let description = [{
    Returns its input unchanged and marks it for calibration. `id` is stable
    across passes and names the tensor in exported statistics; `stats` holds
    what calibration measured (`min`, `max`, ...). The op has no declared
    effects so that no cleanup removes a calibration point unasked.

    ```mlir
    %0 = qf.observe %x id 3 : tensor<4x16xf32>
    %1 = qf.observe %y id 4 stats {max = 2.5 : f64, min = -1.0 : f64} : tensor<4x16xf32>
    ```
  }];
  let arguments = (ins QF_FloatTensor:$input, I64Attr:$id,
                       OptionalAttr<DictionaryAttr>:$stats);
  let results = (outs QF_FloatTensor:$output);
  let assemblyFormat = [{
    $input `id` $id (`stats` $stats^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Conversions between real and quantized values
//===----------------------------------------------------------------------===//

def QF_QuantizeOp : QF_Op<"quantize", [Pure, SameOperandsAndResultShape]> {
  let summary = "float tensor to quantized tensor with explicit rounding";
  let description = [{
    `q = clamp(round(x / scale) + zero_point)` per element, with the scale and
    zero point of the element's tensor, channel or block taken from the result
    type, the division an IEEE operation in the input's float type, and the
    clamp to the storage range (saturation). `stochastic` rounding needs a
    `seed`; the draw for an element depends only on the seed and the
    element's row-major index. NaN becomes the zero point.

    ```mlir
    %q = qf.quantize %x half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5:-3>>
    %s = qf.quantize %x stochastic seed 42 : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
    ```
  }];
  let arguments = (ins QF_FloatTensor:$input, QF_RoundingModeEnum:$rounding,
                       OptionalAttr<I64Attr>:$seed);
  let results = (outs QF_QuantTensor:$output);
  let assemblyFormat = [{
    $input $rounding (`seed` $seed^)? attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QF_DequantizeOp : QF_Op<"dequantize", [Pure, SameOperandsAndResultShape]> {
  let summary = "quantized tensor to float tensor";
  let description = [{
    `x = (q - zero_point) * scale` per element, computed in the result's
    float type. The result element type is the quantized type's expressed
    type.

    ```mlir
    %x = qf.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.5:-3>> -> tensor<4xf32>
    ```
  }];
  let arguments = (ins QF_QuantTensor:$input);
  let results = (outs QF_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def QF_DequantizeTableOp : QF_Op<"dequantize_table", [Pure]> {
  let summary = "float weights from codes, a table of values and block scales";
  let description = [{
    `output[i] = table[code(i)] * scale(i / block)` in f32, for the weight
    formats whose codes are not affine integers (FP8, MX, NVFP4, NF4:
    `numerics/FloatFormats.h` defines their codes and scales). The table
    has 16 entries (4-bit codes, two per byte along the innermost dimension,
    the low nibble first, as `qf.pack` packs them), 64 (6-bit codes, packed
    as `qf.pack` packs them: a little-endian bit stream per row) or 256
    (8-bit codes, one per byte). Codes are unsigned indices into the table.
    `scales` has the output's rank; each of its dimensions divides the
    output's, and the quotient is that dimension's block size.

    Scales are float32 values, or bytes that are codes into `scale_table`
    (256 entries: E8M0 powers of two for the MX formats, E4M3FN values for
    NVFP4), and then an element is `(table[code] * scale_table[scale]) *
    tensor_scale` when a `tensor_scale` is given, each product in f32.

    ```mlir
    %w = qf.dequantize_table %codes, %scales table dense<[-1.0, ..., 1.0]> : tensor<16xf32> : tensor<64x8xi8>, tensor<1x16xf32> -> tensor<64x16xf32>
    %v = qf.dequantize_table %codes, %e8m0 table dense<...> : tensor<16xf32> scale_table dense<...> : tensor<256xf32> : tensor<64x8xi8>, tensor<2x16xi8> -> tensor<64x16xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$codes,
                       RankedTensorOf<[F32, I8]>:$scales,
                       FloatElementsAttr<32>:$table,
                       OptionalAttr<FloatElementsAttr<32>>:$scale_table,
                       OptionalAttr<F32Attr>:$tensor_scale);
  let results = (outs RankedTensorOf<[F32]>:$output);
  let assemblyFormat = [{
    $codes `,` $scales `table` $table (`scale_table` $scale_table^)?
    (`tensor_scale` $tensor_scale^)? attr-dict `:` type($codes) `,`
    type($scales) `->` type($output)
  }];
  let extraClassDeclaration = [{
    /// Bits per code: 4, 6 or 8.
    unsigned getCodeBits() {
      int64_t entries = getTable().getNumElements();
      return entries == 16 ? 4 : entries == 64 ? 6 : 8;
    }
  }];
  let hasVerifier = 1;
}

def QF_RoundToFloatOp : QF_Op<"round_to_float",
                               [Pure, SameOperandsAndResultType]> {
  let summary = "values rounded onto a low-precision float format under a scale";
  let description = [{
    `output = decode(encode(input / scale)) * scale` in f32: the f32
    quotient `input / scale` is rounded to the nearest value of `format`
    (ties to the even mantissa, subnormals included), a magnitude beyond the
    format's largest finite value (infinity included) saturates to it, and
    NaN stays NaN. This is how FP8 activations run on a machine without FP8
    arithmetic: the values are exactly those of the format
    (`numerics::encodeFloat` with half_even and Saturate); `format` is
    f8E4M3FN, f8E5M2, f6E2M3FN, f6E3M2FN or f4E2M1FN.

    ```mlir
    %a = qf.round_to_float %x scale 0.0125 : f8E4M3FN, tensor<4x16xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input, F32Attr:$scale,
                       TypeAttr:$format);
  let results = (outs RankedTensorOf<[F32]>:$output);
  let assemblyFormat = [{
    $input `scale` $scale attr-dict `:` $format `,` type($input)
  }];
  let hasVerifier = 1;
}

def QF_RoundToMXOp : QF_Op<"round_to_mx", [Pure, SameOperandsAndResultType]> {
  let summary = "values rounded to an OCP MX format with run-time block scales";
  let description = [{
    Microscaling (MX) activations: along the innermost dimension, each block
    of `block` values shares the scale 2^X, X = floor(log2(amax)) -
    emax(format) (the OCP MX v1.0 rule), clamped to E8M0's [-127, 127], with
    amax the block's largest magnitude (2^-127 for a block of zeros); each
    value becomes `decode(encode(v / 2^X)) * 2^X`, rounded to the nearest
    value of `format` (ties to even) and saturating. A block holding NaN or
    an infinity has the NaN scale: all its values become NaN. As
    `numerics::mxScale` / `mxEncode` / `mxDecode` define it; `format` is
    f8E4M3FN, f8E5M2, f6E2M3FN, f6E3M2FN or f4E2M1FN.

    ```mlir
    %a = qf.round_to_mx %x block 32 : f8E4M3FN, tensor<4x64xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input, I64Attr:$block,
                       TypeAttr:$format);
  let results = (outs RankedTensorOf<[F32]>:$output);
  let assemblyFormat = [{
    $input `block` $block attr-dict `:` $format `,` type($input)
  }];
  let hasVerifier = 1;
}

def QF_RequantizeOp : QF_Op<"requantize", [Pure, SameOperandsAndResultShape]> {
  let summary = "change the scale, zero point or storage of a quantized tensor";
  let description = [{
    `out = clamp(round((q - zp_in) * s_in / s_out) + zp_out)`, where the real
    multiplier `s_in / s_out` is applied in the fixed-point form of the
    numerics core (a 31-bit multiplier and a shift, computed as TFLite's
    QuantizeMultiplier) with one exact rounding of the 64-bit product under
    the op's rounding mode. This is how an i32 accumulator of `qf.matmul`
    becomes an int8 activation.

    ```mlir
    %o = qf.requantize %acc half_even : tensor<4x8x!quant.uniform<i32:f32, 0.005>> -> tensor<4x8x!quant.uniform<i8:f32, 0.1:2>>
    ```
  }];
  let arguments = (ins QF_QuantTensor:$input, QF_RoundingModeEnum:$rounding,
                       OptionalAttr<I64Attr>:$seed);
  let results = (outs QF_QuantTensor:$output);
  let assemblyFormat = [{
    $input $rounding (`seed` $seed^)? attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QF_DynamicQuantizeOp : QF_Op<"dynamic_quantize", [Pure]> {
  let summary = "symmetric quantization with scales computed at run time";
  let description = [{
    Quantizes with a scale measured from the data itself, as dynamic
    per-token (LLM activations) or per-tensor quantization does. The `scale`
    result has the input's rank; a dimension of size 1 where the input's is
    larger is reduced over: `[M, 1]` for an `[M, K]` input is one scale per
    token (row), all ones is one scale for the tensor. Per reduced slice,

    `scale = max|x| / qmax` (or 1 when the slice is all zero),
    `q = clamp(round(x / scale))`,

    in the input's float type, where `qmax` is the storage maximum of the
    result type and the clamp uses its storage range. The result type must be
    per-tensor with scale 1.0 and zero point 0: the real value of `q` is
    `q * scale`, which `qf.dynamic_dequantize` computes. NaN becomes 0.

    ```mlir
    %q, %s = qf.dynamic_quantize %x half_even
        : tensor<4x16xf32> -> tensor<4x16x!quant.uniform<i8<-127:127>:f32, 1.0>>, tensor<4x1xf32>
    ```
  }];
  let arguments = (ins QF_FloatTensor:$input, QF_RoundingModeEnum:$rounding,
                       OptionalAttr<I64Attr>:$seed);
  let results = (outs QF_QuantTensor:$output, QF_FloatTensor:$scale);
  let assemblyFormat = [{
    $input $rounding (`seed` $seed^)? attr-dict `:` type($input) `->`
    type($output) `,` type($scale)
  }];
  let hasVerifier = 1;
}

def QF_DynamicDequantizeOp : QF_Op<"dynamic_dequantize", [Pure]> {
  let summary = "dequantize with an extra run-time scale";
  let description = [{
    `x = ((q - zero_point) * type_scale) * scale`, where `type_scale` and
    `zero_point` come from the input's quantized type (per tensor or per
    axis) and `scale` is broadcast along its dimensions of size 1, as
    produced by `qf.dynamic_quantize`. It also dequantizes the i32
    accumulator of a `qf.matmul` whose left operand was quantized
    dynamically: the accumulator's type carries the weight scales, `scale`
    the per-token ones.

    ```mlir
    %y = qf.dynamic_dequantize %acc, %s
        : tensor<4x8x!quant.uniform<i32:f32:1, {0.1, 0.2, ...}>>, tensor<4x1xf32> -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins QF_QuantTensor:$input, QF_FloatTensor:$scale);
  let results = (outs QF_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale attr-dict `:` type($input) `,` type($scale) `->`
    type($output)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantization-aware training
//===----------------------------------------------------------------------===//

def QF_FakeQuantOp : QF_Op<"fake_quant", [Pure, SameOperandsAndResultType]> {
  let summary = "simulated quantization with a straight-through gradient";
  let description = [{
    `dequantize(quantize(x))` to the quantized type `qtype` with the given
    rounding, staying in float, for quantization-aware training. Its gradient
    is straight-through: `clipped` passes the incoming gradient where
    `x / scale + zero_point` lies within the storage range and zero outside;
    `identity` passes it everywhere.

    Unlike upstream `quant.dcast(quant.qcast(x))`, which folds to `x`, this op
    has no folder and no canonicalization: a QAT graph keeps its simulation
    until `quant-convert-qat` turns it into real quantization.

    ```mlir
    %y = qf.fake_quant %x as !quant.uniform<i8:f32, 0.02:-1> half_even clipped : tensor<8x16xf32>
    ```
  }];
  let arguments = (ins QF_FloatTensor:$input, TypeAttr:$qtype,
                       QF_RoundingModeEnum:$rounding, QF_GradientEnum:$ste,
                       OptionalAttr<I64Attr>:$seed, UnitAttr:$learnable);
  let results = (outs QF_FloatTensor:$output);
  let assemblyFormat = [{
    $input `as` $qtype $rounding $ste (`seed` $seed^)? (`learnable` $learnable^)?
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def QF_FakeQuantGradOp : QF_Op<"fake_quant_grad", [Pure,
    AllTypesMatch<["input", "grad", "input_grad"]>,
    AllTypesMatch<["scale_grad", "zero_point_grad"]>]> {
  let summary = "the gradients of qf.fake_quant (STE, LSQ, LSQ+)";
  let description = [{
    The backward pass of `qf.fake_quant %input as $qtype $rounding $ste`:
    given its input and the gradient `grad` of a loss with respect to its
    output, the gradients with respect to the input, the scales and the zero
    points. With `v = x / scale` and "inside" meaning
    `qmin <= v + zero_point <= qmax` (borders included):

    - `input_grad = grad` inside; outside `0` (`clipped`) or `grad`
      (`identity`): the straight-through estimator;
    - `scale_grad[g] = sum grad * (round(v) - v)` inside, `(qmin - zp)`
      below, `(qmax - zp)` above (LSQ, Esser et al. 2020);
    - `zero_point_grad[g] = sum grad * (-scale)` outside, `0` inside
      (LSQ+, Bhalgat et al. 2020);

    summed over the elements of each parameter group g: rank 0 per tensor,
    `[C]` per axis, the scale grid's shape for blocked types. `round` is the
    op's rounding (stochastic with the same draw as the forward op). LSQ's
    gradient scale `1 / sqrt(N qmax)` is the trainer's to apply. These are
    the exact derivatives of `s * (clamp(x / s + z, qmin, qmax) - z + d)`
    with `d = round(v) - v` held constant; `numerics::fakeQuantGrad`
    computes the same per element.

    ```mlir
    %dx, %ds, %dz = qf.fake_quant_grad %x, %dy as !quant.uniform<i8:f32:1, {0.1, 0.2}> half_even clipped : tensor<4x2xf32> -> tensor<2xf32>
    ```
  }];
  let arguments = (ins QF_FloatTensor:$input, QF_FloatTensor:$grad,
                       TypeAttr:$qtype, QF_RoundingModeEnum:$rounding,
                       QF_GradientEnum:$ste, OptionalAttr<I64Attr>:$seed);
  let results = (outs QF_FloatTensor:$input_grad, QF_FloatTensor:$scale_grad,
                      QF_FloatTensor:$zero_point_grad);
  let assemblyFormat = [{
    $input `,` $grad `as` $qtype $rounding $ste (`seed` $seed^)? attr-dict `:`
    type($input) `->` type($scale_grad)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Integer compute
//===----------------------------------------------------------------------===//

def QF_MatmulOp : QF_Op<"matmul", [Pure]> {
  let summary = "integer (batched) matmul with i32 accumulation";
  let description = [{
    `acc[b, m, n] = bias[n] + sum_k (lhs[b, m, k] - zp_l) * (rhs[(b,) k, n] - zp_r[n])`
    on storage integers of at most 8 bits, accumulated in i32. The result is
    the accumulator as a quantized type with i32 storage, zero point 0 and
    scale `scale_l * scale_r` (per output channel when `rhs` is quantized per
    channel on its last dimension, per row when `lhs` is per channel on its
    row dimension), so that the requantization to the output format is an
    explicit `qf.requantize`.

    Shapes: `[M, K] x [K, N] -> [M, N]`, `[B, M, K] x [B, K, N] -> [B, M, N]`
    and `[B, M, K] x [K, N] -> [B, M, N]`. The optional bias has shape `[N]`
    and the accumulator's quantized type (per channel on its dimension 0).

    ```mlir
    %acc = qf.matmul %a, %w : tensor<4x8x!quant.uniform<i8:f32, 0.5:3>>, tensor<8x16x!quant.uniform<i8:f32, 0.1>> -> tensor<4x16x!quant.uniform<i32:f32, 0.05>>
    ```
  }];
  let arguments = (ins QF_QuantTensor:$lhs, QF_QuantTensor:$rhs,
                       Optional<QF_QuantTensor>:$bias);
  let results = (outs QF_QuantTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` $bias^)? attr-dict `:` type($lhs) `,` type($rhs)
    (`,` type($bias)^)? `->` type($output)
  }];
  let hasVerifier = 1;
}

def QF_Conv2DOp : QF_Op<"conv2d", [Pure]> {
  let summary = "integer 2-D convolution (NHWC x HWCF) with i32 accumulation";
  let description = [{
    A grouped 2-D convolution of an `[N, H, W, C]` input with an
    `[KH, KW, C / groups, F]` filter into `[N, OH, OW, F]`, on storage
    integers with the zero points subtracted and i32 accumulation, as for
    `qf.matmul`. Padding is `[top, bottom, left, right]` and pads with the
    input's zero point, i.e. with real zero. The result type is the i32
    accumulator (per channel on dimension 3 when the filter is per channel
    on dimension 3).

    ```mlir
    %acc = qf.conv2d %x, %w strides [1, 1] dilations [1, 1] padding [1, 1, 1, 1] groups 1
        : tensor<1x8x8x4x!quant.uniform<i8:f32, 0.5>>, tensor<3x3x4x16x!quant.uniform<i8:f32, 0.1>>
        -> tensor<1x8x8x16x!quant.uniform<i32:f32, 0.05>>
    ```
  }];
  let arguments = (ins QF_QuantTensor:$input, QF_QuantTensor:$filter,
                       Optional<QF_QuantTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                       DenseI64ArrayAttr:$padding, I64Attr:$groups);
  let results = (outs QF_QuantTensor:$output);
  let assemblyFormat = [{
    $input `,` $filter (`bias` $bias^)? `strides` $strides `dilations`
    $dilations `padding` $padding `groups` $groups attr-dict `:` type($input)
    `,` type($filter) (`,` type($bias)^)? `->` type($output)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Sub-byte storage
//===----------------------------------------------------------------------===//

def QF_PackOp : QF_Op<"pack", [Pure]> {
  let summary = "pack sub-byte integers into bytes";
  let description = [{
    Packs elements of 1 to 7 bits (a quantized type's storage or a signless
    integer) along the innermost dimension into i8 bytes. Each innermost row
    is a little-endian bit stream: element j occupies bits `[j*b, (j+1)*b)`,
    bit k being bit `k % 8` of byte `k / 8`, least significant bit first, and
    the row is padded with zero bits to whole bytes. For int4 this is "low
    nibble first". The innermost dimension of the result is
    `ceil(n * b / 8)`.

    ```mlir
    %p = qf.pack %w : tensor<16x8x!quant.uniform<i4:f32, 0.1>> -> tensor<16x4xi8>
    ```
  }];
  let arguments = (ins QF_SubByteTensor:$input);
  let results = (outs QF_PackedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QF_UnpackOp : QF_Op<"unpack", [Pure]> {
  let summary = "unpack bytes into sub-byte integers";
  let description = [{
    The inverse of `qf.pack` (same bit order); signed storage is
    sign-extended and padding bits are ignored.

    ```mlir
    %w = qf.unpack %p : tensor<16x4xi8> -> tensor<16x8x!quant.uniform<i4:f32, 0.1>>
    ```
  }];
  let arguments = (ins QF_PackedTensor:$input);
  let results = (outs QF_SubByteTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // QF_DIALECTS_QF_QFOPS_TD
