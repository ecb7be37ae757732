//===- Passes.td - QuantForge passes -----------------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_PASSES_PASSES_TD
#define QF_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"
include "passes/PassOptions.td"

def QFRaiseQuantCastsPass : Pass<"qf-raise-quant-casts"> {
  let summary = "Turn upstream quant.qcast/quant.dcast into qf ops with "
                "explicit rounding";
  let description = [{
    Upstream `quant.qcast` leaves its rounding unstated (its lowering divides,
    adds the zero point and truncates), and canonicalization folds
    `quant.dcast(quant.qcast(x))` to `x`. This pass rewrites every
    `quant.qcast` into `qf.quantize` with the chosen rounding mode and every
    `quant.dcast` into `qf.dequantize`, so that graphs coming from other
    compilers get the explicit, saturating semantics of the qf dialect and
    keep their quantization through canonicalization.

    Before:
    ```mlir
    %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5>>
    %y = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.5>> to tensor<4xf32>
    ```
    After (`rounding=half_even`):
    ```mlir
    %q = qf.quantize %x half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>
    %y = qf.dequantize %q : tensor<4x!quant.uniform<i8:f32, 5.000000e-01>> -> tensor<4xf32>
    ```

    Casts on scalars or unranked tensors have no qf counterpart and are
    reported as errors.
  }];
  let dependentDialects = ["::mlir::qf::QFDialect"];
  let options = [
    RoundingOption<"rounding mode of the produced qf.quantize ops">,
    StochasticSeedOption,
  ];
}

//===----------------------------------------------------------------------===//
// Calibration
//===----------------------------------------------------------------------===//

def QFInsertObserversPass : Pass<"qf-insert-observers", "ModuleOp"> {
  let summary = "Put qf.observe on the tensors quantization will need";
  let description = [{
    For every op named in `ops` (by default the linalg matmul, batch matmul,
    matvec and 2-D convolution ops), observes its activation inputs, its
    constant weights and/or its results, as `where` says. An observed value
    gets one `qf.observe` right after its definition, shared by every
    selected op that uses it (the Q, K and V projections of one input share
    one observer); results are observed for all their users. Ids continue
    after the largest id already in the module, in walk order, so running
    the pass twice adds nothing.

    Before:
    ```mlir
    %0 = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x3xf32>)
                       outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
    ```
    After (`where=inputs,outputs`):
    ```mlir
    %xo = qf.observe %x id 0 : tensor<4x8xf32>
    %0 = linalg.matmul ins(%xo, %w : tensor<4x8xf32>, tensor<8x3xf32>)
                       outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>
    %1 = qf.observe %0 id 1 : tensor<4x3xf32>
    ```
  }];
  let dependentDialects = ["::mlir::qf::QFDialect"];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "names of the ops to observe (default: linalg.matmul, "
               "linalg.batch_matmul, linalg.matvec, linalg.conv_2d_nhwc_hwcf)">,
    // A list of strings: MLIR 22's ListOption does not hand cl::values to
    // the parser of its elements.
    ListOption<"where", "where", "std::string",
               "which tensors: inputs, outputs, weights (default: inputs, "
               "outputs)">,
  ];
}

def QFCalibratePass : Pass<"qf-calibrate", "ModuleOp"> {
  let summary = "Run the model on calibration data and attach statistics to "
                "qf.observe ops";
  let description = [{
    Clones the module, turns every `qf.observe` of the clone into a call that
    reports its value, JIT-compiles the clone's `entry` function on `backend`
    and runs it on every sample of `data`: one `.npz` file or a directory of
    them (read one file at a time, in name order). Members bind to arguments
    by `qf.name` or position; a member whose shape is the argument's shape is
    one sample, and one with an extra leading dimension S holds S samples.
    Statistics are accumulated in C++ and written onto each `qf.observe` as
    its `stats` dictionary:

    - `method`, `samples`, `min`/`max` (the calibrated range) and
      `data_min`/`data_max` (what was seen);
    - with `per-channel`, `channel_min`/`channel_max` over the last axis;
    - for observers feeding the activation operand of a matmul or
      convolution: `in_abs_max` and `in_abs_mean` per input channel (last
      axis), `rows` (N), the Hessian `hessian` = 2/N * sum x x^T over the rows
      the weight multiplies (im2col patches for a convolution) as a
      `dense_resource` blob, and with `sample-rows` a uniform sample of those
      rows `row_sample`.

    Methods: `minmax`; `ema` (exponential moving average of each run's
    min/max); and over a streaming histogram of |x| with `bins` bins,
    `percentile`, `mse` (least squared quantization error at `bits` bits) and
    `entropy` (TensorRT's KL-divergence search), which give [-T, T], or
    [0, T] for data never negative.

    `stats-out=FILE` (or the tool flag `--qf-stats-out=FILE`) also exports
    everything (FILE, safetensors, and FILE.json, an index); `stats=FILE`
    attaches statistics from such an export without running anything. A
    progress bar (files, samples, rate, ETA) is drawn on stderr when it is a
    terminal.

    Before:
    ```mlir
    %0 = qf.observe %x id 0 : tensor<4x8xf32>
    ```
    After (`data=calib.npz method=minmax`):
    ```mlir
    %0 = qf.observe %x id 0 stats {data_max = 2.5 : f32, data_min = -1.0 : f32,
        max = 2.5 : f32, method = "minmax", min = -1.0 : f32, samples = 16 : i64}
        : tensor<4x8xf32>
    ```
  }];
  let dependentDialects = ["::mlir::qf::QFDialect"];
  let options = [
    Option<"data", "data", "std::string", "\"\"",
           "calibration data: an .npz file or a directory of them">,
    Option<"stats", "stats", "std::string", "\"\"",
           "attach statistics from an export instead of running the model">,
    Option<"statsOut", "stats-out", "std::string", "\"\"",
           "also export the statistics to this safetensors file (+ .json)">,
    Option<"exportEnabled", "export", "bool", "true",
           "export to stats-out / --qf-stats-out (false: passes that "
           "calibrate again internally leave the user's export alone)">,
    Option<"entry", "entry", "std::string", "\"main\"",
           "the function to run">,
    Option<"backend", "backend", "std::string", "\"cpu\"",
           "the executor to run it on">,
    Option<"method", "method", "::mlir::qf::calibration::Method",
           "::mlir::qf::calibration::Method::MinMax",
           "how observed values become a range", [{
      ::llvm::cl::values(
          clEnumValN(::mlir::qf::calibration::Method::MinMax, "minmax",
                     "the smallest and largest value seen"),
          clEnumValN(::mlir::qf::calibration::Method::EMA, "ema",
                     "moving averages of each batch's min and max"),
          clEnumValN(::mlir::qf::calibration::Method::Percentile,
                     "percentile", "a percentile of |x|"),
          clEnumValN(::mlir::qf::calibration::Method::MSE, "mse",
                     "the clip minimizing the quantization MSE"),
          clEnumValN(::mlir::qf::calibration::Method::Entropy, "entropy",
                     "the clip minimizing the KL divergence (TensorRT)"))
    }]>,
    Option<"perChannel", "per-channel", "bool", "false",
           "also gather per-channel ranges (last axis)">,
    Option<"bins", "bins", "int", "2048", "histogram bins">,
    Option<"percentile", "percentile", "double", "99.99",
           "percentile of |x| for method=percentile">,
    Option<"emaDecay", "ema-decay", "double", "0.99",
           "decay of method=ema">,
    Option<"bits", "bits", "int", "8",
           "bit width the mse and entropy methods optimize for">,
    Option<"maxSamples", "max-samples", "int64_t", "-1",
           "stop after this many samples (-1: all)">,
    Option<"hessian", "hessian", "bool", "true",
           "gather the Hessian of matmul and convolution inputs">,
    Option<"sampleRows", "sample-rows", "int64_t", "0",
           "keep a uniform sample of this many input rows per matmul input">,
    Option<"seed", "seed", "uint64_t", "0", "seed of the row sample">,
    Option<"progress", "progress", "bool", "true",
           "show a progress bar when stderr is a terminal">,
  ];
}


//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def QuantQuantizePass : Pass<"quant-quantize", "ModuleOp"> {
  let summary = "Materialize quantized weights and activation Q/DQ per scheme";
  let description = [{
    For every `linalg.matmul`, `linalg.batch_matmul` and
    `linalg.conv_2d_nhwc_hwcf`, takes the op's `qf.scheme` attribute (set by
    mixed-precision assignment) or else the scheme of the options, and:

    - quantizes a constant weight (the right operand, or the filter) per
      tensor, per output channel or in groups of `group-size` along the
      reduction: the weight becomes an integer constant (8-bit, or sub-byte
      codes packed in qf.pack's bit order and read through `qf.unpack`)
      followed by `qf.dequantize` to its float type; f16/bf16 schemes round
      the weight to that type and extend it back;
    - with activation bits, quantizes the activation operands: statically
      from the calibration statistics of the `qf.observe` that defines them
      (per tensor, asymmetric unless `act-symmetric`), or dynamically per
      token (per image for a convolution) or per tensor
      (`dynamic-activations`) with
      `qf.dynamic_quantize`/`qf.dynamic_dequantize`; with static activations
      and `quantize-outputs`, an observed result is quantized as well.

    Scheme names (`scheme=`, also accepted by other passes): `w8a8`,
    `w8a16`, `w4a16`, `w4a16g128`, `w3a16g64`, `w2a16g32`, ... (`wB` weight
    bits, `a8` int8 activations or `a16` float ones, `gN` groups of N or `t`
    per tensor instead of per channel: `w8a8t`), `f16` and `bf16`; symmetry
    and rounding come from the
    options. Without `scheme`, the individual options define it. Every
    `qf.observe` is removed afterwards: its statistics have been used.

    Before (`scheme=w8a8`, x calibrated to [-2, 2]):
    ```mlir
    %xo = qf.observe %x id 0 stats {max = 2.0 : f32, min = -2.0 : f32} : tensor<4x8xf32>
    %y = linalg.matmul ins(%xo, %w : tensor<4x8xf32>, tensor<8x3xf32>) outs(%z : tensor<4x3xf32>) -> tensor<4x3xf32>
    ```
    After:
    ```mlir
    %c = arith.constant dense<...> : tensor<8x3xi8>
    %wq = quant.scast %c : tensor<8x3xi8> to tensor<8x3x!quant.uniform<i8<-127:127>:f32:1, {...}>>
    %wd = qf.dequantize %wq : ... -> tensor<8x3xf32>
    %xq = qf.quantize %x half_even : tensor<4x8xf32> -> tensor<4x8x!quant.uniform<i8:f32, 0.0156...:0>>
    %xd = qf.dequantize %xq : ... -> tensor<4x8xf32>
    %y = linalg.matmul ins(%xd, %wd : tensor<4x8xf32>, tensor<8x3xf32>) outs(%z : tensor<4x3xf32>) -> tensor<4x3xf32>
    ```
  }];
  let dependentDialects = ["::mlir::qf::QFDialect",
                           "::mlir::quant::QuantDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"scheme", "scheme", "std::string", "\"\"",
           "scheme name (w8a8, w4a16g128, f16, ...); overrides the options "
           "below except symmetric, act-symmetric and rounding">,
    Option<"weightBits", "weight-bits", "int", "8",
           "weight bits: 8, 4, 3 or 2">,
    Option<"actBits", "act-bits", "::mlir::qf::ActivationBits",
           "::mlir::qf::ActivationBits::Eight", "activation bits", [{
      ::llvm::cl::values(
          clEnumValN(::mlir::qf::ActivationBits::Eight, "8",
                     "int8 activations"),
          clEnumValN(::mlir::qf::ActivationBits::None, "none",
                     "float activations (weight-only)"))
    }]>,
    Option<"granularity", "granularity", "::mlir::qf::Granularity",
           "::mlir::qf::Granularity::per_channel", "weight granularity", [{
      ::llvm::cl::values(
          clEnumValN(::mlir::qf::Granularity::per_tensor, "tensor",
                     "one scale per weight"),
          clEnumValN(::mlir::qf::Granularity::per_channel, "channel",
                     "one scale per output channel"),
          clEnumValN(::mlir::qf::Granularity::per_group, "group",
                     "one scale per group-size weights along the reduction"))
    }]>,
    Option<"groupSize", "group-size", "int64_t", "128",
           "weights per group along the reduction (granularity=group)">,
    Option<"symmetric", "symmetric", "bool", "true",
           "symmetric weights (narrow range, zero point 0)">,
    Option<"actSymmetric", "act-symmetric", "bool", "false",
           "symmetric static activations">,
    RoundingOption<"rounding of the weights and static activations">,
    StochasticSeedOption,
    DynamicActivationsOption<"how int8 activations are quantized">,
    Option<"quantizeOutputs", "quantize-outputs", "bool", "true",
           "with static activations, also quantize observed results">,
    GroupFallbackOption,
    Option<"onlyAssigned", "only-assigned", "bool", "false",
           "quantize only the ops that carry a qf.scheme; the others stay "
           "float">,
    Option<"mxScaleRule", "mx-scale-rule", "std::string", "\"floor\"",
           "the shared exponent of the MX formats' blocks: floor (the OCP "
           "MX v1.0 rule, floor(log2(amax)) - emax: the largest values may "
           "saturate) or round-up (the smallest power of two under which "
           "none saturates)">,
    Option<"report", "report", "std::string", "\"\"",
           "write a JSON report of every quantized weight to this file: "
           "layer, scheme, params, bytes, relative weight error, and the "
           "relative output error on the calibration rows where the "
           "activation's observer has a Hessian">,
  ];
}

def QFFuseQDQPass : Pass<"qf-fuse-qdq"> {
  let summary = "Turn dequantize -> matmul/conv -> quantize into integer qf "
                "ops with explicit requantization";
  let description = [{
    A `linalg.matmul`, `linalg.batch_matmul` or `linalg.conv_2d_nhwc_hwcf`
    whose operands are both `qf.dequantize` of 8-bit quantized tensors (the
    activation may also be `qf.dynamic_dequantize`) becomes `qf.matmul` or
    `qf.conv2d` producing the i32 accumulator at scale `s_a * s_w`:

    - an init that is zero is dropped; an init that broadcasts a constant
      bias over the output channels becomes the i32 bias of the integer op,
      `round_half_even(b / (s_a * s_w))` per channel;
    - a single `qf.quantize` user becomes `qf.requantize` of the
      accumulator with that quantize's rounding; otherwise the accumulator is
      dequantized to float (`qf.dynamic_dequantize` with the per-token
      scales for a dynamic activation).

    Anything else (float init that is not a constant bias, blocked or
    sub-byte weights, mixed float types) is left alone: weight-only schemes
    keep their float op, which the lowering turns into a contraction that
    dequantizes weights on the fly.

    Before:
    ```mlir
    %a = qf.dequantize %xq : tensor<4x8x!quant.uniform<i8:f32, 0.02:-3>> -> tensor<4x8xf32>
    %w = qf.dequantize %wq : tensor<8x3x!quant.uniform<i8:f32, 0.1>> -> tensor<8x3xf32>
    %y = linalg.matmul ins(%a, %w : ...) outs(%zero : tensor<4x3xf32>) -> tensor<4x3xf32>
    %yq = qf.quantize %y half_even : tensor<4x3xf32> -> tensor<4x3x!quant.uniform<i8:f32, 0.05:1>>
    ```
    After:
    ```mlir
    %acc = qf.matmul %xq, %wq : ... -> tensor<4x3x!quant.uniform<i32:f32, 2.0e-03>>
    %yq = qf.requantize %acc half_even : ... -> tensor<4x3x!quant.uniform<i8:f32, 0.05:1>>
    ```
  }];
  let dependentDialects = ["::mlir::qf::QFDialect",
                           "::mlir::quant::QuantDialect",
                           "::mlir::arith::ArithDialect"];
}

def QuantSmoothQuantPass : Pass<"quant-smoothquant", "ModuleOp"> {
  let summary = "Move activation outliers into the weights (SmoothQuant), "
                "exactly in float";
  let description = [{
    SmoothQuant (Xiao et al., 2022). Groups are found by dataflow: a
    producer whose output can absorb a per-channel division feeding one or
    more `linalg.matmul`s with constant weights `[K, N]` (through
    `qf.observe` and reshapes that keep the last dimension), and nothing
    else. Absorbing producers are elementwise `linalg.generic`s that end in
    `x * gamma[j] (+ beta[j])` with constant `gamma`/`beta` over the last
    dimension (LayerNormalization and RMS-norm scales, elementwise scales),
    and linear layers: a `linalg.matmul` with a constant weight and a zero
    init, optionally followed by a generic adding a constant bias (the
    weight's output columns and the bias are divided).

    With `A_j` the calibrated `in_abs_max` of channel j (from the shared
    observer) and `W_j` the largest `|w|` of input channel j over every
    consumer, `s_j = max(A_j^alpha / W_j^(1-alpha), min-scale)`; the
    producer's gamma and beta (or weight columns and bias) are divided by
    `s`, and input row j of every consumer's weight is
    multiplied by `s_j`, which leaves the float model unchanged. The
    observers' statistics describe the old activation and are dropped:
    calibrate again before static quantization.

    With `alpha-search`, each group takes the alpha of `alpha-grid` whose
    smoothing gives the least W8A8 error `||Q(X/s) Q(s W) - X W|| / ||X W||`
    (activations per tensor, asymmetric; weights per output channel,
    symmetric; int8, round half to even) on the calibration rows the
    observer sampled, cross-validated over 4 folds: each fold's error is
    measured with the maxima and the activation range fitted on the other
    folds. The reference implementation uses one alpha for the whole model.

    A group is left alone, and said so in `report=FILE`, when its producer
    does not absorb a scale or its output has other users. With
    `insert-scale`, such a group is smoothed all the same: an explicit
    `linalg.generic` multiplying by `1 / s[j]` is inserted between the
    producer and the group's observers (the producer's other users keep the
    unscaled value). It costs one elementwise pass over the activation at
    run time.

    Before (`in_abs_max` A = [8, 0.5], weight row maxima W = [4, 2]):
    ```mlir
    %gamma = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
    %y = linalg.generic {...} ins(%x, %gamma : tensor<2x2xf32>, tensor<2xf32>) ...  // x * gamma
    %yo = qf.observe %y id 0 stats {in_abs_max = dense<[8.0, 0.5]> : tensor<2xf32>, ...} : tensor<2x2xf32>
    %w = arith.constant dense<[[4.0, -1.0], [2.0, 0.5]]> : tensor<2x2xf32>
    %q = linalg.matmul ins(%yo, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
    ```
    After (`alpha=0.5`: s = sqrt(A / W) = [1.4142135, 0.5]):
    ```mlir
    %gamma = arith.constant dense<[0.707106769, 4.000000e+00]> : tensor<2xf32>   // gamma / s
    %y = linalg.generic {...} ins(%x, %gamma : tensor<2x2xf32>, tensor<2xf32>) ...
    %yo = qf.observe %y id 0 : tensor<2x2xf32>                                 // statistics dropped
    %w = arith.constant dense<[[5.65685415, -1.41421354], [1.000000e+00, 2.500000e-01]]> : tensor<2x2xf32>  // row j * s_j
    %q = linalg.matmul ins(%yo, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
    ```
  }];
  let dependentDialects = ["::mlir::qf::QFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"alpha", "alpha", "double", "0.5",
           "migration strength: 0 keeps the activations, 1 moves all">,
    Option<"minScale", "min-scale", "double", "1e-5",
           "lower clamp of the smoothing factors">,
    Option<"alphaSearch", "alpha-search", "bool", "false",
           "choose alpha per group from alpha-grid by the W8A8 output error "
           "on the observer's sampled calibration rows (qf-calibrate "
           "sample-rows=N)">,
    Option<"alphaGrid", "alpha-grid", "std::string", "\"0.3:0.95:0.05\"",
           "the alphas alpha-search tries: first:last:step">,
    Option<"insertScale", "insert-scale", "bool", "false",
           "smooth groups whose producer cannot absorb the scale through an "
           "inserted elementwise multiply by 1/s">,
    Option<"report", "report", "std::string", "\"\"",
           "write a JSON report of every group to this file">,
  ];
}

def QuantGPTQPass : Pass<"quant-gptq", "ModuleOp"> {
  let summary = "Round weights with GPTQ's second-order error feedback";
  let description = [{
    GPTQ (Frantar et al., 2022) for every `linalg.matmul` with a constant
    f32 weight `[K, N]` and every `linalg.conv_2d_nhwc_hwcf` (its weight
    `[kh, kw, C, F]` as the im2col matrix `[kh*kw*C, F]`) whose activation
    has a calibrated Hessian `H = 2/N X^T X` (`qf-calibrate hessian=true`).
    Per output channel, the input columns are rounded one at a time and the
    rounding error is pushed onto the columns not yet rounded through the
    upper Cholesky factor of `H^-1` (LAPACK), in blocks of `block-size` with
    one trailing update per block (BLAS), in double precision:

    - dead inputs (`H_ii = 0`) get `H_ii = 1` and zero weights; `damp *
      mean(diag H)` is added to the diagonal, raised x10 (with a remark)
      until `H` is positive definite;
    - the quantizer is the reference's: codes `0 .. 2^bits - 1`, a range
      that always contains 0, symmetric with the zero point at the middle
      code; `mse-grid` shrinks each range (80 steps of 1%) to the least
      `sum |error|^2.4`;
    - `act-order` takes the columns by descending `diag(H)`; group
      parameters are fitted on the weight as updated so far, or up front
      with `static-groups`. With act-order, groups and no static groups the
      groups are contiguous in the permuted order: the weight is stored
      with its rows in that order and the matmul's activation columns are
      gathered to match (convolutions need `static-groups`);
    - with `true-sequential`, layers go in dataflow order, and before each
      set of layers whose inputs no unquantized layer computes, the model
      (earlier layers already quantized) runs on `data` again through
      `qf-calibrate` for fresh Hessians.

    With `format`, or a layer's `qf.scheme` of a float-code format, the
    quantizer is that format's instead (`passes/Schemes/TableWeights.h`:
    each block's scale from its largest magnitude when the block is
    reached, each value rounded to the nearest of the format's values under
    it, half to even), and the weight becomes the codes, scales and
    `qf.dequantize_table` that `quant-quantize` emits for the format.

    A layer with a `qf.scheme` (from `quant-assign-precision`) is rounded
    with that scheme's bits, groups (or per channel) and symmetry instead of
    the options; a float-cast or per-tensor scheme is left to
    `quant-quantize`.

    The weights become the integer storage + `qf.dequantize` that
    `quant-quantize` emits (signed storage: code - 2^(bits-1), zero point
    likewise), so `quant-quantize` (which keeps them) and every backend take
    the result. `report=FILE` lists per layer the damping and the relative
    output error `tr(dW H dW^T) / tr(W H W^T)` of GPTQ and of round to
    nearest with the same quantizer.

    Before (the input's Hessian from `qf-calibrate hessian=true`):
    ```mlir
    %xo = qf.observe %x id 0 stats {hessian = dense_resource<...> : tensor<4x4xf32>} : tensor<3x4xf32>
    %w = arith.constant dense<[[1.0, 0.0], [-2.0, 1.0], [0.5, 2.0], [4.0, 3.0]]> : tensor<4x2xf32>
    %y = linalg.matmul ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
    ```
    After (`bits=4 group-size=0 act-order=false`, H = I: round to nearest):
    ```mlir
    %c = arith.constant dense<[[-113], [-40], [46], [119]]> : tensor<4x1xi8>   // two int4 codes per byte
    %u = qf.unpack %c : tensor<4x1xi8> -> tensor<4x2x!quant.uniform<i4:f32:1, {4.000000e-01:-3,2.000000e-01:-8}>>
    %w = qf.dequantize %u : tensor<4x2x!quant.uniform<...>> -> tensor<4x2xf32>
    %y = linalg.matmul ins(%xo, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
    ```
    With `act-order` and groups, the codes are stored in the permuted order
    (a sub-channel type along the reduction) and the activation is gathered
    with the permutation (a `linalg.generic` of `tensor.extract`s).
  }];
  let dependentDialects = ["::mlir::qf::QFDialect",
                           "::mlir::quant::QuantDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"bits", "bits", "int", "4", "weight bits (2 to 8)">,
    Option<"groupSize", "group-size", "int64_t", "128",
           "input channels per group of parameters; 0: per output channel">,
    Option<"symmetric", "symmetric", "bool", "false",
           "zero point at the middle code">,
    Option<"format", "format", "std::string", "\"\"",
           "round onto a float-code format's grid instead of integers: fp8, "
           "mxfp4, mxfp6, mxfp8, mxint8, nvfp4 or nf4 (in groups of "
           "group-size; bits and symmetric unused)">,
    Option<"actOrder", "act-order", "bool", "true",
           "quantize columns by descending diag(H)">,
    Option<"staticGroups", "static-groups", "bool", "false",
           "fit every group's parameters before any update">,
    Option<"damp", "damp", "double", "0.01",
           "damping relative to the mean of diag(H)">,
    Option<"blockSize", "block-size", "int64_t", "128",
           "columns per block of lazy updates">,
    Option<"trueSequential", "true-sequential", "bool", "true",
           "re-collect later layers' Hessians from the partially quantized "
           "model (needs data)">,
    Option<"mseGrid", "mse-grid", "bool", "false",
           "search a shrink of each range minimizing the rounding error">,
    GroupFallbackOption,
    Option<"data", "data", "std::string", "\"\"",
           "calibration data for true-sequential (as qf-calibrate's data)">,
    Option<"report", "report", "std::string", "\"\"",
           "write a JSON report of every layer to this file">,
    Option<"progress", "progress", "bool", "true",
           "show a progress bar (layers, columns) when stderr is a terminal">,
  ];
}

def QuantAWQPass : Pass<"quant-awq", "ModuleOp"> {
  let summary = "Activation-aware weight scaling and clipping (AWQ)";
  let description = [{
    AWQ (Lin et al., 2023) protects the weight channels that see large
    activations by scaling them up before low-bit rounding. Groups are
    SmoothQuant's (a producer that absorbs a per-channel division exactly,
    and the matmuls with constant weights that read its output); a group
    whose producer cannot (GELU, SiLU, an argument, other users) is skipped
    and the report says why.

    Per group, on the calibration rows X its observer sampled
    (`qf-calibrate sample-rows=N`): `s = mean|x|^a` per input channel
    (`/ mean|w|^(1-a)` with `duo-scaling`, |w| relative to its group's
    largest), clamped at 1e-4 and divided by `sqrt(max(s) min(s))`, for
    `a = i / grid`, i = 0 .. grid-1; the loss is the mean squared error of
    `X (Q(W s) / s)` against `X W` over the consumers side by side, Q being
    quant-quantize's weight quantizer (`bits`, groups of `group-size` along
    the reduction, per channel where it does not divide it, asymmetric
    unless `symmetric`, half to even). The best `s` is folded into the
    producer (1/s) and the weights (s), which leaves the float model
    unchanged.

    With `clip`, each consumer's weight (not those whose layer name contains
    a `clip-skip` entry, e.g. Q/K projections) is clipped per output column
    and group to `[-m, m]`, `m = max|w| (1 - i / clip-grid)` for i below
    `max-shrink * clip-grid`, keeping the `m` whose fake-quantized group
    gives the least mean squared error of that group's partial outputs
    `X_g w_g` (X now divided by s).

    The weights stay float: `quant-quantize` rounds them; with `then-gptq`
    the pass calibrates the scaled model on `data` again and runs
    `quant-gptq` with the same bits and groups on it (act-order unless
    `gptq-act-order=false`: act-order regroups the channels AWQ scaled,
    which helps on the demo GPT and hurts on layers with a few dominant
    channels).

    With `format`, or a first consumer's `qf.scheme` of a float-code
    format, the search quantizes on that format's grid (each block's scale
    from its largest magnitude, the format's values), as `quant-quantize`
    will.

    A group whose first consumer has a `qf.scheme` (from
    `quant-assign-precision`, which gives layers reading one activation one
    scheme) is searched with that scheme's bits, groups and symmetry; a
    float-cast or per-tensor scheme skips the group.

    Before (a LayerNorm-like producer `x * gamma` feeding two matmuls; the
    observer sampled rows with `qf-calibrate sample-rows=N`):
    ```mlir
    %gamma = arith.constant dense<...> : tensor<64xf32>
    %y = linalg.generic {...} ins(%x, %gamma : tensor<64x64xf32>, tensor<64xf32>) ...
    %yo = qf.observe %y id 0 stats {row_sample = dense_resource<...> : tensor<64x64xf32>, ...} : tensor<64x64xf32>
    %w0 = arith.constant dense<...> : tensor<64x32xf32>
    %q = linalg.matmul ins(%yo, %w0 : ...) ...
    %w1 = arith.constant dense<...> : tensor<64x16xf32>
    %k = linalg.matmul ins(%yo, %w1 : ...) ...
    ```
    After (`bits=4 group-size=16`): new constants, float still; `quant-quantize`
    (or `then-gptq`) rounds them:
    ```mlir
    %gamma = arith.constant dense<...> : tensor<64xf32>        // gamma / s
    %y = linalg.generic {...} ins(%x, %gamma : ...) ...
    %yo = qf.observe %y id 0 : tensor<64x64xf32>              // statistics dropped
    %w0 = arith.constant dense<...> : tensor<64x32xf32>        // clip(s * w0)
    %q = linalg.matmul ins(%yo, %w0 : ...) ...
    %w1 = arith.constant dense<...> : tensor<64x16xf32>        // clip(s * w1)
    %k = linalg.matmul ins(%yo, %w1 : ...) ...
    ```
  }];
  let dependentDialects = ["::mlir::qf::QFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"bits", "bits", "int", "4", "weight bits (2 to 8)">,
    Option<"groupSize", "group-size", "int64_t", "128",
           "input channels per group; 0: per output channel">,
    Option<"symmetric", "symmetric", "bool", "false",
           "symmetric weight ranges">,
    Option<"format", "format", "std::string", "\"\"",
           "search on a float-code format's grid instead of integers: fp8, "
           "mxfp4, mxfp6, mxfp8, mxint8, nvfp4 or nf4 (in groups of "
           "group-size; bits and symmetric unused)">,
    Option<"grid", "grid", "int", "20", "points of the scale search">,
    Option<"duoScaling", "duo-scaling", "bool", "false",
           "divide the scales by mean|w|^(1-a)">,
    Option<"clip", "clip", "bool", "true", "search clipping ranges">,
    Option<"clipGrid", "clip-grid", "int", "20",
           "steps of the clipping search">,
    Option<"maxShrink", "max-shrink", "double", "0.5",
           "the most the clipping search shrinks a range">,
    ListOption<"clipSkip", "clip-skip", "std::string",
               "consumers whose layer name contains one of these are not "
               "clipped">,
    Option<"thenGptq", "then-gptq", "bool", "false",
           "calibrate again and round the weights with quant-gptq">,
    Option<"gptqActOrder", "gptq-act-order", "bool", "true",
           "then-gptq's act-order (which regroups the channels AWQ scaled)">,
    Option<"data", "data", "std::string", "\"\"",
           "calibration data for then-gptq">,
    Option<"report", "report", "std::string", "\"\"",
           "write a JSON report of every group to this file">,
  ];
}

//===----------------------------------------------------------------------===//
// Mixed precision
//===----------------------------------------------------------------------===//

def QFFoldBatchNormPass : Pass<"qf-fold-batchnorm", "ModuleOp"> {
  let summary = "Fold inference batch normalization into the preceding "
                "convolution or matmul";
  let description = [{
    Inference batch normalization is `y = x * a + b` per channel, with
    `a = gamma / sqrt(var + eps)` and `b = beta - mean * a` (the ONNX
    importer emits it as one elementwise `linalg.generic` with constant `a`
    and `b`). Where `x` is, through layout `linalg.transpose`s and at most
    one constant per-channel bias add, the output of a
    `linalg.conv_2d_nhwc_hwcf`, `linalg.depthwise_conv_2d_nhwc_hwc` or
    `linalg.matmul` with a constant weight, zero-initialized, with no other
    users, and the affine map runs along the layer's output channels, it
    folds into the layer:

        w'[..., f] = w[..., f] * a[f]        bias'[f] = bias[f] * a[f] + b[f]

    computed in double and rounded once to the weight's type; without a
    bias the affine map becomes a bias add of `b`. The float function is
    unchanged up to rounding (a zero-variance channel has `a =
    gamma / sqrt(eps)`, large but finite). An affine map next to a layer it
    cannot fold into gets a remark saying why; a non-finite `a`, `b` or
    weight (a negative variance) is an error.

    Before (a = [2, -1], b = [0.5, 0]):
    ```mlir
    %w = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
    %m = linalg.matmul ins(%x, %w : tensor<3x1xf32>, tensor<1x2xf32>) outs(%zero : tensor<3x2xf32>) -> tensor<3x2xf32>
    %a = arith.constant dense<[2.0, -1.0]> : tensor<2xf32>
    %b = arith.constant dense<[0.5, 0.0]> : tensor<2xf32>
    %y = linalg.generic {...} ins(%m, %a, %b : tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>) ...  // m * a + b
    ```
    After:
    ```mlir
    %w = arith.constant dense<[[2.0, -2.0]]> : tensor<1x2xf32>                      // w * a
    %m = linalg.matmul ins(%x, %w : tensor<3x1xf32>, tensor<1x2xf32>) outs(%zero : tensor<3x2xf32>) -> tensor<3x2xf32>
    %b = arith.constant dense<[0.5, 0.0]> : tensor<2xf32>
    %y = linalg.generic {...} ins(%m, %b : tensor<3x2xf32>, tensor<2xf32>) ...      // m + b
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def QuantPrepareQATPass : Pass<"quant-prepare-qat", "ModuleOp"> {
  let summary = "Rewrite a float graph into a trainable fake-quantized one";
  let description = [{
    The first step of quantization-aware training. With `fold-bn`, batch
    normalization is folded first (`qf-fold-batchnorm`; when calibrating,
    run that before `qf-insert-observers`, so the statistics are the folded
    layers'). Then every
    `linalg.matmul`, `linalg.batch_matmul` and `linalg.conv_2d_nhwc_hwcf`
    under its `qf.scheme` (from `quant-assign-precision`) or `scheme` gets
    `qf.fake_quant` with the `gradient` straight-through estimator:

    - on a constant weight: the scheme's granularity (per output channel
      for `w8a8`, groups for `w4a16g128`, ...), symmetric unless
      `symmetric=false`, parameters from the weight's range, exactly
      `quant-quantize`'s; the float weight stays as the latent weight;
    - with activation bits, on the activation operands (and, with
      `quantize-outputs`, on observed results): per tensor, asymmetric
      unless `act-symmetric`, from the calibrated min/max of the
      `qf.observe` that defines them (`qf-insert-observers` and
      `qf-calibrate` first); then the observers go.

    With `learnable-scales` each `qf.fake_quant` is marked `learnable`: its
    scale and zero point are parameters to train with LSQ/LSQ+ (their
    gradients are `qf.fake_quant_grad`'s). `quant-convert-qat` makes the
    result integer again, with whatever parameters it then carries.

    `params-out=FILE.npz` writes what a framework trains, per layer `L` (the
    name of its location, e.g. the ONNX node, else `layer<i>` in walk
    order): `L.weight` (the folded float weight, in the IR's
    layout: `[K, N]` for matmuls, `HWCF` for convolutions), `L.bias` (the
    folded bias, where a constant bias add follows), and for each quantizer
    `L.weight`, `L.input`, `L.rhs`, `L.output`: `.scale` (f32: a scalar per
    tensor, `[C]` per axis, the scale grid per block), `.zero_point` (i32,
    same shape), `.axis` (per axis), `.qrange` (`[qmin, qmax]`) and, with
    `learnable-scales`, `.grad_scale` (LSQ's `1 / sqrt(N * qmax)`, N the
    elements one scale covers). docs/QAT.md shows the round trip.

    Before (calibrated observers around a matmul):
    ```mlir
    %xo = qf.observe %x id 0 stats {max = 1.0 : f32, min = -2.0 : f32, ...} : tensor<2x4xf32>
    %w = arith.constant dense<[[1.0, -2.0, 0.5], ...]> : tensor<4x3xf32>
    %y = linalg.matmul ins(%xo, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
    %yo = qf.observe %y id 1 stats {max = 7.0 : f32, min = -3.0 : f32, ...} : tensor<2x3xf32>
    ```
    After (`scheme=w8a8`):
    ```mlir
    %w = arith.constant dense<[[1.0, -2.0, 0.5], ...]> : tensor<4x3xf32>
    %wq = qf.fake_quant %w as !quant.uniform<i8<-127:127>:f32:1, {...}> half_even clipped learnable : tensor<4x3xf32>
    %xq = qf.fake_quant %x as !quant.uniform<i8:f32, 0.011764705882352941:-43> half_even clipped learnable : tensor<2x4xf32>
    %y = linalg.matmul ins(%xq, %wq : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
    %yq = qf.fake_quant %y as !quant.uniform<i8:f32, 0.039215686274509803:-26> half_even clipped learnable : tensor<2x3xf32>
    ```
  }];
  let dependentDialects = ["::mlir::qf::QFDialect",
                           "::mlir::quant::QuantDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect"];
  let options = [
    Option<"scheme", "scheme", "std::string", "\"w8a8\"",
           "scheme name (w8a8, w4a8, w4a16g128, ...)">,
    Option<"symmetric", "symmetric", "bool", "true",
           "symmetric weights (narrow range, zero point 0)">,
    Option<"actSymmetric", "act-symmetric", "bool", "false",
           "symmetric activations">,
    RoundingOption<"rounding of the simulated quantization">,
    StochasticSeedOption,
    Option<"gradient", "gradient", "::mlir::qf::StraightThrough",
           "::mlir::qf::StraightThrough::clipped",
           "straight-through estimator", [{
      ::llvm::cl::values(
          clEnumValN(::mlir::qf::StraightThrough::clipped, "clipped",
                     "zero outside the representable range"),
          clEnumValN(::mlir::qf::StraightThrough::identity, "identity",
                     "one everywhere"))
    }]>,
    GroupFallbackOption,
    Option<"foldBn", "fold-bn", "bool", "true",
           "fold batch normalization into the layers first">,
    Option<"learnableScales", "learnable-scales", "bool", "true",
           "mark the quantizers' scales and zero points trainable (LSQ)">,
    Option<"quantizeOutputs", "quantize-outputs", "bool", "true",
           "also fake-quantize the observed results of the layers">,
    Option<"paramsOut", "params-out", "std::string", "\"\"",
           "write weights and quantizer parameters to this .npz">,
  ];
}

def QuantConvertQATPass : Pass<"quant-convert-qat", "ModuleOp"> {
  let summary = "Turn a QAT graph's fake quantization into integer qf IR";
  let description = [{
    The last step of quantization-aware training: every `qf.fake_quant`
    (from `quant-prepare-qat`, or a graph trained elsewhere) becomes
    `qf.dequantize(qf.quantize(x))` with the same quantized type, rounding
    and seed, so the trained scales and zero points are kept exactly. The
    quantization of a constant (a trained weight) is folded into 8-bit
    integer storage (`arith.constant` + `quant.scast`, per tensor or per
    axis; other types keep the `qf.quantize`), computed with the numerics
    core's `quantize`. With `fuse` (the default) `qf-fuse-qdq` then makes
    the Q/DQ around matmuls and convolutions integer `qf.matmul` /
    `qf.conv2d` ops, the IR post-training quantization produces, which
    lowers through any backend. Graphs imported from ONNX Q/DQ (PyTorch's
    QAT export) already carry `qf.quantize`/`qf.dequantize`; their
    dequantizes are first moved past the layout ops the importer puts
    before a convolution (`linalg.transpose`, with the axis of a per-axis
    type following it, constants transposed at once; `tensor.pad` with a
    value that has an exact code, 0.0 being the zero point), on the storage
    integers, and then go through the same fusion.

    Before:
    ```mlir
    %w = arith.constant dense<[[0.5, -1.0]]> : tensor<1x2xf32>
    %wq = qf.fake_quant %w as !quant.uniform<i8:f32, 0.25> half_even clipped : tensor<1x2xf32>
    ```
    After (`fuse=false`):
    ```mlir
    %c = arith.constant dense<[[2, -4]]> : tensor<1x2xi8>
    %q = quant.scast %c : tensor<1x2xi8> to tensor<1x2x!quant.uniform<i8:f32, 2.500000e-01>>
    %wq = qf.dequantize %q : tensor<1x2x!quant.uniform<i8:f32, 2.500000e-01>> -> tensor<1x2xf32>
    ```
  }];
  let dependentDialects = ["::mlir::qf::QFDialect",
                           "::mlir::quant::QuantDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let options = [
    Option<"fuse", "fuse", "bool", "true",
           "run qf-fuse-qdq afterwards (integer matmuls and convolutions)">,
  ];
}

def QuantQATFinetunePass : Pass<"quant-qat-finetune", "ModuleOp"> {
  let summary = "Fine-tune fake-quantized weights layer by layer against the "
                "float outputs (in-compiler QAT)";
  let description = [{
    Quantization-aware fine-tuning without a training framework, in the
    manner of AdaRound and BRECQ's layer-wise reconstruction: for every
    `linalg.matmul` with a constant f32 weight `[K, N]` and every
    `linalg.conv_2d_nhwc_hwcf` (its weight as the im2col matrix
    `[kh*kw*C, F]`) whose activation has a calibrated Hessian
    `H = 2/N X^T X` (`qf-calibrate hessian=true`), minimizes the layer's
    relative output error on the calibration activations,

        L = ||X Q^T - X W^T||^2 / ||X W^T||^2 = tr(dW H dW^T) / tr(W H W^T)

    with `Q = qf.fake_quant(V)` of a latent weight `V`, by `steps` steps of
    Adam on `V` and on the scales (learned with LSQ's gradient, the input
    gradient straight through inside the clamp range, zero outside: the
    gradient of `qf.fake_quant`). Steps are `lr` times each group's initial
    scale, on a cosine decay. `V` starts at the float weight and the scales
    and zero points at round to nearest's (min/max, asymmetric unless
    `symmetric`); zero points stay. The best iterate is kept, so no layer's
    (or block's) error exceeds round to nearest's.

    With `per=block`, a `linalg.matmul` whose activation is computed from
    another matmul's result by elementwise ops only (bias add, GELU, ReLU,
    reshapes: an MLP's two layers) forms a block with it (BRECQ), and both
    weights are fine-tuned together against the block's float output on
    the rows `qf-calibrate sample-rows=N` sampled of the block's input:

        L = ||f(X Q1^T) Q2^T - f(X W1^T) W2^T||^2 / ||f(X W1^T) W2^T||^2

    with `f` evaluated from the IR (with its derivative) in double. Layers
    in no block are fine-tuned alone, with a remark where a candidate block
    has an op between its layers that is not evaluated.

    The result is what `quant-gptq` and `quant-quantize` emit: integer
    storage + `qf.dequantize` (signed storage, code - 2^(bits-1)), tagged
    `qf.quantized_by`; every backend takes it. A layer with a `qf.scheme`
    (from `quant-assign-precision`) uses that scheme's bits, groups and
    symmetry. `report=FILE` lists per layer (or `block`, naming both
    layers) the loss at round to nearest and after fine-tuning, and the
    step the result comes from.

    Before (the input's Hessian from `qf-calibrate hessian=true`):
    ```mlir
    %xo = qf.observe %x id 0 stats {hessian = dense_resource<...> : tensor<4x4xf32>} : tensor<8x4xf32>
    %w = arith.constant dense<...> : tensor<4x2xf32>
    %y = linalg.matmul ins(%xo, %w : tensor<8x4xf32>, tensor<4x2xf32>) outs(%f : tensor<8x2xf32>) -> tensor<8x2xf32>
    ```
    After (`bits=4`; codes and scales are the fine-tuned ones):
    ```mlir
    %c = arith.constant dense<...> : tensor<4x1xi8>
    %u = qf.unpack %c : tensor<4x1xi8> -> tensor<4x2x!quant.uniform<i4:f32:1, {...}>>
    %w = qf.dequantize %u {qf.quantized_by = {scheme = "qat-finetune w4 per channel", ...}} : tensor<4x2x!quant.uniform<...>> -> tensor<4x2xf32>
    %y = linalg.matmul ins(%xo, %w : tensor<8x4xf32>, tensor<4x2xf32>) outs(%f : tensor<8x2xf32>) -> tensor<8x2xf32>
    ```
  }];
  let dependentDialects = ["::mlir::qf::QFDialect",
                           "::mlir::quant::QuantDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"bits", "bits", "int", "4", "weight bits (2 to 8)">,
    Option<"groupSize", "group-size", "int64_t", "0",
           "input channels per group of parameters; 0: per output channel">,
    Option<"symmetric", "symmetric", "bool", "false",
           "zero point at the middle code">,
    Option<"per", "per", "::mlir::qf::ReconstructionUnit",
           "::mlir::qf::ReconstructionUnit::Layer",
           "what is reconstructed at once", [{
      ::llvm::cl::values(
          clEnumValN(::mlir::qf::ReconstructionUnit::Layer, "layer",
                     "each matmul alone"),
          clEnumValN(::mlir::qf::ReconstructionUnit::Block, "block",
                     "two matmuls and the elementwise ops between them, "
                     "together (needs sample-rows)"))
    }]>,
    Option<"steps", "steps", "int64_t", "200", "Adam steps per layer">,
    Option<"lr", "lr", "double", "0.01",
           "step size, in units of each group's initial scale">,
    GroupFallbackOption,
    Option<"report", "report", "std::string", "\"\"",
           "write a JSON report of every layer to this file">,
  ];
}

def QuantAssignPrecisionPass : Pass<"quant-assign-precision", "ModuleOp"> {
  let summary = "Choose a scheme per layer from measured sensitivity and the "
                "target's cost model under a budget";
  let description = [{
    For every `linalg.matmul` and `linalg.conv_2d_nhwc_hwcf` with a constant
    f32 weight (a layer), picks
    one of `candidates` and writes it as the op's `qf.scheme`, which
    `quant-quantize` (and GPTQ/AWQ) then honour.

    1. Candidates are filtered by the capabilities of `backend` (a built-in
       or loaded backend plugin): a scheme the target cannot run is never
       assigned. A per-group candidate whose group size does not divide a
       layer's reduction is not offered to that layer.
    2. Layers that read the same activation (Q/K/V projections, which a
       backend fuses) form one group and share a scheme (`share-inputs`).
    3. Sensitivity of each layer under each candidate, measured:
       - `output-mse` (default): the mean over the sampled calibration rows
         (`row_sample`, from `qf-calibrate{sample-rows=N}`) of
         `||x W - q(x) Q(W)||^2`, with the weight quantized exactly as
         `quant-quantize` would and, for int8-activation candidates, the
         activation rounded with the calibrated static range (or per token /
         per tensor with `dynamic-activations`);
       - `hessian`: `1/2 sum_f dw_f^T H dw_f` from the calibrated Hessian
         (the same quantity over all calibration rows), plus `d^2/12 ||W||^2`
         for int8 activations with step `d`;
       - `e2e`: the mean squared change of the model's outputs on `data`
         when only that group is quantized (`quant-quantize` on a clone,
         JIT-compiled and run on `max-samples` samples): slow, exact;
       - `position`: a data-free baseline: `elements * 4^-bits`, times 1000
         for the first and the last layer.

       With `gain` (output-mse or hessian, and `data`), each group's
       sensitivities are multiplied by how much of its own output error
       reaches the model's outputs: the e2e error over the local one at the
       group's cheapest candidate, one JIT run per group. A local error in
       an early layer is amplified by every layer after it, which the local
       measure alone cannot see.
    4. Costs from the backend's cost model: weight bytes (codes, scales, zero
       points) or estimated latency.
    5. The choice minimizing the summed sensitivity within the budget
       (`budget-bits` average weight bits, `budget-bytes`, or
       `budget-latency` in microseconds; exactly one) is found exactly: the
       Pareto frontier of the multiple-choice knapsack, built group by group.
       A budget below the cheapest assignment is an error naming the
       minimum.

    `report=PREFIX` writes `PREFIX.csv` (every layer, candidate, sensitivity
    and cost), `PREFIX.frontier.csv` (the whole frontier: cost -> predicted
    error and, with `data`, the error measured end to end at up to
    `measure-points` of its points), `PREFIX.md` (the assignment and the
    frontier, thinned to 40 points) and `PREFIX.svg` (the frontier plotted).

    Before (`budget-bits=6 candidates=w8a16,w4a16`):
    ```mlir
    %0 = linalg.matmul ins(%x, %w0 : tensor<16x64xf32>, tensor<64x64xf32>) outs(%i0 : tensor<16x64xf32>) -> tensor<16x64xf32>
    %1 = linalg.matmul ins(%0, %w1 : tensor<16x64xf32>, tensor<64x64xf32>) outs(%i1 : tensor<16x64xf32>) -> tensor<16x64xf32>
    ```
    After (the second layer is the more sensitive):
    ```mlir
    %0 = linalg.matmul {qf.scheme = #qf.scheme<weight = i4, per_channel, symmetric, rounding = half_even>} ins(...)
    %1 = linalg.matmul {qf.scheme = #qf.scheme<weight = i8, per_channel, symmetric, rounding = half_even>} ins(...)
    ```
  }];
  let dependentDialects = ["::mlir::qf::QFDialect"];
  let options = [
    Option<"backend", "backend", "std::string", "\"cpu\"",
           "target whose capabilities and cost model decide">,
    ListOption<"candidates", "candidates", "std::string",
               "scheme names to choose from (default: w8a8, w8a16, "
               "w4a16g128, w3a16g128, f16)">,
    Option<"budgetBits", "budget-bits", "double", "0",
           "average weight bits (codes, scales and zero points) at most">,
    Option<"budgetBytes", "budget-bytes", "int64_t", "0",
           "weight bytes at most">,
    Option<"budgetLatency", "budget-latency", "double", "0",
           "estimated latency of the layers in microseconds at most">,
    Option<"objective", "objective", "::mlir::qf::SensitivityObjective",
           "::mlir::qf::SensitivityObjective::OutputMse",
           "what a scheme's harm to a layer is measured by", [{
      ::llvm::cl::values(
          clEnumValN(::mlir::qf::SensitivityObjective::OutputMse,
                     "output-mse", "the layer's output error"),
          clEnumValN(::mlir::qf::SensitivityObjective::Hessian, "hessian",
                     "the weight error weighted by the input Hessian"),
          clEnumValN(::mlir::qf::SensitivityObjective::EndToEnd, "e2e",
                     "the model's output error (needs data)"),
          clEnumValN(::mlir::qf::SensitivityObjective::Position, "position",
                     "the layer's position in the model (a baseline)"))
    }]>,
    Option<"symmetric", "symmetric", "bool", "true",
           "symmetric weights, as quant-quantize's option">,
    Option<"actSymmetric", "act-symmetric", "bool", "false",
           "symmetric static activations, as quant-quantize's option">,
    RoundingOption<"rounding of the candidates (not stochastic)">,
    DynamicActivationsOption<"how int8 activations will be quantized, as "
                             "quant-quantize's option">,
    Option<"gain", "gain", "bool", "false",
           "scale output-mse/hessian sensitivities by each group's measured "
           "propagation to the model's outputs (needs data)">,
    Option<"shareInputs", "share-inputs", "bool", "true",
           "layers reading the same activation share a scheme">,
    Option<"data", "data", "std::string", "\"\"",
           "calibration data (as qf-calibrate's) for e2e and for measuring "
           "the frontier">,
    Option<"entry", "entry", "std::string", "\"main\"",
           "function run on data">,
    Option<"maxSamples", "max-samples", "int64_t", "8",
           "samples of data per end-to-end run">,
    Option<"measurePoints", "measure-points", "unsigned", "6",
           "frontier points measured end to end when data is given">,
    Option<"report", "report", "std::string", "\"\"",
           "write PREFIX.csv, PREFIX.frontier.csv, PREFIX.md and PREFIX.svg">,
  ];
}

#endif // QF_PASSES_PASSES_TD
