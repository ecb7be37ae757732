//===- IOTestSupport.h - Helpers for the runtime I/O tests ------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Shared by NumpyIOTest.cpp and SafeTensorsTest.cpp: the committed inputs, a
// scratch directory, and error checks that read well in an EXPECT.
//
//===----------------------------------------------------------------------===//

#ifndef QF_TEST_UNIT_RUNTIME_IOTESTSUPPORT_H
#define QF_TEST_UNIT_RUNTIME_IOTESTSUPPORT_H

#include "runtime/IO/HostTensor.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#ifndef QF_RUNTIME_INPUTS
#error "define QF_RUNTIME_INPUTS as the path of test/unit/Runtime/Inputs"
#endif

namespace qf_io_test {

using namespace mlir::qf::runtime;

inline const DType kAllDTypes[] = {
    DType::F16, DType::BF16, DType::F32, DType::F64, DType::I8,
    DType::U8,  DType::I16,  DType::I32, DType::I64, DType::Bool};

/// Ranks 0 to 4, with and without zero-size dimensions.
inline const std::vector<std::vector<int64_t>> kShapes = {
    {}, {5}, {0}, {2, 3}, {3, 0}, {2, 1, 3}, {2, 0, 3}, {1, 2, 3, 2}};

inline std::string inputPath(llvm::StringRef name) {
  return (llvm::Twine(QF_RUNTIME_INPUTS) + "/" + name).str();
}

inline std::string readBytes(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  EXPECT_TRUE(bool(buffer)) << "cannot read " << path.str();
  return buffer ? (*buffer)->getBuffer().str() : std::string();
}

/// A tensor whose bytes are a pattern distinct per position and per call, so
/// a round trip that drops, reorders or mixes up tensors shows.
inline HostTensor patterned(DType dtype, llvm::ArrayRef<int64_t> shape,
                            unsigned seed = 0) {
  HostTensor tensor(dtype, shape);
  auto *bytes = tensor.dataAs<uint8_t>();
  for (size_t i = 0; i < tensor.byteSize(); ++i)
    bytes[i] = dtype == DType::Bool ? (i + seed) % 2 : i * 37 + 11 + seed;
  return tensor;
}

inline ::testing::AssertionResult sameTensor(const HostTensor &a,
                                             const HostTensor &b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape())
    return ::testing::AssertionFailure()
           << a.describe() << " vs " << b.describe();
  if (a.byteSize() && std::memcmp(a.data(), b.data(), a.byteSize()))
    return ::testing::AssertionFailure() << a.describe() << " data differs";
  return ::testing::AssertionSuccess();
}

template <typename T> std::vector<T> valuesOf(const HostTensor &tensor) {
  std::vector<T> values(tensor.byteSize() / sizeof(T));
  if (!values.empty())
    std::memcpy(values.data(), tensor.data(), tensor.byteSize());
  return values;
}

/// Passes when `result` is an error whose message starts with `what` and
/// contains `needle`.
template <typename T>
::testing::AssertionResult failsWith(llvm::Expected<T> result,
                                     llvm::StringRef what,
                                     llvm::StringRef needle) {
  if (result)
    return ::testing::AssertionFailure()
           << "succeeded, expected '" << needle.str() << "'";
  std::string message = llvm::toString(result.takeError());
  if (!llvm::StringRef(message).starts_with((what + ": ").str()) ||
      message.find(needle.str()) == std::string::npos)
    return ::testing::AssertionFailure()
           << "message '" << message << "' lacks '" << what.str() << ": ' or '"
           << needle.str() << "'";
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult
failsWith(llvm::Error error, llvm::StringRef what, llvm::StringRef needle) {
  if (!error)
    return ::testing::AssertionFailure()
           << "succeeded, expected '" << needle.str() << "'";
  return failsWith(llvm::Expected<bool>(std::move(error)), what, needle);
}

/// A fresh directory, removed with everything in it.
class ScratchDir : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("qf-runtime-io", dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string path(llvm::StringRef name) const {
    llvm::SmallString<128> result(dir);
    llvm::sys::path::append(result, name);
    return result.str().str();
  }

  /// Names in the directory, sorted: temporary files must not linger.
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
         it.increment(ec))
      names.push_back(llvm::sys::path::filename(it->path()).str());
    std::sort(names.begin(), names.end());
    return names;
  }

  llvm::SmallString<128> dir;
};

} // namespace qf_io_test

#endif // QF_TEST_UNIT_RUNTIME_IOTESTSUPPORT_H
