# -*- Python -*-
# The QuantForge lit suite: it mirrors the source tree.

import os
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "QuantForge"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qf_obj_root, "test")
# The GoogleTest suite has its own config under unit/.
config.excludes = ["Inputs", "corpus", "lib", "lit.cfg.py", "lit.site.cfg.py", "consumer",
                   "CMakeLists.txt"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%qf_src_root", config.qf_src_root))
config.substitutions.append(("%qf_obj_root", config.qf_obj_root))
config.substitutions.append(("%mlir_dir", config.mlir_dir))
config.substitutions.append(
    ("%qf_test_plugin", os.path.join(config.qf_obj_root, "lib", "QFTestPassPlugin.so")))
for name, lib in (("%qf_example_plugin", "QFExampleBackend.so"),
                  ("%qf_stale_plugin", "QFExampleBackendStale.so")):
    config.substitutions.append(
        (name, os.path.join(config.qf_obj_root, "lib", lib)))
config.substitutions.append(("%qf_cmake", config.cmake_command))
config.substitutions.append(("%qf_generator", config.cmake_generator))
config.substitutions.append(("%qf_cxx", config.cxx_compiler))
config.substitutions.append(("%qf_cc", config.c_compiler))
config.substitutions.append(("%qf_launcher", config.cxx_launcher))
config.substitutions.append(("%qf_ldflags", config.linker_flags))

# The sanitizer runs' settings (lit passes ASAN/TSAN/UBSAN_OPTIONS itself):
# LeakSanitizer's suppressions, and OpenBLAS on one thread under TSan
# (scripts/run-tsan.sh).
llvm_config.with_system_environment(["HOME", "TMPDIR", "CCACHE_DIR",
                                     "LSAN_OPTIONS", "OPENBLAS_NUM_THREADS"])
llvm_config.use_default_substitutions()

tool_dirs = [config.qf_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["qf-opt", "qf-run", "qf-eval"], tool_dirs)
# Reference values are computed at test time with Debian's NumPy, which only
# /usr/bin/python3 sees.
config.substitutions.append(("%numpy_python", "/usr/bin/python3"))
# Python loading our extension: under ASan (make check-sanitize) the
# interpreter is not instrumented, so the sanitizer's shared runtime is
# preloaded, and leaks are not reported (the interpreter's own would be).
python_env = "env"
if "-fsanitize=address" in config.cxx_flags:
    asan_runtime = subprocess.run(
        [config.cxx_compiler, "-print-file-name=libclang_rt.asan-x86_64.so"],
        capture_output=True, text=True, check=True).stdout.strip()
    python_env = ("env LD_PRELOAD=" + asan_runtime +
                  " ASAN_OPTIONS=detect_leaks=0:allow_user_poisoning=0")
config.substitutions.append(("%qf_python_env", python_env))
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# Helper scripts under Inputs/ call the tools by name.
llvm_config.with_environment("PATH", config.qf_tools_dir, append_path=True)

# One feature per backend the build has (backend-cpu, backend-gpu-nvvm,
# backend-vulkan-spirv): test/plugins/<name>/ requires its own, so a build
# without a backend skips that backend's tests.
for backend in filter(None, config.qf_backends.split(";")):
    config.available_features.add("backend-" + backend)

# CUDA's ptxas (from /usr/local/cuda or PATH) checks the PTX the gpu-nvvm
# backend writes and serializes cubins; without it those tests are
# UNSUPPORTED.
import shutil
cuda_bin = "/usr/local/cuda/bin"
if os.path.exists(os.path.join(cuda_bin, "ptxas")):
    llvm_config.with_environment("PATH", cuda_bin, append_path=True)
if shutil.which("ptxas", path=config.environment["PATH"]) or os.path.exists(
        os.path.join(cuda_bin, "ptxas")):
    config.available_features.add("ptxas")

# A usable Vulkan device (lavapipe counts) makes the vulkan-spirv backend
# runnable; without one its execution tests are UNSUPPORTED.
config.environment.setdefault("XDG_RUNTIME_DIR", "/tmp")
try:
    listing = subprocess.run(
        [os.path.join(config.qf_tools_dir, "qf-opt"), "--qf-list-backends"],
        capture_output=True, text=True, timeout=60,
        env=dict(os.environ, XDG_RUNTIME_DIR="/tmp")).stdout
except (OSError, subprocess.SubprocessError):
    listing = ""
vulkan = listing.split("vulkan-spirv:", 1)
if len(vulkan) == 2 and "executor: available" in vulkan[1].split("\n")[2]:
    config.available_features.add("vulkan")
nvvm = listing.split("gpu-nvvm:", 1)
if len(nvvm) == 2 and "executor: available" in nvvm[1].split("\n")[2]:
    config.available_features.add("cuda-gpu")
if shutil.which("spirv-val"):
    config.available_features.add("spirv-val")

# The asan preset links the fuzz targets with libFuzzer; elsewhere they use
# the replay driver, whose own behaviour some tests check.
if config.qf_fuzz.upper() in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("libfuzzer")
