//===- HostTensor.cpp - A dense host array with a dtype and a shape -------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "runtime/IO/HostTensor.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>

namespace mlir::qf::runtime {

// Generated code may use aligned vector loads on any tensor it is handed.
static constexpr size_t kAlignment = 64;

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    return 1;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
    return 2;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F64:
  case DType::I64:
    return 8;
  }
  llvm_unreachable("unknown DType");
}

llvm::StringRef dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::I8:
    return "i8";
  case DType::U8:
    return "u8";
  case DType::I16:
    return "i16";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  case DType::Bool:
    return "bool";
  }
  llvm_unreachable("unknown DType");
}

HostTensor::HostTensor(DType dtype, llvm::ArrayRef<int64_t> shape)
    : type(dtype), dims(shape) {
  assert(llvm::all_of(shape, [](int64_t dim) { return dim >= 0; }) &&
         "negative dimension");
  // Readers bound shapes long before this; a caller that does not gets a
  // clean out-of-memory report rather than a wrapped-around small block.
  // Every partial product is checked, so numElements() cannot overflow
  // either, even with a zero dimension at the end.
  uint64_t bytes = dtypeSize(dtype);
  bool overflow = false;
  for (int64_t dim : shape) {
    bool step = false;
    bytes = llvm::SaturatingMultiply<uint64_t>(bytes, dim, &step);
    overflow |= step || bytes > uint64_t(INT64_MAX);
  }
  if (overflow)
    llvm::report_bad_alloc_error("HostTensor: size overflows");
  // Even an empty tensor gets a real block, so data() is never null on a
  // constructed tensor and memcpy(data(), src, 0) stays well defined.
  // aligned_alloc wants a multiple of the alignment.
  bytes = llvm::alignTo(std::max<uint64_t>(bytes, 1), kAlignment);
  void *block = std::aligned_alloc(kAlignment, bytes);
  if (!block)
    llvm::report_bad_alloc_error("HostTensor: out of memory");
  std::memset(block, 0, bytes);
  storage.reset(block);
}

HostTensor HostTensor::view(DType dtype, llvm::ArrayRef<int64_t> shape,
                            void *data) {
  assert(data && "a view needs memory");
  assert(llvm::all_of(shape, [](int64_t dim) { return dim >= 0; }) &&
         "negative dimension");
  HostTensor tensor;
  tensor.type = dtype;
  tensor.dims.assign(shape.begin(), shape.end());
  tensor.storage = std::unique_ptr<void, Free>(data, Free{/*borrowed=*/true});
  return tensor;
}

int64_t HostTensor::numElements() const {
  // Default-constructed and moved-from tensors own no storage: reporting zero
  // elements keeps byteSize() honest about what data() points to.
  if (!storage)
    return 0;
  int64_t count = 1;
  for (int64_t dim : dims)
    count *= dim;
  return count;
}

std::string HostTensor::describe() const {
  std::string text = dtypeName(type).str();
  text += '[';
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      text += 'x';
    text += std::to_string(dims[i]);
  }
  text += ']';
  return text;
}

void HostTensor::Free::operator()(void *p) const {
  if (!borrowed)
    std::free(p);
}

const HostTensor *lookup(const NamedTensors &tensors, llvm::StringRef name) {
  for (const auto &[tensorName, tensor] : tensors)
    if (tensorName == name)
      return &tensor;
  return nullptr;
}

} // namespace mlir::qf::runtime
