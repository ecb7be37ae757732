//===- Datasets.h - Evaluation data served in batches -------------*- C++
//-*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A dataset is a sequence of units (a text window, an image), each with the
// targets of its scored positions. qf-eval asks for the model input of a
// run of units as one batch tensor and scores each unit's rows of logits.
//
//   TextWindows   next-byte prediction over a file read through a mapping:
//                 window i is bytes [iW, iW + W), its targets the bytes
//                 [iW + 1, iW + W + 1); the last byte is only a target.
//   LabeledArrays classification: an input array [N, ...] and labels [N]
//                 from one .npz.
//
//===----------------------------------------------------------------------===//

#ifndef QF_EVALUATION_DATASETS_H
#define QF_EVALUATION_DATASETS_H

#include "runtime/IO/HostTensor.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>

namespace mlir::qf::evaluation {

class Dataset {
public:
  virtual ~Dataset();
  /// Units to score.
  virtual int64_t size() const = 0;
  /// Scored positions per unit (a window's length; 1 for an image).
  virtual int64_t positions() const = 0;
  /// "windows", "images": for progress and reports.
  virtual llvm::StringRef unitName() const = 0;
  /// The input of units [begin, begin + count) as `rows` >= count rows of
  /// `dtype`; rows past `count` repeat the last unit (and are not scored).
  virtual llvm::Expected<runtime::HostTensor>
  batch(int64_t begin, int64_t count, int64_t rows,
        runtime::DType dtype) const = 0;
  /// The target class of each scored position of `unit`.
  virtual void targets(int64_t unit,
                       llvm::SmallVectorImpl<int64_t> &out) const = 0;
  /// Identifies the data and its split into units, so scores saved on one
  /// dataset are only compared with scores of the same.
  virtual uint64_t fingerprint() const = 0;
};

/// Windows of `window` bytes of the file at `path`, at most `limit` (0: all).
llvm::Expected<std::unique_ptr<Dataset>>
openTextWindows(llvm::StringRef path, int64_t window, int64_t limit);

/// The `inputName` array and `labelsName` labels (integers) of an .npz, at
/// most `limit` units (0: all).
llvm::Expected<std::unique_ptr<Dataset>>
openLabeledArrays(llvm::StringRef path, llvm::StringRef inputName,
                  llvm::StringRef labelsName, int64_t limit);

} // namespace mlir::qf::evaluation

#endif // QF_EVALUATION_DATASETS_H
