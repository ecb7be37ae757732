//===- Passes.td - QuantForge lowering passes --------------*- tablegen -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#ifndef QF_LOWERING_PASSES_TD
#define QF_LOWERING_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertQFToLinalgPass : Pass<"convert-qf-to-linalg"> {
  let summary = "Lower qf quantization and integer compute ops to linalg and "
                "arith on storage integers";
  let description = [{
    Rewrites `qf.quantize`, `qf.dequantize`, `qf.fake_quant` (forward:
    dequantize(quantize(x)) in float), `qf.requantize`, `qf.matmul` and
    `qf.conv2d` on ranked tensors with `!quant.uniform` types into
    `linalg.generic` ops on the signless storage integers, bit for bit what the numerics core
    computes: `q = clamp(round(x / scale) + zp)` with the division in the
    input's float type, the op's rounding mode (`math.roundeven`,
    `math.round`, floor, ceil, trunc, or stochastic: up when the splitmix64
    draw of the seed and the element's row-major index is below the
    fraction), saturation in f64 and NaN to the zero point; `x = float(q - zp) * scale`. Quantized values cross into and out of
    the generics through `quant.scast`, and cast pairs fold away.

    Before:
    ```mlir
    %q = qf.quantize %x half_even : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.5:-3>>
    ```
    After (schematically):
    ```mlir
    %i = linalg.generic ... ins(%x : tensor<4xf32>) outs(%e : tensor<4xi8>) {
      %v = arith.divf %in, %scale : f32
      %r = math.roundeven %v : f32
      ... clamp to [-128 - zp, 127 - zp] in f64, add zp, NaN -> zp ...
    }
    %q = quant.scast %i : tensor<4xi8> to tensor<4x!quant.uniform<i8:f32, 0.5:-3>>
    ```

    Per-tensor, per-axis and (for quantize, dequantize and fake_quant)
    sub-channel blocked types are lowered; blocked parameters are read
    through `floordiv` maps. `qf.dynamic_quantize` becomes a max|x|
    reduction, the scale and the quantization; `qf.dynamic_dequantize` an
    elementwise generic with a broadcast scale.

    Sub-byte tensors are never materialized (an i4 memref lowers wrongly):
    `qf.dequantize(qf.unpack(p))` becomes one generic that extracts each
    code from the packed bytes `p` and dequantizes it, and a float
    `linalg.matmul` whose weight is a `qf.dequantize` (of packed or 8-bit
    codes) becomes a contraction that dequantizes each weight where it reads
    it (weight-only schemes: the float weights are never stored). Other uses
    of sub-byte storage are reported as errors at the op.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::quant::QuantDialect",
                           "::mlir::tensor::TensorDialect"];
}

def QFMergeGpuModulesPass : Pass<"qf-merge-gpu-modules", "::mlir::ModuleOp"> {
  let summary = "Put every outlined kernel into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` makes one `gpu.module` per kernel. A backend
    serializes one binary per module, so this pass moves every kernel into
    one module, `qf_kernels`, and renames each kernel after the module it came
    from (kernel names are unique within a module only), updating every
    `gpu.launch_func`. The last step of `buildLinalgToGpuPipeline`
    (`lowering/Pipelines/GpuPipelines.h`).

    Before:
    ```mlir
    gpu.module @main_kernel { gpu.func @main_kernel(...) kernel {...} }
    gpu.module @main_kernel_0 { gpu.func @main_kernel(...) kernel {...} }
    func.func @main(...) {
      gpu.launch_func @main_kernel::@main_kernel ...
      gpu.launch_func @main_kernel_0::@main_kernel ...
    }
    ```
    After:
    ```mlir
    gpu.module @qf_kernels {
      gpu.func @main_kernel(...) kernel {...}
      gpu.func @main_kernel_0(...) kernel {...}
    }
    func.func @main(...) {
      gpu.launch_func @qf_kernels::@main_kernel ...
      gpu.launch_func @qf_kernels::@main_kernel_0 ...
    }
    ```
  }];
}

def QFStaticResultsToOutParamsPass
    : Pass<"qf-static-results-to-out-params", "::mlir::ModuleOp"> {
  let summary = "Statically shaped buffer results become out-parameters; "
                "dynamically shaped ones stay results";
  let description = [{
    After bufferization, a function whose memref results all have static
    shapes takes one more argument per result, a buffer the caller
    allocates, and writes its results there (upstream
    `buffer-results-to-out-params` with `hoist-static-allocs`: the final
    allocation becomes the out-parameter, with no copy). A function with a
    dynamically shaped result keeps returning memrefs: the caller cannot know
    their sizes before the call, so the callee allocates them and the caller
    owns (frees) them. This is the calling convention of the host executors
    (`runtime/Jit/CpuJit.cpp`): one compiled model serves every batch and
    sequence length.

    Before:
    ```mlir
    func.func @f(%x: memref<4xf32>) -> memref<4xf32>
    func.func @g(%x: memref<?xf32>) -> memref<?xf32>
    ```
    After:
    ```mlir
    func.func @f(%x: memref<4xf32>, %out: memref<4xf32>)
    func.func @g(%x: memref<?xf32>) -> memref<?xf32>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def QFDeallocAfterLastUsePass
    : Pass<"qf-dealloc-after-last-use", "::mlir::func::FuncOp"> {
  let summary = "Free each buffer right after its last use, not at the end "
                "of its block";
  let description = [{
    Ownership-based deallocation (`buffer-deallocation-pipeline`) frees the
    buffers a block allocates at the end of that block, so a model's whole
    chain of intermediate tensors is alive at once. This pass moves each
    `memref.dealloc` of a `memref.alloc` in the same block to right after
    the last op of that block that uses the buffer or a view of it
    (`ViewLikeOpInterface` results, and memref results of other ops that
    take it, transitively; uses inside an op's regions count as that op's).
    A buffer with a view returned from the function, or whose address is
    taken (`memref.extract_aligned_pointer_as_index`), keeps its dealloc
    where it is. For host code only, where an op is done when the next one
    starts (`buildHostToLLVMPipeline`). Peak memory then follows the live intermediates, and the
    allocator reuses what was freed.

    Before:
    ```mlir
    %a = memref.alloc() : memref<4xf32>
    linalg.exp ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
    %b = memref.alloc() : memref<4xf32>
    linalg.exp ins(%a : memref<4xf32>) outs(%b : memref<4xf32>)
    linalg.exp ins(%b : memref<4xf32>) outs(%out : memref<4xf32>)
    memref.dealloc %a : memref<4xf32>
    memref.dealloc %b : memref<4xf32>
    ```
    After: `memref.dealloc %a` right after the second `linalg.exp`, `%b`'s
    after the third.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def QFExpandShapeToReinterpretCastPass
    : Pass<"qf-expand-shape-to-reinterpret-cast"> {
  let summary = "Lower memref.expand_shape ops that split one dimension into "
                "several dynamic ones";
  let description = [{
    A model with dynamic batch and sequence dimensions flattens them for a
    matmul (`[B, T, K]` to `[B*T, K]`) and splits them back
    (`expand_shape [[0, 1], [2]] output_shape [%B, %T, N]`). Upstream
    `expand-strided-metadata` handles at most one dynamic size per group
    (it crashes on more, MLIR 22), so this pass, run before it, rewrites
    such an `expand_shape` into `extract_strided_metadata` of its source and
    a `reinterpret_cast` with the output shape's sizes and the strides they
    imply (within a group, each stride is the next one times the next
    size; the innermost is the source dimension's stride). Other
    `expand_shape` ops are left to upstream.

    Before:
    ```mlir
    %e = memref.expand_shape %m [[0, 1], [2]] output_shape [%b, %t, 64]
        : memref<?x64xf32> into memref<?x?x64xf32>
    ```
    After:
    ```mlir
    %base, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %m
    %s0 = arith.muli %t, %c64 : index
    %e = memref.reinterpret_cast %base to offset: [0],
        sizes: [%b, %t, 64], strides: [%s0, 64, 1]
        : memref<f32> to memref<?x?x64xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

#endif // QF_LOWERING_PASSES_TD
