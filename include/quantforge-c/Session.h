/*===- quantforge-c/Session.h - The whole job through one C API ---*- C -*-===*\
|*                                                                            *|
|* Part of QuantForge.                                                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * The session API: import or read a model, quantize it with a recipe (or
 * run any pass pipeline) on calibration data held in memory, write it,
 * compile it for a backend and run it on the caller's buffers.
 *
 * Conventions (MLIR's C API, and IREE's where MLIR has none):
 * - Handles are opaque structs of one pointer; a null handle (check with
 *   qf*IsNull) reports failure. Each Create/Import/Read/Compile is paired
 *   with a Destroy; a model or executable must be destroyed before its
 *   session.
 * - Strings are MlirStringRef in (not necessarily null-terminated) and
 *   MlirStringCallback out (valid during the call only).
 * - Failures return a null handle or a failed MlirLogicalResult, after
 *   reporting each error (with its location when it has one) to the
 *   session's diagnostic callback; without a callback they go to stderr.
 * - No C++ type crosses the boundary. The ABI is versioned: a host built
 *   against QF_API_VERSION_MAJOR N runs with any library whose
 *   qfGetAPIVersion() >> 16 is N and whose minor is at least its own.
 * - A session is one MlirContext. Two threads may use two sessions at
 *   once; one session is used by one thread at a time.
 */

#ifndef QUANTFORGE_C_SESSION_H
#define QUANTFORGE_C_SESSION_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QF_API_VERSION_MAJOR 1
#define QF_API_VERSION_MINOR 1

/* The library's version: major << 16 | minor. */
MLIR_CAPI_EXPORTED uint32_t qfGetAPIVersion(void);

#define QF_DEFINE_HANDLE(name)                                                 \
  struct name {                                                                \
    void *ptr;                                                                 \
  };                                                                           \
  typedef struct name name

QF_DEFINE_HANDLE(QfSession);
QF_DEFINE_HANDLE(QfModel);
QF_DEFINE_HANDLE(QfDataset);
QF_DEFINE_HANDLE(QfExecutable);

#undef QF_DEFINE_HANDLE

static inline bool qfSessionIsNull(QfSession s) { return !s.ptr; }
static inline bool qfModelIsNull(QfModel m) { return !m.ptr; }
static inline bool qfDatasetIsNull(QfDataset d) { return !d.ptr; }
static inline bool qfExecutableIsNull(QfExecutable e) { return !e.ptr; }

/*===----------------------------------------------------------------------===*
 * Tensors: the caller's memory, described.
 *===----------------------------------------------------------------------===*/

#define QF_MAX_RANK 8
/* A dimension the signature leaves open (ShapedType::kDynamic). */
#define QF_DYNAMIC INT64_MIN

typedef enum QfDType {
  QF_DTYPE_F16,
  QF_DTYPE_BF16,
  QF_DTYPE_F32,
  QF_DTYPE_F64,
  QF_DTYPE_I8,
  QF_DTYPE_U8,
  QF_DTYPE_I16,
  QF_DTYPE_I32,
  QF_DTYPE_I64,
  QF_DTYPE_BOOL,
} QfDType;

/* Bytes per element of `dtype`. */
MLIR_CAPI_EXPORTED intptr_t qfDTypeSize(QfDType dtype);

/*
 * A tensor the caller owns: `rank` sizes, and strides in bytes (all zero:
 * C order, contiguous; so a broadcast along every dimension must be
 * expanded by the caller). `data` is aligned to the element size.
 */
typedef struct QfTensor {
  void *data;
  QfDType dtype;
  intptr_t rank;
  int64_t shape[QF_MAX_RANK];
  int64_t strides[QF_MAX_RANK];
} QfTensor;

/* A signature's argument or result: its qf.name (may be empty), dtype and
 * shape, QF_DYNAMIC where open. Valid while the executable lives. */
typedef struct QfTensorInfo {
  MlirStringRef name;
  QfDType dtype;
  intptr_t rank;
  const int64_t *shape;
} QfTensorInfo;

/*===----------------------------------------------------------------------===*
 * Sessions and diagnostics.
 *===----------------------------------------------------------------------===*/

typedef enum QfSeverity {
  QF_SEVERITY_ERROR,
  QF_SEVERITY_WARNING,
  QF_SEVERITY_NOTE,
  QF_SEVERITY_REMARK,
} QfSeverity;

/* `location` is "file:line:col" (empty where there is none), `message` the
 * text; both valid during the call only. */
typedef void (*QfDiagnosticCallback)(QfSeverity severity,
                                     MlirStringRef location,
                                     MlirStringRef message, void *userData);

/* A session with a context of its own that has every dialect, pass, recipe
 * and built-in backend QuantForge uses. `numThreads` bounds MLIR's threads
 * in this context (0: one per core, 1: none). The passes' own parallel
 * loops (GPTQ, calibration statistics) run on LLVM's process-wide pool,
 * one thread per core. */
MLIR_CAPI_EXPORTED QfSession qfSessionCreate(intptr_t numThreads);
MLIR_CAPI_EXPORTED void qfSessionDestroy(QfSession session);
/* The session's context (borrowed), for the MLIR C API. */
MLIR_CAPI_EXPORTED MlirContext qfSessionGetContext(QfSession session);
/* Replaces the callback (null: stderr). */
MLIR_CAPI_EXPORTED void
qfSessionSetDiagnosticCallback(QfSession session, QfDiagnosticCallback callback,
                               void *userData);
/* Draw a progress bar on stderr, when it is a terminal, while calibrating
 * (default: off). */
MLIR_CAPI_EXPORTED void qfSessionSetProgress(QfSession session, bool enabled);

/*===----------------------------------------------------------------------===*
 * Models: a module and the weights it refers to.
 *===----------------------------------------------------------------------===*/

/* One ONNX input's shape (fixes the dynamic dimensions). */
typedef struct QfInputShape {
  MlirStringRef name;
  intptr_t rank;
  const int64_t *shape;
} QfInputShape;

MLIR_CAPI_EXPORTED QfModel qfModelImportOnnx(QfSession session,
                                             MlirStringRef path,
                                             const QfInputShape *inputShapes,
                                             intptr_t numInputShapes);
/* Parses MLIR text (`name` is the buffer's name in locations). */
MLIR_CAPI_EXPORTED QfModel qfModelParse(QfSession session, MlirStringRef text,
                                        MlirStringRef name);
/* Reads MODEL.mlir (text or bytecode) and its weights: `weightsPath`, or
 * MODEL.safetensors beside it when empty and present. */
MLIR_CAPI_EXPORTED QfModel qfModelReadFile(QfSession session,
                                           MlirStringRef path,
                                           MlirStringRef weightsPath);
MLIR_CAPI_EXPORTED QfModel qfModelClone(QfModel model);
MLIR_CAPI_EXPORTED void qfModelDestroy(QfModel model);
/* The module (borrowed: the model owns it). */
MLIR_CAPI_EXPORTED MlirModule qfModelGetModule(QfModel model);

/* Prints the IR, weights inline, in pieces to `callback`. */
MLIR_CAPI_EXPORTED void qfModelPrint(QfModel model, MlirStringCallback callback,
                                     void *userData);
/* Writes the IR to `path` and the weights of 4 KiB or more to
 * `weightsPath` (empty: beside it, extension .safetensors), each file
 * whole or not at all. */
MLIR_CAPI_EXPORTED MlirLogicalResult qfModelWrite(QfModel model,
                                                  MlirStringRef path,
                                                  MlirStringRef weightsPath);

/* Runs a textual pass pipeline on the module ("builtin.module(...)" or
 * the list inside it). */
MLIR_CAPI_EXPORTED MlirLogicalResult qfModelRunPipeline(QfModel model,
                                                        MlirStringRef pipeline);

/*===----------------------------------------------------------------------===*
 * Calibration data in memory.
 *===----------------------------------------------------------------------===*/

/* A set of samples; each binds tensors to the entry's arguments by name
 * (qf.name, or the argument's position as text). */
MLIR_CAPI_EXPORTED QfDataset qfDatasetCreate(QfSession session);
MLIR_CAPI_EXPORTED void qfDatasetDestroy(QfDataset dataset);
/* Adds one sample (or several: a tensor with one more leading dimension
 * than its argument holds that many, as in a calibration .npz). A
 * contiguous tensor is used in place, so its memory must stay unchanged
 * until the dataset is destroyed; a strided one is copied. */
MLIR_CAPI_EXPORTED MlirLogicalResult
qfDatasetAddSample(QfDataset dataset, const MlirStringRef *names,
                   const QfTensor *tensors, intptr_t numTensors);
MLIR_CAPI_EXPORTED intptr_t qfDatasetGetNumParts(QfDataset dataset);

/*===----------------------------------------------------------------------===*
 * Quantizing.
 *===----------------------------------------------------------------------===*/

typedef struct QfQuantizeOptions {
  /* The backend calibration runs the model on (empty: "cpu"). */
  MlirStringRef backend;
  /* Build the report (per-weight schemes and errors, sizes, and with
   * calibration data, the output error against the float model). */
  bool report;
  /* The function the report compares (empty: "main"). */
  MlirStringRef entry;
} QfQuantizeOptions;

MLIR_CAPI_EXPORTED QfQuantizeOptions qfQuantizeOptionsGetDefault(void);

/* Quantizes the model in place with a built-in recipe (w4a16-gptq, ...) or
 * a recipe YAML file, calibrating on `calibration` (null for recipes that
 * do not calibrate). */
MLIR_CAPI_EXPORTED MlirLogicalResult qfModelQuantize(QfModel model,
                                                     MlirStringRef recipe,
                                                     QfDataset calibration,
                                                     QfQuantizeOptions options);

/* The names of the built-in recipes, one per call. */
MLIR_CAPI_EXPORTED void qfListRecipes(MlirStringCallback callback,
                                      void *userData);

typedef enum QfReportFormat {
  QF_REPORT_JSON,
  QF_REPORT_MARKDOWN,
} QfReportFormat;

/* The report of the last qfModelQuantize with options.report; fails when
 * there is none. */
MLIR_CAPI_EXPORTED MlirLogicalResult
qfModelGetReport(QfModel model, QfReportFormat format,
                 MlirStringCallback callback, void *userData);

/*===----------------------------------------------------------------------===*
 * Compiling and running.
 *===----------------------------------------------------------------------===*/

/* Compiles `entry` (empty: "main") for `backend` ("cpu", "gpu-nvvm",
 * "vulkan-spirv", ...). The model may be changed or destroyed afterwards. */
MLIR_CAPI_EXPORTED QfExecutable qfModelCompile(QfModel model,
                                               MlirStringRef backend,
                                               MlirStringRef entry);
MLIR_CAPI_EXPORTED void qfExecutableDestroy(QfExecutable executable);
MLIR_CAPI_EXPORTED intptr_t qfExecutableGetNumInputs(QfExecutable executable);
MLIR_CAPI_EXPORTED intptr_t qfExecutableGetNumOutputs(QfExecutable executable);
/* Index out of range: an error, and an info of rank -1. */
MLIR_CAPI_EXPORTED QfTensorInfo qfExecutableGetInput(QfExecutable executable,
                                                     intptr_t index);
MLIR_CAPI_EXPORTED QfTensorInfo qfExecutableGetOutput(QfExecutable executable,
                                                      intptr_t index);

/*
 * Runs the entry. Inputs are in the signature's order; contiguous ones are
 * read in place. Each output is either the caller's buffer (data set; its
 * dtype and shape must be the result's, strides as for inputs), or, with
 * data null, allocated by the library (64-byte aligned, C order; shape and
 * strides filled in) and released with qfTensorFree.
 */
MLIR_CAPI_EXPORTED MlirLogicalResult qfExecutableRun(QfExecutable executable,
                                                     const QfTensor *inputs,
                                                     intptr_t numInputs,
                                                     QfTensor *outputs,
                                                     intptr_t numOutputs);
MLIR_CAPI_EXPORTED void qfTensorFree(QfTensor *tensor);

#ifdef __cplusplus
}
#endif

#endif /* QUANTFORGE_C_SESSION_H */
