/*===- quantforge-c/Dialects.h - The qf dialect for C hosts -------*- C -*-===*\
|*                                                                            *|
|* Part of QuantForge.                                                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/
/*
 * A host that owns its MlirContext loads the qf dialect through its handle,
 * as it would an upstream dialect:
 *
 *   MlirDialectRegistry registry = mlirDialectRegistryCreate();
 *   mlirDialectHandleInsertDialect(mlirGetDialectHandle__qf__(), registry);
 *   mlirContextAppendDialectRegistry(context, registry);
 *
 * Inserting the handle also registers what the qf dialect's types need
 * (quant, and the dialects its ops build on).
 */

#ifndef QUANTFORGE_C_DIALECTS_H
#define QUANTFORGE_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(QF, qf);

#ifdef __cplusplus
}
#endif

#endif /* QUANTFORGE_C_DIALECTS_H */
