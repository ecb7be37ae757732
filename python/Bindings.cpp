//===- Bindings.cpp - quantforge._quantforge: the C API for Python --------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// A thin pybind11 layer over include/quantforge-c/Session.h, nothing else of
// ours: the Python package is a client of the C API like any host. What it
// adds: NumPy arrays as QfTensor (read in place; outputs of static shape
// written straight into new arrays), the GIL released around everything
// that compiles, calibrates or runs, and diagnostics raised as
// quantforge.CompilerError. quantforge/__init__.py is the public API.
//
//===----------------------------------------------------------------------===//

#include "quantforge-c/Session.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace py = pybind11;

namespace {

MlirStringRef ref(const std::string &s) { return {s.data(), s.size()}; }

struct Diagnostic {
  std::string severity, location, message;
};

/// A QfSession with what a call reported, and a lock: Python threads may
/// share a session, the C API wants one thread at a time.
class Session {
public:
  explicit Session(intptr_t numThreads) : handle(qfSessionCreate(numThreads)) {
    qfSessionSetDiagnosticCallback(handle, &Session::collect, this);
  }
  ~Session() { qfSessionDestroy(handle); }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  QfSession get() const { return handle; }
  std::mutex mutex;
  std::vector<Diagnostic> diagnostics;

  /// Raises quantforge.CompilerError with `reported` (the GIL held).
  [[noreturn]] static void raise(const std::vector<Diagnostic> &reported,
                                 const std::string &what) {
    py::list list;
    for (const Diagnostic &d : reported)
      list.append(py::make_tuple(d.severity, d.location, d.message));
    py::object cls =
        py::module_::import("quantforge.errors").attr("CompilerError");
    py::object error = cls(list, what);
    PyErr_SetObject(cls.ptr(), error.ptr());
    throw py::error_already_set();
  }

private:
  static void collect(QfSeverity severity, MlirStringRef location,
                      MlirStringRef message, void *userData) {
    static const char *const kNames[] = {"error", "warning", "note", "remark"};
    static_cast<Session *>(userData)->diagnostics.push_back(
        {kNames[severity], std::string(location.data, location.length),
         std::string(message.data, message.length)});
  }
  QfSession handle;
};
using SessionPtr = std::shared_ptr<Session>;

/// Runs `call` on the session without the GIL, one thread at a time;
/// raises when `ok` says the result is a failure.
template <typename Call, typename Ok>
auto locked(Session &session, const std::string &what, Call call, Ok ok) {
  decltype(call()) result;
  std::vector<Diagnostic> reported;
  {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(session.mutex);
    session.diagnostics.clear();
    result = call();
    // Taken under the lock: another thread's call may report next.
    reported = std::exchange(session.diagnostics, {});
  }
  if (!ok(result))
    Session::raise(reported, what);
  return result;
}

bool succeeded(MlirLogicalResult r) { return mlirLogicalResultIsSuccess(r); }

void appendString(MlirStringRef text, void *userData) {
  static_cast<std::string *>(userData)->append(text.data, text.length);
}

//===----------------------------------------------------------------------===//
// NumPy arrays as tensors
//===----------------------------------------------------------------------===//

const std::vector<std::pair<QfDType, const char *>> &dtypeNames() {
  static const std::vector<std::pair<QfDType, const char *>> names = {
      {QF_DTYPE_F16, "float16"}, {QF_DTYPE_F32, "float32"},
      {QF_DTYPE_F64, "float64"}, {QF_DTYPE_I8, "int8"},
      {QF_DTYPE_U8, "uint8"},    {QF_DTYPE_I16, "int16"},
      {QF_DTYPE_I32, "int32"},   {QF_DTYPE_I64, "int64"},
      {QF_DTYPE_BOOL, "bool"},   {QF_DTYPE_BF16, "bfloat16"}};
  return names;
}

std::string dtypeName(QfDType dtype) {
  for (const auto &[d, name] : dtypeNames())
    if (d == dtype)
      return name;
  return "?";
}

/// `array`, or a C-contiguous copy where its strides are all zero (a
/// broadcast), which the C API would take for C order.
py::array usable(py::array array) {
  bool broadcast = array.size() > 1;
  for (py::ssize_t d = 0; d < array.ndim(); ++d)
    broadcast &= array.strides(d) == 0;
  if (!broadcast)
    return array;
  return py::module_::import("numpy").attr("ascontiguousarray")(array);
}

/// `array` described in place (no copy; the caller keeps it alive).
QfTensor describe(const py::array &array, const std::string &what) {
  QfTensor tensor{};
  std::string name = py::str(array.dtype()).cast<std::string>();
  bool known = false;
  for (const auto &[d, n] : dtypeNames())
    if (name == n) {
      tensor.dtype = d;
      known = true;
    }
  if (!known || !array.dtype().attr("isnative").cast<bool>())
    throw py::type_error(what + ": arrays of " + name +
                         " cannot be passed to a model");
  if (array.ndim() > QF_MAX_RANK)
    throw py::value_error(what + ": rank " + std::to_string(array.ndim()) +
                          " is more than " + std::to_string(QF_MAX_RANK));
  tensor.rank = array.ndim();
  for (py::ssize_t d = 0; d < array.ndim(); ++d) {
    tensor.shape[d] = array.shape(d);
    tensor.strides[d] = array.strides(d);
  }
  // An empty array may have a null pointer; any aligned address will do.
  static int64_t dummy;
  tensor.data = array.size() ? const_cast<void *>(array.data()) : &dummy;
  return tensor;
}

py::dtype numpyDType(QfDType dtype) {
  if (dtype == QF_DTYPE_BF16)
    throw py::type_error("bfloat16 results have no NumPy dtype");
  return py::dtype(dtypeName(dtype));
}

py::dict info(const QfTensorInfo &t) {
  py::list shape;
  for (intptr_t d = 0; d < t.rank; ++d)
    shape.append(t.shape[d] == QF_DYNAMIC ? py::object(py::none())
                                          : py::object(py::int_(t.shape[d])));
  py::dict dict;
  dict["name"] = std::string(t.name.data, t.name.length);
  dict["dtype"] = dtypeName(t.dtype);
  dict["shape"] = py::tuple(shape);
  return dict;
}

//===----------------------------------------------------------------------===//
// Models, datasets, executables
//===----------------------------------------------------------------------===//

class Dataset {
public:
  explicit Dataset(SessionPtr session)
      : session(std::move(session)),
        handle(qfDatasetCreate(this->session->get())) {}
  ~Dataset() { qfDatasetDestroy(handle); }

  void add(const py::dict &sample) {
    std::vector<std::string> names;
    std::vector<QfTensor> tensors;
    for (auto [key, value] : sample) {
      names.push_back(py::str(key).cast<std::string>());
      py::array array = py::array::ensure(value);
      if (array)
        array = usable(array);
      if (!array)
        throw py::type_error("calibration input '" + names.back() +
                             "' is not an array");
      tensors.push_back(
          describe(array, "calibration input '" + names.back() + "'"));
      // Read in place by the dataset: kept alive as long as it is.
      keep.append(array);
    }
    std::vector<MlirStringRef> refs;
    for (const std::string &name : names)
      refs.push_back(ref(name));
    locked(
        *session, "invalid calibration sample",
        [&] {
          return qfDatasetAddSample(handle, refs.data(), tensors.data(),
                                    tensors.size());
        },
        succeeded);
  }
  QfDataset get() const { return handle; }

private:
  SessionPtr session;
  QfDataset handle;
  py::list keep;
};

class Executable {
public:
  Executable(SessionPtr session, QfExecutable handle)
      : session(std::move(session)), handle(handle) {}
  ~Executable() { qfExecutableDestroy(handle); }

  py::list inputs() const {
    py::list list;
    for (intptr_t i = 0, e = qfExecutableGetNumInputs(handle); i < e; ++i)
      list.append(info(qfExecutableGetInput(handle, i)));
    return list;
  }
  py::list outputs() const {
    py::list list;
    for (intptr_t i = 0, e = qfExecutableGetNumOutputs(handle); i < e; ++i)
      list.append(info(qfExecutableGetOutput(handle, i)));
    return list;
  }

  py::list run(std::vector<py::array> args) {
    std::vector<QfTensor> in;
    for (size_t i = 0; i < args.size(); ++i) {
      args[i] = usable(args[i]);
      in.push_back(describe(args[i], "input #" + std::to_string(i)));
    }
    // Outputs of static shape go straight into new arrays; the library
    // allocates the others, copied out and freed below.
    intptr_t numOutputs = qfExecutableGetNumOutputs(handle);
    std::vector<QfTensor> out(numOutputs);
    std::vector<py::array> arrays(numOutputs);
    for (intptr_t i = 0; i < numOutputs; ++i) {
      QfTensorInfo port = qfExecutableGetOutput(handle, i);
      if (port.dtype == QF_DTYPE_BF16)
        throw py::type_error("output #" + std::to_string(i) +
                             " is bfloat16, which NumPy has no dtype for");
      bool dynamic = false;
      std::vector<py::ssize_t> shape;
      for (intptr_t d = 0; d < port.rank; ++d) {
        dynamic |= port.shape[d] == QF_DYNAMIC;
        shape.push_back(port.shape[d]);
      }
      if (dynamic)
        continue;
      arrays[i] = py::array(numpyDType(port.dtype), shape);
      out[i] = describe(arrays[i], "output #" + std::to_string(i));
    }
    locked(
        *session, "the run failed",
        [&] {
          return qfExecutableRun(handle, in.data(), in.size(), out.data(),
                                 out.size());
        },
        succeeded);
    py::list results;
    for (intptr_t i = 0; i < numOutputs; ++i) {
      if (!arrays[i]) {
        std::vector<py::ssize_t> shape(out[i].shape,
                                       out[i].shape + out[i].rank);
        py::array copy(numpyDType(out[i].dtype), shape);
        std::memcpy(copy.mutable_data(), out[i].data, copy.nbytes());
        qfTensorFree(&out[i]);
        arrays[i] = copy;
      }
      results.append(arrays[i]);
    }
    return results;
  }

private:
  SessionPtr session;
  QfExecutable handle;
};

class Model {
public:
  Model(SessionPtr session, QfModel handle)
      : session(std::move(session)), handle(handle) {}
  ~Model() { qfModelDestroy(handle); }

  static std::shared_ptr<Model>
  importOnnx(const std::string &path,
             const std::map<std::string, std::vector<int64_t>> &shapes,
             intptr_t numThreads) {
    auto session = std::make_shared<Session>(numThreads);
    std::vector<QfInputShape> given;
    for (const auto &[name, dims] : shapes)
      given.push_back({ref(name), intptr_t(dims.size()), dims.data()});
    QfModel handle = locked(
        *session, "cannot import '" + path + "'",
        [&] {
          return qfModelImportOnnx(session->get(), ref(path), given.data(),
                                   given.size());
        },
        [](QfModel m) { return !qfModelIsNull(m); });
    return std::make_shared<Model>(session, handle);
  }

  static std::shared_ptr<Model> read(const std::string &path,
                                     const std::string &weights,
                                     intptr_t numThreads) {
    auto session = std::make_shared<Session>(numThreads);
    QfModel handle = locked(
        *session, "cannot read '" + path + "'",
        [&] {
          return qfModelReadFile(session->get(), ref(path), ref(weights));
        },
        [](QfModel m) { return !qfModelIsNull(m); });
    return std::make_shared<Model>(session, handle);
  }

  static std::shared_ptr<Model>
  parse(const std::string &text, const std::string &name, intptr_t numThreads) {
    auto session = std::make_shared<Session>(numThreads);
    QfModel handle = locked(
        *session, "cannot parse " + name,
        [&] { return qfModelParse(session->get(), ref(text), ref(name)); },
        [](QfModel m) { return !qfModelIsNull(m); });
    return std::make_shared<Model>(session, handle);
  }

  std::shared_ptr<Model> clone() {
    QfModel copy = locked(
        *session, "cannot clone the model",
        [&] { return qfModelClone(handle); },
        [](QfModel m) { return !qfModelIsNull(m); });
    return std::make_shared<Model>(session, copy);
  }

  std::string text() {
    std::string out;
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(session->mutex);
    qfModelPrint(handle, appendString, &out);
    return out;
  }

  void write(const std::string &path, const std::string &weights) {
    locked(
        *session, "cannot write '" + path + "'",
        [&] { return qfModelWrite(handle, ref(path), ref(weights)); },
        succeeded);
  }

  void runPipeline(const std::string &pipeline) {
    locked(
        *session, "the pipeline failed",
        [&] { return qfModelRunPipeline(handle, ref(pipeline)); }, succeeded);
  }

  void quantize(const std::string &recipe, Dataset *calibration,
                const std::string &backend, bool report,
                const std::string &entry, bool progress) {
    QfQuantizeOptions options = qfQuantizeOptionsGetDefault();
    options.backend = ref(backend);
    options.report = report;
    options.entry = ref(entry);
    QfDataset data = calibration ? calibration->get() : QfDataset{nullptr};
    locked(
        *session, "recipe '" + recipe + "' failed",
        [&] {
          qfSessionSetProgress(session->get(), progress);
          return qfModelQuantize(handle, ref(recipe), data, options);
        },
        succeeded);
  }

  std::string report(const std::string &format) {
    std::string out;
    QfReportFormat f =
        format == "markdown" ? QF_REPORT_MARKDOWN : QF_REPORT_JSON;
    locked(
        *session, "no report",
        [&] { return qfModelGetReport(handle, f, appendString, &out); },
        succeeded);
    return out;
  }

  std::shared_ptr<Executable> compile(const std::string &backend,
                                      const std::string &entry) {
    QfExecutable executable = locked(
        *session, "cannot compile for '" + backend + "'",
        [&] { return qfModelCompile(handle, ref(backend), ref(entry)); },
        [](QfExecutable e) { return !qfExecutableIsNull(e); });
    return std::make_shared<Executable>(session, executable);
  }

  std::shared_ptr<Dataset> dataset() {
    return std::make_shared<Dataset>(session);
  }

private:
  SessionPtr session;
  QfModel handle;
};

} // namespace

PYBIND11_MODULE(_quantforge, m) {
  m.doc() = "QuantForge's C API for Python (use the quantforge package)";
  m.def("api_version", &qfGetAPIVersion,
        "The C library's ABI version: major << 16 | minor.");
  m.def(
      "recipes",
      [] {
        std::vector<std::string> names;
        qfListRecipes(
            [](MlirStringRef name, void *out) {
              static_cast<std::vector<std::string> *>(out)->emplace_back(
                  name.data, name.length);
            },
            &names);
        return names;
      },
      "The names of the built-in recipes.");

  py::class_<Dataset, std::shared_ptr<Dataset>>(m, "Dataset")
      .def("add", &Dataset::add, py::arg("sample"),
           "Adds one sample: a dict from input name to array, read in place.");

  py::class_<Executable, std::shared_ptr<Executable>>(m, "Executable")
      .def("inputs", &Executable::inputs)
      .def("outputs", &Executable::outputs)
      .def("run", &Executable::run, py::arg("inputs"),
           "Runs on arrays in the signature's order; returns the outputs.");

  py::class_<Model, std::shared_ptr<Model>>(m, "Model")
      .def_static("import_onnx", &Model::importOnnx, py::arg("path"),
                  py::arg("input_shapes"), py::arg("num_threads") = 0)
      .def_static("read", &Model::read, py::arg("path"),
                  py::arg("weights") = "", py::arg("num_threads") = 0)
      .def_static("parse", &Model::parse, py::arg("text"),
                  py::arg("name") = "<string>", py::arg("num_threads") = 0)
      .def("clone", &Model::clone)
      .def("text", &Model::text)
      .def("write", &Model::write, py::arg("path"), py::arg("weights") = "")
      .def("run_pipeline", &Model::runPipeline, py::arg("pipeline"))
      .def("quantize", &Model::quantize, py::arg("recipe"),
           py::arg("calibration"), py::arg("backend") = "cpu",
           py::arg("report") = true, py::arg("entry") = "main",
           py::arg("progress") = true)
      .def("report", &Model::report, py::arg("format") = "json")
      .def("compile", &Model::compile, py::arg("backend") = "cpu",
           py::arg("entry") = "main")
      .def("dataset", &Model::dataset,
           "An empty calibration dataset of this model's session.");
}
