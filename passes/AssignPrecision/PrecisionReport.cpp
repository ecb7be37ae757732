//===- PrecisionReport.cpp - The report of quant-assign-precision ---------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#include "passes/AssignPrecision/PrecisionReport.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qf::precision;

static void writeCsv(llvm::raw_ostream &os, const PrecisionReport &r) {
  os << "layer,group,shape,candidate,offered,sensitivity,weight_bytes,"
        "latency_us,chosen\n";
  for (const ReportLayer &layer : r.layers)
    for (auto [c, cell] : llvm::enumerate(layer.cells))
      os << layer.name << "," << layer.group << "," << layer.shape << ","
         << r.candidates[c] << "," << (cell.offered ? 1 : 0) << ","
         << llvm::formatv("{0:e6}", cell.sensitivity) << ","
         << llvm::formatv("{0:f1}", cell.bytes) << ","
         << llvm::formatv("{0:f3}", cell.seconds * 1e6) << ","
         << (c == layer.chosen ? 1 : 0) << "\n";
}

static std::string measuredText(const std::optional<double> &m) {
  return m ? llvm::formatv("{0:e4}", *m).str() : std::string("");
}

static void writeMarkdown(llvm::raw_ostream &os, const PrecisionReport &r,
                          StringRef svgName, StringRef frontierCsvName) {
  os << "# Mixed-precision assignment\n\n"
     << "Backend `" << r.backend << "`, objective `" << r.objective
     << "`, budget " << r.budget << ".\n\n"
     << "Chosen: " << r.chosen.mix << "; cost "
     << llvm::formatv("{0:f4}", r.chosen.cost) << " " << r.unit
     << ", predicted error " << llvm::formatv("{0:e4}", r.chosen.predicted);
  if (r.chosen.measured)
    os << ", measured output error " << measuredText(r.chosen.measured);
  os << ".\n\n## Layers\n\nSensitivity per candidate (`-`: not offered); "
        "the chosen scheme is in bold.\n\n| layer | group | weight |";
  for (const std::string &c : r.candidates)
    os << " " << c << " |";
  os << " chosen | bytes |\n|---|---|---|";
  for (size_t i = 0; i < r.candidates.size(); ++i)
    os << "---|";
  os << "---|---|\n";
  for (const ReportLayer &layer : r.layers) {
    os << "| " << layer.name << " | " << layer.group << " | " << layer.shape
       << " |";
    for (auto [c, cell] : llvm::enumerate(layer.cells)) {
      std::string v =
          cell.offered ? llvm::formatv("{0:e3}", cell.sensitivity).str() : "-";
      os << " " << (c == layer.chosen ? "**" + v + "**" : v) << " |";
    }
    os << " " << r.candidates[layer.chosen] << " | "
       << llvm::formatv("{0:f0}", layer.cells[layer.chosen].bytes) << " |\n";
  }
  // The whole frontier is in PREFIX.frontier.csv; the page shows at most
  // 40 evenly spaced points, the measured ones and the chosen one.
  size_t n = r.frontier.size(), stride = (n + 39) / 40;
  os << "\n## Pareto frontier\n\n"
     << n
     << " points: every budget's best assignment, the least predicted error "
        "(summed sensitivity) at each cost. The measured error is the mean "
        "squared change of the model's outputs on the calibration data, "
        "where measured.";
  if (stride > 1)
    os << " Every " << stride
       << "th point is shown, and the measured ones; all are in `"
       << frontierCsvName << "`.";
  os << "\n\n![frontier](" << svgName << ")\n\n| " << r.unit
     << " | predicted error | measured error | schemes |\n|---|---|---|---|\n";
  for (auto [i, p] : llvm::enumerate(r.frontier))
    if (i % stride == 0 || i + 1 == n || p.measured || p.cost == r.chosen.cost)
      os << "| " << llvm::formatv("{0:f4}", p.cost) << " | "
         << llvm::formatv("{0:e4}", p.predicted) << " | "
         << measuredText(p.measured) << " | " << p.mix << " |\n";
}

static void writeFrontierCsv(llvm::raw_ostream &os, const PrecisionReport &r) {
  os << "cost,predicted_error,measured_error,schemes\n";
  for (const ReportPoint &p : r.frontier)
    os << llvm::formatv("{0:f6}", p.cost) << ","
       << llvm::formatv("{0:e6}", p.predicted) << ","
       << measuredText(p.measured) << ",\"" << p.mix << "\"\n";
}

/// The frontier's predicted error (line, left log axis) and measured error
/// (dots, right log axis) against cost.
static void writeSvg(llvm::raw_ostream &os, const PrecisionReport &r) {
  const double width = 720, height = 420, left = 80, right = 80, top = 30,
               bottom = 50;
  double x0 = r.frontier.front().cost, x1 = r.frontier.back().cost;
  if (x1 <= x0)
    x1 = x0 + 1;
  auto logRange = [](auto values) {
    double lo = INFINITY, hi = -INFINITY;
    for (double v : values)
      if (v > 0) {
        lo = std::min(lo, std::log10(v));
        hi = std::max(hi, std::log10(v));
      }
    if (!std::isfinite(lo))
      lo = -1, hi = 0;
    if (hi - lo < 1e-9)
      lo -= 0.5, hi += 0.5;
    return std::pair<double, double>(lo, hi);
  };
  std::vector<double> predicted, measured;
  for (const ReportPoint &p : r.frontier) {
    predicted.push_back(p.predicted);
    if (p.measured)
      measured.push_back(*p.measured);
  }
  auto [p0, p1] = logRange(predicted);
  auto [m0, m1] = logRange(measured);
  auto px = [&](double cost) {
    return left + (cost - x0) / (x1 - x0) * (width - left - right);
  };
  auto py = [&](double v, double lo, double hi) {
    double l = v > 0 ? std::log10(v) : lo;
    return top + (hi - l) / (hi - lo) * (height - top - bottom);
  };
  os << llvm::formatv("<svg xmlns=\"http://www.w3.org/2000/svg\" "
                      "width=\"{0}\" height=\"{1}\" font-family=\"sans-serif\" "
                      "font-size=\"12\">\n",
                      width, height);
  os << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  os << llvm::formatv("<rect x=\"{0}\" y=\"{1}\" width=\"{2}\" height=\"{3}\" "
                      "fill=\"none\" stroke=\"black\"/>\n",
                      left, top, width - left - right, height - top - bottom);
  os << llvm::formatv("<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\">{2} "
                      "({3:f3} .. {4:f3})</text>\n",
                      width / 2, height - 15, r.unit, x0, x1);
  os << llvm::formatv("<text x=\"15\" y=\"{0}\" transform=\"rotate(-90 15 "
                      "{0})\" text-anchor=\"middle\" fill=\"#1f77b4\">"
                      "predicted error, log10 {1:f2} .. {2:f2}</text>\n",
                      height / 2, p0, p1);
  if (!measured.empty())
    os << llvm::formatv(
        "<text x=\"{0}\" y=\"{1}\" transform=\"rotate(90 {0} {1})\" "
        "text-anchor=\"middle\" fill=\"#d62728\">measured error, log10 "
        "{2:f2} .. {3:f2}</text>\n",
        width - 15, height / 2, m0, m1);
  os << "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" "
        "points=\"";
  for (const ReportPoint &p : r.frontier)
    os << llvm::formatv("{0:f1},{1:f1} ", px(p.cost), py(p.predicted, p0, p1));
  os << "\"/>\n";
  for (const ReportPoint &p : r.frontier)
    if (p.measured)
      os << llvm::formatv("<circle cx=\"{0:f1}\" cy=\"{1:f1}\" r=\"4\" "
                          "fill=\"#d62728\"/>\n",
                          px(p.cost), py(*p.measured, m0, m1));
  os << llvm::formatv("<line x1=\"{0:f1}\" y1=\"{1}\" x2=\"{0:f1}\" y2=\"{2}\" "
                      "stroke=\"gray\" stroke-dasharray=\"4\"/>\n"
                      "<text x=\"{0:f1}\" y=\"{3}\" text-anchor=\"middle\">"
                      "chosen</text>\n",
                      px(r.chosen.cost), top, height - bottom, top - 8);
  os << "</svg>\n";
}

LogicalResult mlir::qf::precision::writePrecisionReport(
    StringRef prefix, const PrecisionReport &report, Location loc) {
  std::string svg = (prefix + ".svg").str();
  std::string frontierCsv = (prefix + ".frontier.csv").str();
  // Links from the page are relative to its folder.
  auto baseName = [](StringRef path) {
    auto [dir, name] = path.rsplit('/');
    return name.empty() ? dir : name;
  };
  auto write =
      [&](const std::string &path,
          llvm::function_ref<void(llvm::raw_ostream &)> body) -> LogicalResult {
    llvm::Error e = llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
      body(os);
      return llvm::Error::success();
    });
    if (!e)
      return success();
    return emitError(loc) << "quant-assign-precision: cannot write the report '"
                          << path << "': " << llvm::toString(std::move(e));
  };
  if (failed(write((prefix + ".csv").str(),
                   [&](llvm::raw_ostream &os) { writeCsv(os, report); })) ||
      failed(write((prefix + ".md").str(),
                   [&](llvm::raw_ostream &os) {
                     writeMarkdown(os, report, baseName(svg),
                                   baseName(frontierCsv));
                   })) ||
      failed(write(
          frontierCsv,
          [&](llvm::raw_ostream &os) { writeFrontierCsv(os, report); })) ||
      failed(write(svg, [&](llvm::raw_ostream &os) { writeSvg(os, report); })))
    return failure();
  return success();
}
