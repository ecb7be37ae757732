//===- float-codes.cpp - numerics/FloatFormats.h, one line at a time ------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Reads cases from stdin and prints one result per line, for
// test/numerics/float-formats.test to compare with
// test/unit/Numerics/gen_float_reference.py. Cases (floats as C99 hex
// floats; the result is a decimal code, "none", or a value as %a prints it,
// "nan" for any NaN):
//   encode FORMAT MODE OVERFLOW SEED INDEX X     -> code | none
//   decode FORMAT CODE                           -> value
//   mxscale ELEMENT RULE AMAX                    -> code
//   mxencode ELEMENT MODE SEED INDEX SCALE V     -> code | none
//   mxdecode ELEMENT SCALE CODE                  -> value
//   nvts AMAX                                    -> value (float32)
//   nvbs AMAX TENSORSCALE                        -> code
//   nvencode MODE SEED INDEX BLOCKSCALE TS V     -> code | none
//   nvdecode CODE BLOCKSCALE TS                  -> value (float32)
//   nf4encode V ABSMAX                           -> code | none
//   nf4decode CODE ABSMAX                        -> value (float32)
// FORMAT is MLIR's spelling, MODE the dialect's rounding spelling, OVERFLOW
// saturate|nonfinite, ELEMENT fp8e4m3|fp8e5m2|fp6e2m3|fp6e3m2|fp4e2m1|int8,
// RULE floor|roundup.
//
//===----------------------------------------------------------------------===//

#include "numerics/FloatFormats.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

using namespace mlir::qf::numerics;

namespace {
[[noreturn]] void bad(const std::string &line) {
  std::cerr << "float-codes: cannot read '" << line << "'\n";
  std::exit(2);
}

double real(std::istringstream &in, const std::string &line) {
  std::string text;
  if (!(in >> text))
    bad(line);
  return std::strtod(text.c_str(), nullptr);
}

uint64_t natural(std::istringstream &in, const std::string &line) {
  std::string text;
  if (!(in >> text))
    bad(line);
  return std::strtoull(text.c_str(), nullptr, 10);
}

std::string word(std::istringstream &in, const std::string &line) {
  std::string text;
  if (!(in >> text))
    bad(line);
  return text;
}

MXElement element(const std::string &name, const std::string &line) {
  const char *names[] = {"fp8e4m3", "fp8e5m2", "fp6e2m3",
                         "fp6e3m2", "fp4e2m1", "int8"};
  for (int i = 0; i < 6; ++i)
    if (name == names[i])
      return static_cast<MXElement>(i);
  bad(line);
}

void printCode(std::optional<uint8_t> code) {
  if (code)
    std::printf("%d\n", int(*code));
  else
    std::printf("none\n");
}

void printValue(double value) {
  if (std::isnan(value))
    std::printf("nan\n");
  else
    std::printf("%a\n", value);
}
} // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string kind = word(in, line);
    auto format = [&] {
      std::optional<FloatFormat> f = parseFloatFormat(word(in, line));
      if (!f)
        bad(line);
      return *f;
    };
    auto mode = [&] {
      std::optional<RoundingMode> m = parseRoundingMode(word(in, line));
      if (!m)
        bad(line);
      return *m;
    };
    if (kind == "encode") {
      FloatFormat f = format();
      RoundingMode m = mode();
      OverflowMode o = word(in, line) == "saturate" ? OverflowMode::Saturate
                                                    : OverflowMode::NonFinite;
      uint64_t seed = natural(in, line), index = natural(in, line);
      printCode(encodeFloat(real(in, line), f, m, o, seed, index));
    } else if (kind == "decode") {
      FloatFormat f = format();
      printValue(decodeFloat(uint8_t(natural(in, line)), f));
    } else if (kind == "mxscale") {
      MXElement e = element(word(in, line), line);
      MXScaleRule r =
          word(in, line) == "floor" ? MXScaleRule::Floor : MXScaleRule::RoundUp;
      printCode(mxScale(real(in, line), e, r));
    } else if (kind == "mxencode") {
      MXElement e = element(word(in, line), line);
      RoundingMode m = mode();
      uint64_t seed = natural(in, line), index = natural(in, line);
      uint8_t scale = uint8_t(natural(in, line));
      printCode(mxEncode(real(in, line), scale, e, m, seed, index));
    } else if (kind == "mxdecode") {
      MXElement e = element(word(in, line), line);
      uint8_t scale = uint8_t(natural(in, line));
      printValue(mxDecode(uint8_t(natural(in, line)), scale, e));
    } else if (kind == "nvts") {
      printValue(nvfp4TensorScale(float(real(in, line))));
    } else if (kind == "nvbs") {
      float amax = float(real(in, line));
      printCode(nvfp4BlockScale(amax, float(real(in, line))));
    } else if (kind == "nvencode") {
      RoundingMode m = mode();
      uint64_t seed = natural(in, line), index = natural(in, line);
      uint8_t blockScale = uint8_t(natural(in, line));
      float tensorScale = float(real(in, line));
      printCode(nvfp4Encode(float(real(in, line)), blockScale, tensorScale, m,
                            seed, index));
    } else if (kind == "nvdecode") {
      uint8_t code = uint8_t(natural(in, line));
      uint8_t blockScale = uint8_t(natural(in, line));
      printValue(nvfp4Decode(code, blockScale, float(real(in, line))));
    } else if (kind == "nf4encode") {
      float v = float(real(in, line));
      printCode(nf4Encode(v, float(real(in, line))));
    } else if (kind == "nf4decode") {
      uint8_t code = uint8_t(natural(in, line));
      printValue(nf4Decode(code, float(real(in, line))));
    } else {
      bad(line);
    }
  }
  return 0;
}
