/*===- session.c - The session API end to end, from C ---------------------===*\
|*                                                                            *|
|* Part of QuantForge.                                                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 *   qf-capi-session MODEL.onnx NAME=D0,D1,... RECIPE INPUT.bin OUTPUT.bin
 *                   [OUT.mlir]
 *
 * Imports MODEL with the one input's shape, quantizes it with RECIPE (no
 * calibration), compiles it for the CPU, runs it on the raw int64 or f32
 * elements of INPUT.bin (the dtype the input has) in a buffer of ours, and
 * writes the first output's raw bytes, from a buffer of ours, to
 * OUTPUT.bin. With OUT.mlir, also writes the quantized model. Then checks
 * that errors come back as diagnostics: a wrong input shape, an unknown
 * recipe, a missing file. Exit status 0 only if all of that holds.
 */

#include "quantforge-c/Session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int errors = 0;
static char lastError[4096];

static void onDiagnostic(QfSeverity severity, MlirStringRef location,
                         MlirStringRef message, void *userData) {
  (void)userData;
  if (severity == QF_SEVERITY_ERROR) {
    ++errors;
    snprintf(lastError, sizeof lastError, "%.*s%s%.*s", (int)location.length,
             location.data, location.length ? ": " : "", (int)message.length,
             message.data);
  }
}

static MlirStringRef str(const char *s) {
  return mlirStringRefCreateFromCString(s);
}

static int check(int ok, const char *what) {
  if (!ok)
    fprintf(stderr, "FAILED: %s (last error: %s)\n", what, lastError);
  return ok;
}

/* A buffer of ours for a static signature's argument or result. */
static QfTensor allocate(QfTensorInfo info, size_t *bytes) {
  QfTensor tensor;
  memset(&tensor, 0, sizeof tensor);
  tensor.dtype = info.dtype;
  tensor.rank = info.rank;
  size_t count = 1;
  for (intptr_t d = 0; d < info.rank; ++d)
    count *= (size_t)(tensor.shape[d] = info.shape[d]);
  *bytes = count * qfDTypeSize(info.dtype);
  tensor.data = malloc(*bytes);
  return tensor;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr,
            "usage: %s MODEL.onnx NAME=D0,... RECIPE IN.bin OUT.bin "
            "[OUT.mlir]\n",
            argv[0]);
    return 2;
  }
  if (!check(qfGetAPIVersion() >> 16 == QF_API_VERSION_MAJOR, "ABI version"))
    return 1;

  /* NAME=D0,D1,... */
  char name[256];
  int64_t dims[QF_MAX_RANK];
  intptr_t rank = 0;
  const char *eq = strchr(argv[2], '=');
  if (!eq || eq - argv[2] >= (long)sizeof name)
    return 2;
  memcpy(name, argv[2], eq - argv[2]);
  name[eq - argv[2]] = 0;
  for (const char *p = eq + 1; *p && rank < QF_MAX_RANK; ++rank) {
    char *end;
    dims[rank] = strtoll(p, &end, 10);
    p = *end == ',' ? end + 1 : end;
  }

  QfSession session = qfSessionCreate(1);
  qfSessionSetDiagnosticCallback(session, onDiagnostic, NULL);
  QfInputShape shape = {str(name), rank, dims};
  QfModel model = qfModelImportOnnx(session, str(argv[1]), &shape, 1);
  if (!check(!qfModelIsNull(model), "import"))
    return 1;
  QfQuantizeOptions options = qfQuantizeOptionsGetDefault();
  if (!check(mlirLogicalResultIsSuccess(qfModelQuantize(
                 model, str(argv[3]), (QfDataset){NULL}, options)),
             "quantize"))
    return 1;
  if (argc > 6 && !check(mlirLogicalResultIsSuccess(
                             qfModelWrite(model, str(argv[6]), str(""))),
                         "write"))
    return 1;
  QfExecutable executable = qfModelCompile(model, str("cpu"), str("main"));
  if (!check(!qfExecutableIsNull(executable), "compile"))
    return 1;
  qfModelDestroy(model);

  /* The input, read into a buffer of ours. */
  size_t bytes;
  QfTensor input = allocate(qfExecutableGetInput(executable, 0), &bytes);
  FILE *f = fopen(argv[4], "rb");
  if (!check(f && fread(input.data, 1, bytes, f) == bytes, "read input"))
    return 1;
  fclose(f);

  /* The output, into a buffer of ours of the signature's shape. */
  size_t outBytes;
  QfTensor output = allocate(qfExecutableGetOutput(executable, 0), &outBytes);
  if (!check(mlirLogicalResultIsSuccess(
                 qfExecutableRun(executable, &input, 1, &output, 1)),
             "run"))
    return 1;
  f = fopen(argv[5], "wb");
  if (!check(f && fwrite(output.data, 1, outBytes, f) == outBytes,
             "write output"))
    return 1;
  fclose(f);

  /* Errors come back as diagnostics and failures, never as a crash. */
  int before = errors;
  input.shape[input.rank - 1] += 1;
  int ok = check(mlirLogicalResultIsFailure(
                     qfExecutableRun(executable, &input, 1, &output, 1)) &&
                     errors > before && strstr(lastError, "cannot take"),
                 "a wrong input shape is refused");
  printf("wrong shape: %s\n", lastError);
  input.shape[input.rank - 1] -= 1;
  QfModel again = qfModelImportOnnx(session, str(argv[1]), &shape, 1);
  ok &= check(mlirLogicalResultIsFailure(qfModelQuantize(
                  again, str("w5a16-nonsense"), (QfDataset){NULL}, options)),
              "an unknown recipe is refused");
  printf("bad recipe: %s\n", lastError);
  ok &= check(qfModelIsNull(qfModelImportOnnx(
                  session, str("/nonexistent/model.onnx"), NULL, 0)),
              "a missing file is refused");
  printf("missing file: %s\n", lastError);
  qfModelDestroy(again);

  free(input.data);
  free(output.data);
  qfExecutableDestroy(executable);
  qfSessionDestroy(session);
  printf("session: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
