//===- UseKernels.cpp - Contractions on constant weights as kernel calls --===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// For the JIT: a linalg.matmul of a static f32 activation [M, K] by a
// constant f32 weight [K, N] becomes a call of runtime/Kernels' packed f32
// GEMM (KernelABI.h). The weight is packed here, at compile time, into a
// private constant memref.global; the call computes C += A B on buffers,
// C a fresh buffer holding the matmul's init, so the op's semantics (the
// init accumulates) are kept. Likewise a 2-D qf.matmul of a signed 8-bit
// per-tensor activation by a constant signed 8-bit weight (per tensor or
// per output channel) becomes a call of the exact W8A8 kernel, with the
// packed weight, its column sums and zero points as globals. And an f32
// matmul whose weight is qf.dequantize of constant codes (through qf.unpack
// or quant.scast; per tensor, per output channel, or in groups along K)
// calls the W4A16 kernel for codes of 2 to 4 bits and the W8A16 kernel for
// 8-bit ones. Other contractions keep the backend's own loops.
//
//===----------------------------------------------------------------------===//

#include "dialects/QF/QFOps.h"
#include "dialects/QF/QFQuantTypes.h"
#include "numerics/Packing.h"
#include "parameters/ConstantData.h"
#include "plugins/cpu/Passes.h"
#include "runtime/Kernels/KernelABI.h"
#include "runtime/Kernels/Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qf::cpu {
#define GEN_PASS_DEF_CPUUSEKERNELSPASS
#include "plugins/cpu/Passes.h.inc"
} // namespace mlir::qf::cpu

using namespace mlir;
using namespace mlir::qf;

namespace {

struct UseKernelsPass final : cpu::impl::CpuUseKernelsPassBase<UseKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::MatmulOp> matmuls;
    module.walk([&](linalg::MatmulOp op) {
      if (!op.hasUserDefinedMaps() && op.hasPureTensorSemantics())
        matmuls.push_back(op);
    });
    SymbolTable symbols(module);
    SmallVector<MatmulOp> integer;
    module.walk([&](MatmulOp op) { integer.push_back(op); });
    for (MatmulOp op : integer)
      rewriteInteger(op, symbols);
    func::FuncOp kernel;
    for (linalg::MatmulOp op : matmuls) {
      if (rewriteWeightOnly(op, symbols))
        continue;
      auto aType = dyn_cast<RankedTensorType>(op.getInputs()[0].getType());
      auto cType = dyn_cast<RankedTensorType>(op.getResultTypes()[0]);
      ConstantData weight;
      if (!aType || !cType || !staticBeyondRows(aType) ||
          !staticBeyondRows(cType) || !aType.getElementType().isF32() ||
          !cType.getElementType().isF32() ||
          !matchConstantData(op.getInputs()[1], weight) ||
          !weight.getElementType().isF32())
        continue;
      if (!kernel)
        kernel = declareKernel(module, symbols);
      rewrite(op, weight, kernel, symbols);
    }
  }

  func::FuncOp declareKernel(ModuleOp module, SymbolTable &symbols) {
    MLIRContext *ctx = module.getContext();
    auto f32 = Float32Type::get(ctx);
    return declare(module, symbols, kernels::kGemmF32Function,
                   {matrixOf(f32), vectorOf(f32), matrixOf(f32)});
  }

  static MemRefType matrixOf(Type element) {
    return MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic},
                           element);
  }
  static MemRefType vectorOf(Type element) {
    return MemRefType::get({ShapedType::kDynamic}, element);
  }

  /// The external kernel `name` with C-interface argument types `inputs`.
  func::FuncOp declare(ModuleOp module, SymbolTable &symbols, StringRef name,
                       ArrayRef<Type> inputs) {
    if (auto existing = symbols.lookup<func::FuncOp>(name))
      return existing;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto fn = func::FuncOp::create(b, module.getLoc(), name,
                                   b.getFunctionType(inputs, {}));
    fn.setPrivate();
    fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    symbols.insert(fn);
    return fn;
  }

  /// A private constant global holding `values` ([size] of `element`).
  Value global(OpBuilder &b, Location loc, SymbolTable &symbols, Type element,
               ElementsAttr values) {
    ModuleOp module = getOperation();
    OpBuilder gb = OpBuilder::atBlockEnd(module.getBody());
    auto type = MemRefType::get({values.getNumElements()}, element);
    auto op = memref::GlobalOp::create(
        gb, loc, "__qf_packed_weight", gb.getStringAttr("private"), type,
        values, /*constant=*/true, gb.getI64IntegerAttr(64));
    symbols.insert(op); // renames on a clash
    return memref::GetGlobalOp::create(b, loc, type, op.getSymName());
  }

  /// A matrix whose row count alone may be dynamic (batch times sequence):
  /// the kernels read every size from their memref descriptors.
  static bool staticBeyondRows(RankedTensorType type) {
    return type.getRank() == 2 && !type.isDynamicDim(1);
  }

  /// Whether `value` has users besides `consumer`.
  static bool sharedBeyond(Value value, Operation *consumer) {
    return llvm::any_of(value.getUsers(),
                        [&](Operation *user) { return user != consumer; });
  }

  /// A tensor copy of `tensor` in a fresh buffer, made by an op One-Shot
  /// Bufferize analyses. A read through bufferization.to_buffer alone did
  /// not keep other users from reusing the tensor's buffer in place before
  /// the kernel read it: the demo GPT's zero fill, shared by its matmuls,
  /// was overwritten, which cost GPTQ's model 0.07 bits/byte.
  static Value copyOf(OpBuilder &b, Location loc, Value tensor) {
    return bufferization::AllocTensorOp::create(
        b, loc, cast<RankedTensorType>(tensor.getType()), ValueRange(), tensor);
  }

  /// The identity-layout buffer of `tensor` for a kernel to read: its own,
  /// or a copy's (copyOf) where other ops share the tensor.
  static Value bufferOf(OpBuilder &b, Location loc, Value tensor, bool shared) {
    if (shared)
      tensor = copyOf(b, loc, tensor);
    auto type = cast<RankedTensorType>(tensor.getType());
    auto buffer = bufferization::ToBufferOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType()),
        tensor);
    buffer.setReadOnly(true);
    return buffer.getResult();
  }

  /// The integer codes [K, N] of a weight-only weight: a constant through
  /// qf.unpack (packed sub-byte codes) or quant.scast (one code per
  /// element); none for anything else.
  static std::optional<std::vector<int64_t>>
  constantCodes(Value quantized, quant::QuantizedType q, int64_t k, int64_t n) {
    ConstantData values;
    if (auto unpack = quantized.getDefiningOp<UnpackOp>()) {
      if (!matchConstantData(unpack.getInput(), values) ||
          !isa<IntegerType>(values.getElementType()))
        return std::nullopt;
      std::vector<uint8_t> bytes;
      for (int64_t v : values.ints())
        bytes.push_back(uint8_t(v));
      return numerics::unpackBits(
          bytes.data(), k, n, q.getStorageTypeIntegralWidth(), q.isSigned());
    }
    auto cast = quantized.getDefiningOp<quant::StorageCastOp>();
    if (!cast || !matchConstantData(cast.getInput(), values) ||
        !isa<IntegerType>(values.getElementType()))
      return std::nullopt;
    std::vector<int64_t> codes = values.ints();
    if (!q.isSigned() && values.getElementType().getIntOrFloatBitWidth() < 64)
      for (int64_t &c : codes) // the storage type is signless: reinterpret
        c &=
            (int64_t(1) << values.getElementType().getIntOrFloatBitWidth()) - 1;
    return codes;
  }

  /// `codes` plus `offset`, as the kernel's code type.
  template <typename Code>
  static std::vector<Code> moved(const std::vector<int64_t> &codes,
                                 int64_t offset) {
    std::vector<Code> out;
    for (int64_t c : codes)
      out.push_back(Code(c + offset));
    return out;
  }

  /// matmul(A, dequantize(constant codes)) to the W4A16 kernel (codes of
  /// up to 4 bits, moved to 0..15) or the W8A16 one (8 bits, moved to
  /// -128..127); false where neither applies.
  bool rewriteWeightOnly(linalg::MatmulOp op, SymbolTable &symbols) {
    auto aType = dyn_cast<RankedTensorType>(op.getInputs()[0].getType());
    auto cType = dyn_cast<RankedTensorType>(op.getResultTypes()[0]);
    auto dq = op.getInputs()[1].getDefiningOp<DequantizeOp>();
    if (!aType || !cType || !staticBeyondRows(aType) ||
        !staticBeyondRows(cType) || !aType.getElementType().isF32() ||
        !cType.getElementType().isF32() || !dq)
      return false;
    auto wType = cast<RankedTensorType>(dq.getInput().getType());
    auto q = cast<quant::QuantizedType>(wType.getElementType());
    const int64_t bits = q.getStorageTypeIntegralWidth();
    if ((bits > 4 && bits != 8) || wType.getRank() != 2)
      return false;
    const int64_t k = wType.getDimSize(0), n = wType.getDimSize(1);
    // Codes move by `offset` into the kernel's range, zero points with them.
    const int64_t offset = bits <= 4
                               ? (q.isSigned() ? int64_t(1) << (bits - 1) : 0)
                               : (q.isSigned() ? 0 : -128);
    // Scales and zero points as [groups, n], and the group size.
    int64_t group = k;
    std::vector<float> scales, zeros;
    if (auto blocked = dyn_cast<quant::UniformQuantizedSubChannelType>(q)) {
      ArrayRef<int64_t> grid = blocked.getScales().getType().getShape();
      if (grid[1] != n)
        return false; // groups must be per output column
      group = k / grid[0];
      for (APFloat v : blocked.getScales().getValues<APFloat>())
        scales.push_back(v.convertToFloat());
      for (APInt z : blocked.getZeroPoints().getValues<APInt>())
        zeros.push_back(float(z.getSExtValue() + offset));
    } else {
      std::optional<int32_t> axis = getQuantizedAxis(q);
      if (axis && *axis != 1)
        return false;
      SmallVector<double> s = getScales(q);
      SmallVector<int64_t> z = getZeroPoints(q);
      for (int64_t j = 0; j < n; ++j) {
        scales.push_back(float(s[axis ? j : 0]));
        zeros.push_back(float(z[axis ? j : 0] + offset));
      }
    }
    std::optional<std::vector<int64_t>> codes =
        constantCodes(dq.getInput(), q, k, n);
    if (!codes)
      return false;
    std::vector<int8_t> packedCodes;
    std::vector<float> packedScales, packedZeros;
    auto keep = [&](auto packed) {
      packedCodes.assign(packed.codes.begin(), packed.codes.end());
      packedScales = std::move(packed.scales);
      packedZeros = std::move(packed.zeros);
    };
    if (bits <= 4)
      keep(kernels::packW4(moved<uint8_t>(*codes, offset).data(), k, n, group,
                           scales.data(), zeros.data()));
    else
      keep(kernels::packW8(moved<int8_t>(*codes, offset).data(), k, n, group,
                           scales.data(), zeros.data()));

    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    auto f32 = Float32Type::get(ctx);
    auto i8 = IntegerType::get(ctx, 8), i64 = IntegerType::get(ctx, 64);
    func::FuncOp kernel =
        declare(module, symbols,
                bits <= 4 ? kernels::kGemmW4Function : kernels::kGemmW8Function,
                {matrixOf(f32), vectorOf(i8), vectorOf(f32), vectorOf(f32), i64,
                 matrixOf(f32)});
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value codesW = global(b, loc, symbols, i8, constantVector(i8, packedCodes));
    Value scalesW =
        global(b, loc, symbols, f32, constantVector(f32, packedScales));
    Value zerosW =
        global(b, loc, symbols, f32, constantVector(f32, packedZeros));
    Value result = callKernel(b, loc, kernel,
                              {bufferOf(b, loc, op.getInputs()[0],
                                        sharedBeyond(op.getInputs()[0], op)),
                               codesW, scalesW, zerosW,
                               arith::ConstantIntOp::create(b, loc, group, 64)},
                              accumulatorFrom(b, loc, op.getOutputs()[0]));
    op.getResult(0).replaceAllUsesWith(result);
    op.erase();
    return true;
  }

  /// A fresh buffer holding `init` (copyOf): what an accumulating kernel
  /// writes into.
  static Value accumulatorFrom(OpBuilder &b, Location loc, Value init) {
    auto type = cast<RankedTensorType>(init.getType());
    return bufferization::ToBufferOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType()),
        copyOf(b, loc, init));
  }

  /// Calls `kernel` on `args` then `out` (buffers are cast to its dynamic
  /// memref types, scalars passed as they are) and returns `out`, which the
  /// kernel wrote, as a tensor.
  static Value callKernel(OpBuilder &b, Location loc, func::FuncOp kernel,
                          ArrayRef<Value> args, Value out) {
    SmallVector<Value> operands, all(args);
    all.push_back(out);
    for (auto [arg, type] :
         llvm::zip(all, kernel.getFunctionType().getInputs()))
      operands.push_back(
          isa<MemRefType>(type)
              ? memref::CastOp::create(b, loc, type, arg).getResult()
              : arg);
    func::CallOp::create(b, loc, kernel, operands);
    auto type = cast<MemRefType>(out.getType());
    return bufferization::ToTensorOp::create(
        b, loc, RankedTensorType::get(type.getShape(), type.getElementType()),
        out, /*restrict=*/true, /*writable=*/true);
  }

  /// A rank-1 constant of `values`; from 4 KiB on, unless a splat, a
  /// resource blob, which the JIT binds in place instead of copying it into
  /// the compiled code.
  template <typename T>
  static ElementsAttr constantVector(Type element,
                                     const std::vector<T> &values) {
    auto type = RankedTensorType::get({int64_t(values.size())}, element);
    size_t bytes = values.size() * sizeof(T);
    if (bytes < 4096 || llvm::all_equal(values))
      return DenseElementsAttr::get(type, ArrayRef(values));
    return DenseResourceElementsAttr::get(
        type, "__qf_packed_weight",
        HeapAsmResourceBlob::allocateAndCopyWithAlign(
            ArrayRef(reinterpret_cast<const char *>(values.data()), bytes),
            64));
  }

  /// qf.matmul on constant 8-bit weights to the W8A8 kernel.
  void rewriteInteger(MatmulOp op, SymbolTable &symbols) {
    auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    auto lhsQ = dyn_cast<quant::UniformQuantizedType>(lhsType.getElementType());
    auto rhsQ = cast<quant::QuantizedType>(rhsType.getElementType());
    auto storage = op.getRhs().getDefiningOp<quant::StorageCastOp>();
    ConstantData codes;
    if (lhsType.getRank() != 2 || rhsType.getRank() != 2 || !lhsQ ||
        !staticBeyondRows(lhsType) || !rhsType.hasStaticShape() ||
        !lhsQ.isSigned() || lhsQ.getStorageTypeIntegralWidth() != 8 ||
        !rhsQ.isSigned() || rhsQ.getStorageTypeIntegralWidth() != 8 ||
        !storage || !matchConstantData(storage.getInput(), codes) ||
        !isa<IntegerType>(codes.getElementType()))
      return;
    std::optional<int32_t> axis = getQuantizedAxis(rhsQ);
    if (axis && *axis != 1)
      return; // zero points per output channel only
    const int64_t k = rhsType.getDimSize(0), n = rhsType.getDimSize(1);
    SmallVector<int64_t> zeroPoints = getZeroPoints(rhsQ);
    std::vector<int8_t> w;
    for (int64_t v : codes.ints())
      w.push_back(int8_t(v));
    std::vector<int32_t> zps(zeroPoints.begin(), zeroPoints.end());
    kernels::PackedS8 packed = kernels::packS8(w.data(), k, n, zps);

    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    auto i8 = IntegerType::get(ctx, 8), i32 = IntegerType::get(ctx, 32);
    func::FuncOp kernel =
        declare(module, symbols, kernels::kGemmS8Function,
                {matrixOf(i8), i32, i32, vectorOf(i8), vectorOf(i32),
                 vectorOf(i32), vectorOf(i32), matrixOf(i32)});
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value packedW =
        global(b, loc, symbols, i8, constantVector(i8, packed.data));
    Value colSums =
        global(b, loc, symbols, i32, constantVector(i32, packed.colSums));
    Value zpsW =
        global(b, loc, symbols, i32, constantVector(i32, packed.zeroPoints));
    // The integer views, copied where other ops share the operands.
    Value a = bufferOf(
        b, loc,
        quant::StorageCastOp::create(b, loc, lhsType.clone(i8), op.getLhs()),
        sharedBeyond(op.getLhs(), op));
    Value bias;
    if (Value given = op.getBias()) {
      auto biasType = cast<RankedTensorType>(given.getType());
      bias = bufferOf(
          b, loc,
          quant::StorageCastOp::create(b, loc, biasType.clone(i32), given),
          sharedBeyond(given, op));
    } else {
      bias = memref::AllocaOp::create(b, loc, MemRefType::get({0}, i32));
    }
    SmallVector<Value> rows;
    if (resultType.isDynamicDim(0))
      rows.push_back(tensor::DimOp::create(b, loc, op.getLhs(), 0));
    Value acc = memref::AllocOp::create(
        b, loc, MemRefType::get(resultType.getShape(), i32), rows,
        b.getI64IntegerAttr(64));
    Value za = arith::ConstantIntOp::create(b, loc, lhsQ.getZeroPoint(), 32);
    Value layout =
        arith::ConstantIntOp::create(b, loc, int64_t(packed.layout), 32);
    Value result = callKernel(
        b, loc, kernel, {a, za, layout, packedW, colSums, zpsW, bias}, acc);
    op.getResult().replaceAllUsesWith(
        quant::StorageCastOp::create(b, loc, resultType, result));
    op.erase();
  }

  void rewrite(linalg::MatmulOp op, const ConstantData &weight,
               func::FuncOp kernel, SymbolTable &symbols) {
    auto wType = cast<RankedTensorType>(weight.getType());
    const int64_t k = wType.getDimSize(0), n = wType.getDimSize(1);
    std::vector<float> values = weight.floats();
    kernels::PackedF32 packed = kernels::packF32(values.data(), k, n);

    OpBuilder b(op);
    Location loc = op.getLoc();
    Value weights = global(b, loc, symbols, b.getF32Type(),
                           constantVector(b.getF32Type(), packed.data));
    Value result = callKernel(b, loc, kernel,
                              {bufferOf(b, loc, op.getInputs()[0],
                                        sharedBeyond(op.getInputs()[0], op)),
                               weights},
                              accumulatorFrom(b, loc, op.getOutputs()[0]));
    op.getResult(0).replaceAllUsesWith(result);
    op.erase();
  }
};

} // namespace
