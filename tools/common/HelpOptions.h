//===- HelpOptions.h - --help with the tool's own options -------*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Linking LLVM and MLIR registers hundreds of command-line options (every
// target's code generator flags, AMDGPU to X86), which --help would list
// around a tool's ten. The tools put their options in a category of their
// own, named to print first, and hide the others from --help; --help-hidden
// still lists them all, for developers.
//
//===----------------------------------------------------------------------===//

#ifndef QF_TOOLS_COMMON_HELPOPTIONS_H
#define QF_TOOLS_COMMON_HELPOPTIONS_H

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"

namespace mlir::qf::tools {

/// Hides from --help every option outside `toolOptions`, except LLVM's
/// --help, --help-list and --version. Call before
/// cl::ParseCommandLineOptions.
inline void hideLibraryOptions(llvm::cl::OptionCategory &toolOptions) {
  for (auto &[name, option] : llvm::cl::getRegisteredOptions())
    if (!llvm::is_contained(option->Categories, &toolOptions) &&
        !llvm::is_contained({"help", "help-list", "version"}, name) &&
        option->getOptionHiddenFlag() == llvm::cl::NotHidden)
      option->setHiddenFlag(llvm::cl::Hidden);
}

} // namespace mlir::qf::tools

#endif // QF_TOOLS_COMMON_HELPOPTIONS_H
