//===- Registration.cpp - The qf dialect and passes for C hosts -----------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "capi/Handles.h"

#include "dialects/QF/QFDialect.h"
#include "lowering/Passes.h"
#include "passes/Passes.h"
#include "pipelines/RecipePipelines.h"
#include "plugins/BuiltinBackends.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Pass.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/InitAllPasses.h"

#include "quantforge-c/Dialects.h"
#include "quantforge-c/Passes.h"

#include "llvm/Support/CrashRecoveryContext.h"

#include <mutex>

using namespace mlir;
using namespace mlir::qf;

//===----------------------------------------------------------------------===//
// The dialect handle: inserting it registers what qf's types build on too.
//===----------------------------------------------------------------------===//

static void insertQFDialect(MlirDialectRegistry registry) {
  registerQFDialect(*unwrap(registry));
}

static MlirDialect loadQFDialect(MlirContext context) {
  return wrap(unwrap(context)->getOrLoadDialect<QFDialect>());
}

static MlirStringRef qfNamespace() {
  return wrap(QFDialect::getDialectNamespace());
}

MlirDialectHandle mlirGetDialectHandle__qf__() {
  static MlirDialectRegistrationHooks hooks = {insertQFDialect, loadQFDialect,
                                               qfNamespace};
  return MlirDialectHandle{&hooks};
}

//===----------------------------------------------------------------------===//
// Passes (generated: mlirCreateQF<Def>, mlirRegisterQF<Def>, ...)
//===----------------------------------------------------------------------===//

#include "quantforge-c/LoweringPasses.capi.cpp.inc"
#include "quantforge-c/Passes.capi.cpp.inc"

void mlirRegisterQuantForgePipelines(void) { capi::registerGlobals(); }

void capi::registerGlobals() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerAllPasses();
    registerQFPasses();
    registerQFLoweringPasses();
    recipes::registerRecipePipelines();
    plugin::registerBuiltinBackends();
    // MLIR's parser and verifier run under crash recovery
    // (parameters/ReadModel.h): a crash there is reported, not fatal to
    // the host.
    llvm::CrashRecoveryContext::Enable();
  });
}
