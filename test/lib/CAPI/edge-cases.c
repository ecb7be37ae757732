/*===- edge-cases.c - The session API's corners, from C -------------------===*\
|*                                                                            *|
|* Part of QuantForge.                                                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * Prints one line per case for test/capi/edge-cases.test: diagnostics with
 * their locations, dynamic shapes with library-allocated outputs, strided
 * inputs and outputs, buffers of the wrong shape, in-memory calibration;
 * or, given a path, only a model that crashes MLIR's parser (whose
 * allocations the crash leaves behind).
 */

#include "quantforge-c/Session.h"

#include <stdio.h>
#include <string.h>

static void onDiagnostic(QfSeverity severity, MlirStringRef location,
                         MlirStringRef message, void *userData) {
  (void)userData;
  static const char *names[] = {"error", "warning", "note", "remark"};
  printf("  diagnostic %s at '%.*s': %.*s\n", names[severity],
         (int)location.length, location.data, (int)message.length,
         message.data);
}

static void printText(MlirStringRef text, void *userData) {
  (void)userData;
  fwrite(text.data, 1, text.length, stdout);
}

static MlirStringRef str(const char *s) {
  return mlirStringRefCreateFromCString(s);
}

static const char *doubler =
    "func.func @main(%x: tensor<?xf32>) -> tensor<?xf32> {\n"
    "  %y = arith.addf %x, %x : tensor<?xf32>\n"
    "  return %y : tensor<?xf32>\n"
    "}\n";

static const char *matmul =
    "func.func @main(%x: tensor<2x4xf32> {qf.name = \"x\"}) -> tensor<2x3xf32> "
    "{\n"
    "  %w = arith.constant dense<[[1.0, -2.0, 0.5], [0.25, 1.0, -1.0], "
    "[2.0, 0.0, 0.5], [-0.5, 0.5, 1.0]]> : tensor<4x3xf32>\n"
    "  %zero = arith.constant 0.0 : f32\n"
    "  %e = tensor.empty() : tensor<2x3xf32>\n"
    "  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> "
    "tensor<2x3xf32>\n"
    "  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) "
    "outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>\n"
    "  return %y : tensor<2x3xf32>\n"
    "}\n";

static QfTensor vector(float *data, int64_t n, int64_t strideBytes) {
  QfTensor t;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.dtype = QF_DTYPE_F32;
  t.rank = 1;
  t.shape[0] = n;
  t.strides[0] = strideBytes;
  return t;
}

int main(int argc, char **argv) {
  /* A model that crashes MLIR's parser: an error, and the session refuses
   * what follows. */
  if (argc > 1) {
    QfSession crashing = qfSessionCreate(1);
    qfSessionSetDiagnosticCallback(crashing, onDiagnostic, NULL);
    printf("parser crash:\n");
    printf("  null: %d\n",
           qfModelIsNull(qfModelReadFile(crashing, str(argv[1]), str(""))));
    printf("after it:\n");
    printf("  null: %d\n",
           qfModelIsNull(qfModelParse(crashing, str(doubler), str("ok.mlir"))));
    qfSessionDestroy(crashing);
    return 0;
  }
  printf("version %u.%u\n", qfGetAPIVersion() >> 16,
         qfGetAPIVersion() & 0xffff);
  QfSession session = qfSessionCreate(1);
  qfSessionSetDiagnosticCallback(session, onDiagnostic, NULL);

  printf("parse error:\n");
  QfModel bad = qfModelParse(
      session, str("func.func @main() {\n  return %x\n}\n"), str("bad.mlir"));
  printf("  null: %d\n", qfModelIsNull(bad));

  QfModel model = qfModelParse(session, str(doubler), str("doubler.mlir"));
  printf("unknown pass:\n");
  printf("  failed: %d\n", mlirLogicalResultIsFailure(qfModelRunPipeline(
                               model, str("builtin.module(no-such-pass)"))));
  printf("canonicalize: %d\n",
         mlirLogicalResultIsSuccess(
             qfModelRunPipeline(model, str("builtin.module(canonicalize)"))));
  QfExecutable run = qfModelCompile(model, str("cpu"), str(""));
  QfTensorInfo info = qfExecutableGetOutput(run, 0);
  printf("output rank %ld dynamic %d\n", (long)info.rank,
         info.shape[0] == QF_DYNAMIC);

  /* A strided input (every other float) and a library-allocated output. */
  float spaced[10] = {1, -1, 2, -1, 3, -1, 4, -1, 5, -1};
  QfTensor in = vector(spaced, 5, 2 * sizeof(float));
  QfTensor out;
  memset(&out, 0, sizeof out);
  int ok = mlirLogicalResultIsSuccess(qfExecutableRun(run, &in, 1, &out, 1));
  printf("allocated: %d rank %ld shape %ld stride %ld:", ok, (long)out.rank,
         (long)out.shape[0], (long)out.strides[0]);
  for (int i = 0; i < 5; ++i)
    printf(" %g", ((float *)out.data)[i]);
  printf("\n");
  qfTensorFree(&out);

  /* A strided output buffer of ours. */
  float wide[10] = {0};
  QfTensor strided = vector(wide, 5, 2 * sizeof(float));
  ok = mlirLogicalResultIsSuccess(qfExecutableRun(run, &in, 1, &strided, 1));
  printf("strided output: %d:", ok);
  for (int i = 0; i < 10; ++i)
    printf(" %g", wide[i]);
  printf("\n");

  /* A buffer of the wrong shape, and the wrong number of arguments. */
  float small[4];
  QfTensor wrong = vector(small, 4, 0);
  printf("wrong output shape:\n");
  printf("  failed: %d\n",
         mlirLogicalResultIsFailure(qfExecutableRun(run, &in, 1, &wrong, 1)));
  printf("wrong arity:\n");
  printf("  failed: %d\n",
         mlirLogicalResultIsFailure(qfExecutableRun(run, &in, 1, &out, 0)));
  printf("no input #3:\n");
  printf("  rank: %ld\n", (long)qfExecutableGetInput(run, 3).rank);
  printf("no report:\n");
  printf("  failed: %d\n", mlirLogicalResultIsFailure(qfModelGetReport(
                               model, QF_REPORT_JSON, printText, NULL)));
  qfExecutableDestroy(run);
  qfModelDestroy(model);

  /* Static int8 on samples held in memory: two stacked in one tensor. */
  QfModel mm = qfModelParse(session, str(matmul), str("matmul.mlir"));
  QfDataset data = qfDatasetCreate(session);
  float samples[2][2][4] = {{{1, 2, 3, 4}, {-1, 0, 1, 2}},
                            {{0.5f, -2, 1, 0}, {3, 1, -1, -3}}};
  QfTensor stack;
  memset(&stack, 0, sizeof stack);
  stack.data = samples;
  stack.dtype = QF_DTYPE_F32;
  stack.rank = 3;
  stack.shape[0] = 2;
  stack.shape[1] = 2;
  stack.shape[2] = 4;
  MlirStringRef name = str("x");
  qfDatasetAddSample(data, &name, &stack, 1);
  QfQuantizeOptions options = qfQuantizeOptionsGetDefault();
  options.report = true;
  ok = mlirLogicalResultIsSuccess(
      qfModelQuantize(mm, str("w8a8-static"), data, options));
  printf("quantized on %ld parts: %d\n", (long)qfDatasetGetNumParts(data), ok);
  printf("markdown report:\n");
  qfModelGetReport(mm, QF_REPORT_MARKDOWN, printText, NULL);
  printf("no names:\n");
  printf("  failed: %d\n",
         mlirLogicalResultIsFailure(qfDatasetAddSample(data, NULL, &stack, 1)));
  QfTensor badSample = stack;
  badSample.shape[2] = 3;
  printf("bad sample added: %d\n",
         mlirLogicalResultIsSuccess(
             qfDatasetAddSample(data, &name, &badSample, 1)));
  printf("calibrating on it:\n");
  QfModel again = qfModelParse(session, str(matmul), str("matmul.mlir"));
  printf("  failed: %d\n", mlirLogicalResultIsFailure(qfModelQuantize(
                               again, str("w8a8-static"), data, options)));

  qfDatasetDestroy(data);
  qfModelDestroy(again);
  qfModelDestroy(mm);
  qfSessionDestroy(session);

  return 0;
}
