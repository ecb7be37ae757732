//===- NumericsTest.cpp - Numerics core against reference data --*- C++ -*-===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Checks numerics against reference.txt, which gen_reference.py
// computes independently from the specification in the headers, plus a few
// properties that need no reference data. Integers must match exactly, and
// floats bit for bit wherever the headers define the bits.
//
//===----------------------------------------------------------------------===//

#include "numerics/FixedPoint.h"
#include "numerics/Packing.h"
#include "numerics/QuantParams.h"
#include "numerics/Rounding.h"

#include "gtest/gtest.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#ifndef QF_NUMERICS_REFERENCE
#error "define QF_NUMERICS_REFERENCE as the path of reference.txt"
#endif

using namespace mlir::qf::numerics;

namespace {

//===----------------------------------------------------------------------===//
// Reference file
//===----------------------------------------------------------------------===//

/// Every kind of line that reference.txt holds; each must have cases.
const char *const kKinds[] = {
    "draw",   "round", "shr",  "intrange", "quantize", "dequantize", "qparams",
    "layout", "block", "qmul", "apply",    "requant",  "pack",       "unpack"};

struct Case {
  int line;
  std::vector<std::string> fields; // fields[0] is the kind.
};

class Reference {
public:
  static const Reference &get() {
    static const Reference ref(QF_NUMERICS_REFERENCE);
    return ref;
  }

  /// Empty unless the file could not be read or holds an unknown kind.
  std::string error;

  const std::vector<Case> &of(const std::string &kind) const {
    static const std::vector<Case> none;
    auto it = cases.find(kind);
    return it == cases.end() ? none : it->second;
  }

private:
  explicit Reference(const char *path) {
    std::ifstream in(path);
    if (!in) {
      error = std::string("cannot open reference data ") + path;
      return;
    }
    std::string text;
    for (int line = 1; std::getline(in, text); ++line) {
      if (text.empty() || text[0] == '#')
        continue;
      Case c{line, {}};
      std::istringstream words(text);
      for (std::string word; words >> word;)
        c.fields.push_back(word);
      bool known = false;
      for (const char *kind : kKinds)
        known |= c.fields[0] == kind;
      if (!known && error.empty())
        error = "unknown kind '" + c.fields[0] + "' on line " +
                std::to_string(line) + " of " + path;
      cases[c.fields[0]].push_back(std::move(c));
    }
  }

  std::map<std::string, std::vector<Case>> cases;
};

/// Reads the fields of one case in order. A field that does not parse, or a
/// case with fields left over, makes ok() false.
class Fields {
public:
  explicit Fields(const Case &c) : c(c) {}

  bool ok() const { return !failed && pos == c.fields.size(); }

  std::string where() const {
    std::string s = "reference.txt:" + std::to_string(c.line) + ":";
    for (const std::string &f : c.fields)
      s += " " + f;
    return s;
  }

  int64_t i64() {
    return field<int64_t>(
        [](const char *s, char **end) { return std::strtoll(s, end, 10); },
        /*checkRange=*/true);
  }

  uint64_t u64() {
    if (pos < c.fields.size() && c.fields[pos][0] == '-')
      check(false);
    return field<uint64_t>(
        [](const char *s, char **end) { return std::strtoull(s, end, 10); },
        /*checkRange=*/true);
  }

  // Subnormal hex floats set ERANGE while parsing exactly, so floats do not
  // check errno.
  double f64() {
    return field<double>(
        [](const char *s, char **end) { return std::strtod(s, end); },
        /*checkRange=*/false);
  }

  float f32() {
    return field<float>(
        [](const char *s, char **end) { return std::strtof(s, end); },
        /*checkRange=*/false);
  }

  bool flag() {
    int64_t v = i64();
    check(v == 0 || v == 1);
    return v == 1;
  }

  /// The dialect spelling, mapped here rather than by parseRoundingMode so
  /// that a bug there cannot hide a bug elsewhere.
  RoundingMode mode() {
    const char *s = next();
    static const std::pair<const char *, RoundingMode> names[] = {
        {"half_even", RoundingMode::HalfEven},
        {"half_away", RoundingMode::HalfAway},
        {"floor", RoundingMode::Floor},
        {"ceil", RoundingMode::Ceil},
        {"toward_zero", RoundingMode::TowardZero},
        {"stochastic", RoundingMode::Stochastic}};
    if (s)
      for (const auto &[name, mode] : names)
        if (std::strcmp(s, name) == 0)
          return mode;
    check(false);
    return RoundingMode::HalfEven;
  }

  std::string word() {
    const char *s = next();
    return s ? s : "";
  }

  std::vector<int64_t> i64s(int64_t n) {
    std::vector<int64_t> v;
    check(n >= 0 && n <= 1 << 20);
    for (int64_t i = 0; !failed && i < n; ++i)
      v.push_back(i64());
    return v;
  }

private:
  /// Converts the next field with a strto* function that must consume it
  /// whole.
  template <typename T, typename Convert>
  T field(Convert convert, bool checkRange) {
    const char *s = next();
    if (!s)
      return T();
    char *end;
    errno = 0;
    T v = convert(s, &end);
    check(*end == '\0' && (!checkRange || errno == 0));
    return v;
  }

  const char *next() {
    if (pos >= c.fields.size()) {
      failed = true;
      return nullptr;
    }
    return c.fields[pos++].c_str();
  }
  void check(bool cond) { failed |= !cond; }

  const Case &c;
  size_t pos = 1;
  bool failed = false;
};

/// Collects mismatches of one test: reports the first few in full and the
/// total at the end, so that a broken function does not flood the log.
class Mismatches {
public:
  explicit Mismatches(const char *kind) : kind(kind) {}
  Mismatches(const Mismatches &) = delete;
  Mismatches &operator=(const Mismatches &) = delete;

  ~Mismatches() {
    EXPECT_EQ(count, 0u) << count << " of " << checked << " '" << kind
                         << "' cases failed";
  }

  void pass() { ++checked; }

  void fail(const Fields &f, const std::string &what) {
    ++checked;
    if (++count <= 25)
      ADD_FAILURE() << f.where() << "\n  " << what;
  }

  /// Checks a case; `what` describes expected and actual values.
  void expect(bool cond, const Fields &f, const std::string &what) {
    cond ? pass() : fail(f, what);
  }

private:
  const char *kind;
  size_t count = 0;
  size_t checked = 0;
};

std::string hex(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%a", v);
  return buf;
}

uint64_t bitsOf(double v) {
  uint64_t b;
  std::memcpy(&b, &v, sizeof(b));
  return b;
}

uint32_t bitsOf(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof(b));
  return b;
}

template <typename T> std::string gotExpected(const T &got, const T &expected) {
  std::ostringstream os;
  os << "expected " << expected << ", got " << got;
  return os.str();
}

std::string gotExpectedHex(double got, double expected) {
  return "expected " + hex(expected) + ", got " + hex(got);
}

template <typename T> std::string join(const std::vector<T> &v) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < v.size(); ++i)
    os << (i ? " " : "") << +v[i];
  os << "]";
  return os.str();
}

#define QF_CASES(kind)                                                         \
  const Reference &ref = Reference::get();                                     \
  ASSERT_TRUE(ref.error.empty()) << ref.error;                                 \
  const std::vector<Case> &cases = ref.of(kind);                               \
  ASSERT_FALSE(cases.empty())                                                  \
      << "no '" kind "' cases in " << QF_NUMERICS_REFERENCE;                   \
  Mismatches mismatches(kind)

#define QF_PARSED(f)                                                           \
  if (!(f).ok()) {                                                             \
    ADD_FAILURE() << "malformed case " << (f).where();                         \
    continue;                                                                  \
  }

TEST(NumericsReference, CoversEveryKind) {
  const Reference &ref = Reference::get();
  ASSERT_TRUE(ref.error.empty()) << ref.error;
  for (const char *kind : kKinds)
    EXPECT_FALSE(ref.of(kind).empty())
        << "no '" << kind << "' cases in " << QF_NUMERICS_REFERENCE;
}

//===----------------------------------------------------------------------===//
// Rounding.h
//===----------------------------------------------------------------------===//

TEST(NumericsRounding, StochasticDraw) {
  QF_CASES("draw");
  for (const Case &c : cases) {
    Fields f(c);
    uint64_t seed = f.u64(), index = f.u64();
    double expected = f.f64();
    QF_PARSED(f);
    double got = stochasticDraw(seed, index);
    mismatches.expect(bitsOf(got) == bitsOf(expected), f,
                      gotExpectedHex(got, expected));
  }
}

TEST(NumericsRounding, RoundToIntegral) {
  QF_CASES("round");
  for (const Case &c : cases) {
    Fields f(c);
    RoundingMode mode = f.mode();
    double v = f.f64();
    uint64_t seed = f.u64(), index = f.u64();
    double expected = f.f64();
    QF_PARSED(f);
    double got = roundToIntegral(v, mode, seed, index);
    // The sign of a zero result is not specified.
    mismatches.expect(got == expected, f, gotExpectedHex(got, expected));
  }
}

TEST(NumericsRounding, RoundingShiftRight) {
  QF_CASES("shr");
  for (const Case &c : cases) {
    Fields f(c);
    RoundingMode mode = f.mode();
    int64_t num = f.i64();
    int64_t shift = f.i64();
    uint64_t seed = f.u64(), index = f.u64();
    int64_t expected = f.i64();
    QF_PARSED(f);
    int64_t got = roundingShiftRight(num, static_cast<unsigned>(shift), mode,
                                     seed, index);
    mismatches.expect(got == expected, f, gotExpected(got, expected));
  }
}

TEST(NumericsRounding, ModeNames) {
  const std::pair<RoundingMode, const char *> names[] = {
      {RoundingMode::HalfEven, "half_even"},
      {RoundingMode::HalfAway, "half_away"},
      {RoundingMode::Floor, "floor"},
      {RoundingMode::Ceil, "ceil"},
      {RoundingMode::TowardZero, "toward_zero"},
      {RoundingMode::Stochastic, "stochastic"}};
  for (const auto &[mode, name] : names) {
    EXPECT_EQ(toString(mode), name);
    EXPECT_EQ(parseRoundingMode(name), mode) << name;
  }
  EXPECT_EQ(parseRoundingMode(""), std::nullopt);
  EXPECT_EQ(parseRoundingMode("nearest"), std::nullopt);
  EXPECT_EQ(parseRoundingMode("HalfEven"), std::nullopt);
  EXPECT_EQ(parseRoundingMode("half_even "), std::nullopt);
}

TEST(NumericsRounding, StochasticIsUnbiasedAndDeterministic) {
  // Up with probability frac(v): the mean over many indices approaches v.
  for (double v : {-2.75, -0.5, 0.3, 7.9}) {
    const int n = 40000;
    double sum = 0;
    for (int i = 0; i < n; ++i) {
      double r = roundToIntegral(v, RoundingMode::Stochastic, 1234, i);
      ASSERT_TRUE(r == std::floor(v) || r == std::floor(v) + 1) << v;
      EXPECT_EQ(r, roundToIntegral(v, RoundingMode::Stochastic, 1234, i));
      sum += r;
    }
    EXPECT_NEAR(sum / n, v, 0.01) << v;
  }
  // Same for the integer path: 13 / 8 = 1.625.
  int64_t sum = 0;
  for (int i = 0; i < 40000; ++i)
    sum += roundingShiftRight(-13, 3, RoundingMode::Stochastic, 99, i);
  EXPECT_NEAR(sum / 40000.0, -1.625, 0.01);
  // Draws are 24-bit fractions in [0, 1).
  for (uint64_t i = 0; i < 1000; ++i) {
    double u = stochasticDraw(i * 0x12345, i);
    EXPECT_TRUE(u >= 0 && u < 1) << u;
    EXPECT_EQ(u * 16777216.0, std::floor(u * 16777216.0)) << u;
  }
}

TEST(NumericsRounding, DeterministicModesIgnoreSeed) {
  EXPECT_EQ(roundToIntegral(2.5, RoundingMode::HalfEven, 77, 5), 2.0);
  EXPECT_EQ(roundToIntegral(-2.5, RoundingMode::HalfAway, 77, 5), -3.0);
  EXPECT_EQ(roundingShiftRight(5, 1, RoundingMode::HalfEven, 77, 5), 2);
  EXPECT_EQ(roundingShiftRight(-5, 1, RoundingMode::HalfAway, 77, 5), -3);
  EXPECT_EQ(roundingShiftRight(-5, 1, RoundingMode::TowardZero, 77, 5), -2);
}

//===----------------------------------------------------------------------===//
// QuantParams.h
//===----------------------------------------------------------------------===//

TEST(NumericsQuantParams, IntRangeForBits) {
  QF_CASES("intrange");
  for (const Case &c : cases) {
    Fields f(c);
    int64_t bits = f.i64();
    bool isSigned = f.flag(), narrow = f.flag();
    int64_t min = f.i64(), max = f.i64();
    QF_PARSED(f);
    IntRange r =
        IntRange::forBits(static_cast<unsigned>(bits), isSigned, narrow);
    mismatches.expect(r.min == min && r.max == max, f,
                      "expected [" + std::to_string(min) + ", " +
                          std::to_string(max) + "], got [" +
                          std::to_string(r.min) + ", " + std::to_string(r.max) +
                          "]");
  }
}

TEST(NumericsQuantParams, Quantize) {
  QF_CASES("quantize");
  for (const Case &c : cases) {
    Fields f(c);
    RoundingMode mode = f.mode();
    float x = f.f32(), scale = f.f32();
    int64_t zp = f.i64(), qmin = f.i64(), qmax = f.i64();
    uint64_t seed = f.u64(), index = f.u64();
    int64_t expected = f.i64();
    QF_PARSED(f);
    int64_t got =
        quantize(x, scale, zp, IntRange{qmin, qmax}, mode, seed, index);
    mismatches.expect(got == expected, f, gotExpected(got, expected));
  }
}

TEST(NumericsQuantParams, Dequantize) {
  QF_CASES("dequantize");
  for (const Case &c : cases) {
    Fields f(c);
    int64_t q = f.i64();
    float scale = f.f32();
    int64_t zp = f.i64();
    float expected = f.f32();
    QF_PARSED(f);
    float got = dequantize(q, scale, zp);
    mismatches.expect(bitsOf(got) == bitsOf(expected), f,
                      gotExpectedHex(got, expected));
  }
}

TEST(NumericsQuantParams, ChooseQuantParams) {
  QF_CASES("qparams");
  for (const Case &c : cases) {
    Fields f(c);
    bool symmetric = f.flag();
    double min = f.f64(), max = f.f64();
    int64_t qmin = f.i64(), qmax = f.i64();
    bool ok = f.flag();
    double scale = f.f64();
    int64_t zp = f.i64();
    QF_PARSED(f);
    std::optional<QuantParams> got =
        chooseQuantParams(min, max, IntRange{qmin, qmax}, symmetric);
    if (!ok) {
      mismatches.expect(!got, f,
                        "expected nullopt, got scale " +
                            (got ? hex(got->scale) : std::string()));
      continue;
    }
    if (!got) {
      mismatches.fail(f, "expected scale " + hex(scale) + " zp " +
                             std::to_string(zp) + ", got nullopt");
      continue;
    }
    mismatches.expect(
        bitsOf(got->scale) == bitsOf(scale) && got->zeroPoint == zp, f,
        "expected scale " + hex(scale) + " zp " + std::to_string(zp) +
            ", got scale " + hex(got->scale) + " zp " +
            std::to_string(got->zeroPoint));
  }
}

TEST(NumericsQuantParams, ChooseQuantParamsRejectsBadRanges) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  IntRange int8{-128, 127};
  for (bool symmetric : {false, true}) {
    EXPECT_FALSE(chooseQuantParams(nan, 1.0, int8, symmetric));
    EXPECT_FALSE(chooseQuantParams(-1.0, nan, int8, symmetric));
    EXPECT_FALSE(chooseQuantParams(-inf, 1.0, int8, symmetric));
    EXPECT_FALSE(chooseQuantParams(-1.0, inf, int8, symmetric));
    EXPECT_FALSE(chooseQuantParams(1.0, -1.0, int8, symmetric));
    EXPECT_TRUE(chooseQuantParams(-1.0, 1.0, int8, symmetric));
  }
}

TEST(NumericsQuantParams, DequantizeThenQuantizeIsIdentity) {
  const IntRange int8{-128, 127};
  for (float scale : {0.1f, 0.0123f, 3.0f, 1e-5f})
    for (int64_t zp : {int64_t(0), int64_t(-5), int64_t(100)})
      for (int64_t q = int8.min; q <= int8.max; ++q)
        for (RoundingMode mode :
             {RoundingMode::HalfEven, RoundingMode::HalfAway})
          ASSERT_EQ(quantize(dequantize(q, scale, zp), scale, zp, int8, mode),
                    q)
              << "scale " << scale << " zp " << zp;
}

TEST(NumericsQuantParams, LayoutFactories) {
  QF_CASES("layout");
  for (const Case &c : cases) {
    Fields f(c);
    std::string kind = f.word();
    int64_t axis = 0, groupAxis = 0, groupSize = 0;
    if (kind == "perchannel") {
      axis = f.i64();
    } else if (kind == "pergroup") {
      axis = f.i64();
      groupAxis = f.i64();
      groupSize = f.i64();
    }
    int64_t rank = f.i64();
    std::vector<int64_t> shape = f.i64s(rank), block = f.i64s(rank);
    QF_PARSED(f);
    BlockLayout got;
    if (kind == "pertensor") {
      got = BlockLayout::perTensor(shape);
    } else if (kind == "perchannel") {
      got = BlockLayout::perChannel(shape, static_cast<unsigned>(axis));
    } else if (kind == "pergroup") {
      got = BlockLayout::perGroup(shape, static_cast<unsigned>(axis),
                                  static_cast<unsigned>(groupAxis), groupSize);
    } else {
      mismatches.fail(f, "unknown layout kind");
      continue;
    }
    mismatches.expect(
        got.shape == shape && got.blockShape == block && got.isValid(), f,
        "expected shape " + join(shape) + " block " + join(block) +
            ", got shape " + join(got.shape) + " block " +
            join(got.blockShape) + (got.isValid() ? "" : " (invalid)"));
  }
}

TEST(NumericsQuantParams, PerGroupOnHigherRank) {
  // The headers fix only the channel and group axes; the others are unsaid.
  BlockLayout l = BlockLayout::perGroup({2, 3, 8}, 1, 2, 4);
  ASSERT_EQ(l.blockShape.size(), 3u);
  EXPECT_EQ(l.shape, (std::vector<int64_t>{2, 3, 8}));
  EXPECT_EQ(l.blockShape[1], 1);
  EXPECT_EQ(l.blockShape[2], 4);
  EXPECT_TRUE(l.isValid());
}

TEST(NumericsQuantParams, LayoutGeometry) {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>>
      layouts = {
          {{3, 5}, {3, 5}},  {{4, 6}, {1, 6}},       {{4, 6}, {4, 1}},
          {{4, 16}, {1, 8}}, {{2, 3, 8}, {1, 1, 4}}, {{2, 4, 6}, {1, 2, 3}},
          {{8}, {2}},        {{1, 1, 1}, {1, 1, 1}}};
  for (const auto &[shape, block] : layouts) {
    BlockLayout l{shape, block};
    SCOPED_TRACE("shape " + join(shape) + " block " + join(block));
    ASSERT_TRUE(l.isValid());
    std::vector<int64_t> grid;
    int64_t numel = 1, nb = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      grid.push_back(shape[i] / block[i]);
      numel *= shape[i];
      nb *= grid.back();
    }
    EXPECT_EQ(l.gridShape(), grid);
    EXPECT_EQ(l.numElements(), numel);
    EXPECT_EQ(l.numBlocks(), nb);
    for (int64_t flat = 0; flat < numel; ++flat) {
      // Row-major coordinates of the element, then of its block.
      int64_t rest = flat, b = 0, stride = 1;
      for (size_t i = shape.size(); i-- > 0;) {
        int64_t coord = rest % shape[i];
        rest /= shape[i];
        b += coord / block[i] * stride;
        stride *= grid[i];
      }
      ASSERT_EQ(l.blockOf(flat), b) << "element " << flat;
    }
  }
}

TEST(NumericsQuantParams, InvalidLayoutsAndData) {
  const std::vector<BlockLayout> invalid = {
      {{4, 6}, {4}},    {{4, 6}, {0, 6}}, {{4, 6}, {-1, 6}}, {{4, 6}, {3, 6}},
      {{4, 6}, {4, 4}}, {{0, 6}, {0, 6}}, {{4, 6}, {8, 6}}};
  std::vector<float> data(24, 1.0f);
  IntRange int8{-128, 127};
  for (const BlockLayout &l : invalid) {
    SCOPED_TRACE("shape " + join(l.shape) + " block " + join(l.blockShape));
    EXPECT_FALSE(l.isValid());
    EXPECT_FALSE(chooseBlockParams(data.data(), l, int8, true));
    EXPECT_FALSE(chooseBlockParams(data.data(), l, int8, false));
  }
  BlockLayout ok{{4, 6}, {1, 6}};
  ASSERT_TRUE(ok.isValid());
  EXPECT_TRUE(chooseBlockParams(data.data(), ok, int8, false));
  for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    std::vector<float> d = data;
    d[17] = bad;
    EXPECT_FALSE(chooseBlockParams(d.data(), ok, int8, false)) << bad;
    EXPECT_FALSE(chooseBlockParams(d.data(), ok, int8, true)) << bad;
  }
}

TEST(NumericsQuantParams, Blocks) {
  QF_CASES("block");
  for (const Case &c : cases) {
    Fields f(c);
    bool symmetric = f.flag();
    RoundingMode mode = f.mode();
    uint64_t seed = f.u64();
    int64_t qmin = f.i64(), qmax = f.i64();
    int64_t rank = f.i64();
    std::vector<int64_t> shape = f.i64s(rank), block = f.i64s(rank);
    int64_t numel = f.i64();
    std::vector<float> data;
    for (int64_t i = 0; i < numel && i < (1 << 20); ++i)
      data.push_back(f.f32());
    int64_t nb = f.i64();
    std::vector<QuantParams> params;
    for (int64_t i = 0; i < nb && i < (1 << 20); ++i) {
      double scale = f.f64();
      params.push_back({scale, f.i64()});
    }
    std::vector<int64_t> codes = f.i64s(numel);
    QF_PARSED(f);

    BlockLayout layout{shape, block};
    IntRange range{qmin, qmax};
    std::optional<std::vector<QuantParams>> got =
        chooseBlockParams(data.data(), layout, range, symmetric);
    if (!got || got->size() != params.size()) {
      mismatches.fail(
          f, "expected " + std::to_string(nb) + " blocks, got " +
                 (got ? std::to_string(got->size()) : std::string("nullopt")));
      continue;
    }
    std::string bad;
    for (size_t b = 0; b < params.size(); ++b)
      if (bitsOf((*got)[b].scale) != bitsOf(params[b].scale) ||
          (*got)[b].zeroPoint != params[b].zeroPoint)
        bad += "\n  block " + std::to_string(b) + ": expected scale " +
               hex(params[b].scale) + " zp " +
               std::to_string(params[b].zeroPoint) + ", got scale " +
               hex((*got)[b].scale) + " zp " +
               std::to_string((*got)[b].zeroPoint);
    // Codes from the reference parameters, so that a wrong scale above does
    // not also show up here.
    std::vector<int64_t> q =
        quantizeBlocks(data.data(), layout, params, range, mode, seed);
    if (q != codes)
      bad += "\n  codes: expected " + join(codes) + "\n         got " + join(q);
    mismatches.expect(bad.empty(), f, bad);
  }
}

//===----------------------------------------------------------------------===//
// FixedPoint.h
//===----------------------------------------------------------------------===//

TEST(NumericsFixedPoint, QuantizeMultiplier) {
  QF_CASES("qmul");
  for (const Case &c : cases) {
    Fields f(c);
    double real = f.f64();
    bool ok = f.flag();
    int64_t multiplier = f.i64(), shift = f.i64();
    QF_PARSED(f);
    std::optional<FixedPointMultiplier> got = quantizeMultiplier(real);
    if (!ok) {
      mismatches.expect(!got, f, "expected nullopt");
      continue;
    }
    if (!got) {
      mismatches.fail(f, "expected (" + std::to_string(multiplier) + ", " +
                             std::to_string(shift) + "), got nullopt");
      continue;
    }
    double value = std::ldexp(static_cast<double>(multiplier),
                              static_cast<int>(shift) - 31);
    mismatches.expect(got->multiplier == multiplier && got->shift == shift &&
                          bitsOf(got->value()) == bitsOf(value),
                      f,
                      "expected (" + std::to_string(multiplier) + ", " +
                          std::to_string(shift) + ") = " + hex(value) +
                          ", got (" + std::to_string(got->multiplier) + ", " +
                          std::to_string(got->shift) +
                          ") = " + hex(got->value()));
  }
}

TEST(NumericsFixedPoint, QuantizeMultiplierProperties) {
  for (double bad : {-1.0, -1e-300, std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()})
    EXPECT_FALSE(quantizeMultiplier(bad)) << bad;
  for (double real = 1e-6; real < 1e3; real *= 1.0137) {
    std::optional<FixedPointMultiplier> m = quantizeMultiplier(real);
    ASSERT_TRUE(m) << real;
    EXPECT_GE(m->multiplier, 1 << 30) << real;
    EXPECT_NEAR(m->value() / real, 1.0, std::ldexp(1.0, -31)) << real;
  }
}

TEST(NumericsFixedPoint, ApplyMultiplier) {
  QF_CASES("apply");
  for (const Case &c : cases) {
    Fields f(c);
    RoundingMode mode = f.mode();
    int64_t x = f.i64(), multiplier = f.i64(), shift = f.i64();
    uint64_t seed = f.u64(), index = f.u64();
    int64_t expected = f.i64();
    QF_PARSED(f);
    FixedPointMultiplier m{static_cast<int32_t>(multiplier),
                           static_cast<int>(shift)};
    int64_t got = applyMultiplier(x, m, mode, seed, index);
    mismatches.expect(got == expected, f, gotExpected(got, expected));
  }
}

TEST(NumericsFixedPoint, Requantize) {
  QF_CASES("requant");
  for (const Case &c : cases) {
    Fields f(c);
    RoundingMode mode = f.mode();
    int64_t q = f.i64(), zpIn = f.i64(), multiplier = f.i64(), shift = f.i64(),
            zpOut = f.i64(), qmin = f.i64(), qmax = f.i64();
    uint64_t seed = f.u64(), index = f.u64();
    int64_t expected = f.i64();
    QF_PARSED(f);
    FixedPointMultiplier m{static_cast<int32_t>(multiplier),
                           static_cast<int>(shift)};
    int64_t got =
        requantize(q, zpIn, m, zpOut, IntRange{qmin, qmax}, mode, seed, index);
    mismatches.expect(got == expected, f, gotExpected(got, expected));
  }
}

TEST(NumericsFixedPoint, IdentityMultiplier) {
  std::optional<FixedPointMultiplier> one = quantizeMultiplier(1.0);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->value(), 1.0);
  const RoundingMode modes[] = {
      RoundingMode::HalfEven,   RoundingMode::HalfAway,
      RoundingMode::Floor,      RoundingMode::Ceil,
      RoundingMode::TowardZero, RoundingMode::Stochastic};
  const IntRange int8{-128, 127};
  for (RoundingMode mode : modes) {
    for (int64_t q = int8.min; q <= int8.max; ++q)
      for (int64_t zp : {int64_t(0), int64_t(-7), int64_t(31)})
        ASSERT_EQ(requantize(q, zp, *one, zp, int8, mode, 5, q + 128), q)
            << toString(mode) << " zp " << zp;
    for (int64_t x : {int64_t(0), int64_t(-1), int64_t(123456789),
                      -(int64_t(1) << 32) + 1, (int64_t(1) << 32) - 1})
      EXPECT_EQ(applyMultiplier(x, *one, mode, 9, 3), x) << toString(mode);
  }
}

//===----------------------------------------------------------------------===//
// Packing.h
//===----------------------------------------------------------------------===//

TEST(NumericsPacking, Pack) {
  QF_CASES("pack");
  for (const Case &c : cases) {
    Fields f(c);
    int64_t bits = f.i64(), rows = f.i64(), rowLength = f.i64();
    std::vector<int64_t> values = f.i64s(rows * rowLength);
    int64_t numBytes = f.i64();
    std::vector<int64_t> bytes = f.i64s(numBytes);
    QF_PARSED(f);
    std::vector<uint8_t> expected(bytes.begin(), bytes.end());
    std::vector<uint8_t> got =
        packBits(values.data(), rows, rowLength, static_cast<unsigned>(bits));
    int64_t rowBytes = packedRowBytes(rowLength, static_cast<unsigned>(bits));
    mismatches.expect(got == expected && rowBytes * rows == numBytes, f,
                      "expected " + join(expected) + ", got " + join(got) +
                          "; packedRowBytes " + std::to_string(rowBytes));
  }
}

TEST(NumericsPacking, Unpack) {
  QF_CASES("unpack");
  for (const Case &c : cases) {
    Fields f(c);
    int64_t bits = f.i64();
    bool isSigned = f.flag();
    int64_t rows = f.i64(), rowLength = f.i64(), numBytes = f.i64();
    std::vector<int64_t> bytes = f.i64s(numBytes);
    std::vector<int64_t> expected = f.i64s(rows * rowLength);
    QF_PARSED(f);
    std::vector<uint8_t> data(bytes.begin(), bytes.end());
    std::vector<int64_t> got = unpackBits(
        data.data(), rows, rowLength, static_cast<unsigned>(bits), isSigned);
    mismatches.expect(got == expected, f,
                      "expected " + join(expected) + ", got " + join(got));
  }
}

TEST(NumericsPacking, RoundTrip) {
  std::mt19937_64 gen(7);
  for (unsigned bits = 1; bits <= 7; ++bits) {
    for (bool isSigned : {false, true}) {
      IntRange r = isSigned ? IntRange{-(int64_t(1) << (bits - 1)),
                                       (int64_t(1) << (bits - 1)) - 1}
                            : IntRange{0, (int64_t(1) << bits) - 1};
      for (int64_t rowLength : {1, 2, 3, 5, 8, 9, 17, 64}) {
        EXPECT_EQ(packedRowBytes(rowLength, bits), (rowLength * bits + 7) / 8);
        for (int64_t rows : {1, 3}) {
          std::uniform_int_distribution<int64_t> dist(r.min, r.max);
          std::vector<int64_t> values(rows * rowLength);
          for (int64_t &v : values)
            v = dist(gen);
          std::vector<uint8_t> packed =
              packBits(values.data(), rows, rowLength, bits);
          ASSERT_EQ(static_cast<int64_t>(packed.size()),
                    rows * ((rowLength * bits + 7) / 8));
          // Padding is zero.
          int64_t rowBytes = (rowLength * bits + 7) / 8;
          int64_t used = rowLength * bits % 8;
          for (int64_t row = 0; used && row < rows; ++row) {
            EXPECT_EQ(packed[(row + 1) * rowBytes - 1] >> used, 0);
          }
          EXPECT_EQ(unpackBits(packed.data(), rows, rowLength, bits, isSigned),
                    values)
              << "bits " << bits << " signed " << isSigned << " row "
              << rowLength << " rows " << rows;
        }
      }
    }
  }
}

} // namespace
