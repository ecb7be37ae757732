/*===- host.c - A C host that owns its MLIR context runs QuantForge -------===*\
|*                                                                            *|
|* Part of QuantForge.                                                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 *   qf-host MODEL.mlir
 *
 * What an ML compiler written against MLIR's C API does to use QuantForge
 * inside its own pipeline: it creates the context, loads the qf dialect
 * through its handle next to the upstream dialects, parses its model, and
 * adds QuantForge's passes to its own pass manager, one as a pass object
 * (mlirCreate...) and one from text with options. It prints the result.
 */

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/RegisterEverything.h"
#include "mlir-c/Support.h"
#include "quantforge-c/Dialects.h"
#include "quantforge-c/Passes.h"

#include <stdio.h>
#include <stdlib.h>

static void print(MlirStringRef text, void *userData) {
  fwrite(text.data, 1, text.length, (FILE *)userData);
}

static char *readFile(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc(size + 1);
  if (text && fread(text, 1, size, f) == (size_t)size)
    text[size] = 0;
  fclose(f);
  return text;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.mlir\n", argv[0]);
    return 2;
  }
  char *text = readFile(argv[1]);
  if (!text) {
    fprintf(stderr, "qf-host: cannot read '%s'\n", argv[1]);
    return 1;
  }

  /* The host's context: the upstream dialects, and qf through its handle. */
  MlirContext context = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirRegisterAllDialects(registry);
  mlirDialectHandleInsertDialect(mlirGetDialectHandle__qf__(), registry);
  mlirContextAppendDialectRegistry(context, registry);
  mlirDialectRegistryDestroy(registry);
  mlirContextLoadAllAvailableDialects(context);

  MlirModule module =
      mlirModuleCreateParse(context, mlirStringRefCreateFromCString(text));
  free(text);
  if (mlirModuleIsNull(module)) {
    fprintf(stderr, "qf-host: cannot parse '%s'\n", argv[1]);
    return 1;
  }

  /* QuantForge's passes in the host's own pass manager. */
  mlirRegisterQFPasses();
  MlirPassManager pm = mlirPassManagerCreate(context);
  MlirOpPassManager top = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult added = mlirOpPassManagerAddPipeline(
      top, mlirStringRefCreateFromCString("quant-quantize{scheme=w8a8}"), print,
      stderr);
  if (mlirLogicalResultIsFailure(added))
    return 1;
  mlirPassManagerAddOwnedPass(pm, mlirCreateQFLoweringConvertQFToLinalgPass());
  MlirLogicalResult ran =
      mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  if (mlirLogicalResultIsFailure(ran)) {
    fprintf(stderr, "qf-host: the pipeline failed\n");
    return 1;
  }
  mlirOperationPrint(mlirModuleGetOperation(module), print, stdout);
  printf("\n");

  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);
  mlirContextDestroy(context);
  return 0;
}
