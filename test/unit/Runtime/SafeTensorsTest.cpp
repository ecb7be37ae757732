//===- SafeTensorsTest.cpp - safetensors files ----------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Round trips, a file laid out by Inputs/gen_inputs.py as the reference
// implementation does, and damaged headers, which must give an error naming
// the file and the problem.
//
//===----------------------------------------------------------------------===//

#include "runtime/IO/SafeTensors.h"

#include "IOTestSupport.h"

#include "llvm/Support/Endian.h"

using namespace qf_io_test;

namespace {

/// A safetensors image: the header as given (unpadded) and the data.
std::string withHeader(llvm::StringRef json, llvm::StringRef data) {
  std::string image(8, '\0');
  llvm::support::endian::write64le(&image[0], json.size());
  return image + json.str() + data.str();
}

TEST(SafeTensorsTest, ReadsReferenceLayout) {
  std::string file = inputPath("model.safetensors");
  llvm::Expected<SafeTensorsFile> read = readSafeTensors(file);
  ASSERT_TRUE(bool(read)) << llvm::toString(read.takeError());
  const NamedTensors &tensors = read->tensors;
  ASSERT_EQ(tensors.size(), 6u);
  std::vector<std::string> names;
  for (const auto &named : tensors)
    names.push_back(named.first + ":" + named.second.describe());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "weight:f32[2x3]", "bias:i64[3]", "half:f16[2]",
                       "flag:bool[2]", "empty:f32[0x4]", "bytes:u8[2x2]"}));
  EXPECT_EQ(valuesOf<float>(tensors[0].second),
            (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(valuesOf<int64_t>(tensors[1].second),
            (std::vector<int64_t>{-1, 0, 1}));
  // IEEE half bit patterns of 0.5 and -2.
  EXPECT_EQ(valuesOf<uint16_t>(tensors[2].second),
            (std::vector<uint16_t>{0x3800, 0xC000}));
  EXPECT_EQ(valuesOf<uint8_t>(tensors[3].second), (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ(valuesOf<uint8_t>(tensors[5].second),
            (std::vector<uint8_t>{1, 2, 3, 250}));
  EXPECT_EQ(read->metadata,
            (std::map<std::string, std::string>{{"format", "pt"},
                                                {"source", "gen_inputs.py"}}));
}

class SafeTensorsFileTest : public ScratchDir {};

TEST_F(SafeTensorsFileTest, RoundTripsEveryDTypeAndRank) {
  SafeTensorsFile file;
  unsigned seed = 0;
  uint64_t dataBytes = 0;
  // Names out of alphabetical order: the file order must survive.
  for (DType dtype : kAllDTypes)
    for (const auto &shape : kShapes) {
      HostTensor tensor = patterned(dtype, shape, seed);
      dataBytes += tensor.byteSize();
      file.tensors.emplace_back("t" + std::to_string(99 - seed++),
                                std::move(tensor));
    }
  file.metadata = {{"format", "pt"}, {"note", "\"quoted\" \xC3\xA9"}};
  std::string target = path("m.safetensors");
  ASSERT_FALSE(bool(writeSafeTensors(target, file)));
  EXPECT_EQ(listing(), std::vector<std::string>{"m.safetensors"});

  // Header padded to 8 bytes, then the data back to back.
  std::string bytes = readBytes(target);
  uint64_t headerSize = llvm::support::endian::read64le(bytes.data());
  EXPECT_EQ(headerSize % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + headerSize + dataBytes);

  llvm::Expected<SafeTensorsFile> back = readSafeTensors(target);
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->metadata, file.metadata);
  ASSERT_EQ(back->tensors.size(), file.tensors.size());
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    EXPECT_EQ(back->tensors[i].first, file.tensors[i].first);
    EXPECT_TRUE(sameTensor(back->tensors[i].second, file.tensors[i].second));
  }

  ASSERT_FALSE(bool(writeSafeTensors(path("empty.safetensors"), {})));
  llvm::Expected<SafeTensorsFile> empty =
      readSafeTensors(path("empty.safetensors"));
  ASSERT_TRUE(bool(empty)) << llvm::toString(empty.takeError());
  EXPECT_TRUE(empty->tensors.empty());
  EXPECT_TRUE(empty->metadata.empty());
}

TEST_F(SafeTensorsFileTest, RefusesUnwritableNames) {
  SafeTensorsFile twice;
  twice.tensors.emplace_back("a", HostTensor(DType::I8, {1}));
  twice.tensors.emplace_back("a", HostTensor(DType::I8, {1}));
  EXPECT_TRUE(failsWith(writeSafeTensors(path("x"), twice), path("x"),
                        "duplicate tensor name 'a'"));
  SafeTensorsFile reserved;
  reserved.tensors.emplace_back("__metadata__", HostTensor(DType::I8, {1}));
  EXPECT_TRUE(failsWith(writeSafeTensors(path("x"), reserved), path("x"),
                        "'__metadata__' cannot name a tensor"));
  SafeTensorsFile binary;
  binary.tensors.emplace_back("\xFF", HostTensor(DType::I8, {1}));
  EXPECT_TRUE(failsWith(writeSafeTensors(path("x"), binary), path("x"),
                        "not valid UTF-8"));
  EXPECT_TRUE(listing().empty());
}

TEST(SafeTensorsTest, RejectsBadOffsets) {
  auto parse = [](llvm::StringRef json, size_t dataBytes) {
    return parseSafeTensors(withHeader(json, std::string(dataBytes, '\x07')),
                            "m.st");
  };
  EXPECT_TRUE(failsWith(
      parse(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
            12),
      "m.st", "tensors 'a' and 'b' overlap"));
  EXPECT_TRUE(failsWith(
      parse(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4),
      "m.st",
      "tensor 'a': data_offsets [0, 8] lie outside the data section "
      "of 4 bytes"));
  EXPECT_TRUE(failsWith(
      parse(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8),
      "m.st", "lie outside the data section"));
  EXPECT_TRUE(failsWith(
      parse(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
      "m.st",
      "data_offsets [0, 8] hold 8 bytes but F32 of this shape needs "
      "12"));
  EXPECT_TRUE(failsWith(
      parse(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,-8]}})", 8),
      "m.st", "'data_offsets' must be two non-negative integers"));
  EXPECT_TRUE(failsWith(
      parse(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8),
      "m.st", "'data_offsets' must be two non-negative integers"));

  // Gaps, trailing bytes and empty tensors inside others are fine; the
  // tensors come back in data order.
  llvm::Expected<SafeTensorsFile> gaps =
      parse(R"({"z":{"dtype":"I8","shape":[2],"data_offsets":[1,3]},)"
            R"("e":{"dtype":"I8","shape":[0],"data_offsets":[2,2]},)"
            R"("a":{"dtype":"U8","shape":[],"data_offsets":[5,6]}})",
            8);
  ASSERT_TRUE(bool(gaps)) << llvm::toString(gaps.takeError());
  ASSERT_EQ(gaps->tensors.size(), 3u);
  EXPECT_EQ(gaps->tensors[0].first, "z");
  EXPECT_EQ(gaps->tensors[1].first, "e");
  EXPECT_EQ(gaps->tensors[2].second.describe(), "u8[]");
}

TEST(SafeTensorsTest, RejectsBadHeaders) {
  auto parse = [](llvm::StringRef json) {
    return parseSafeTensors(withHeader(json, std::string(8, '\0')), "m.st");
  };
  EXPECT_TRUE(failsWith(parse("{"), "m.st", "invalid JSON header"));
  EXPECT_TRUE(failsWith(parse("[]"), "m.st", "not a JSON object"));
  EXPECT_TRUE(failsWith(parse(R"({"a":3})"), "m.st", "tensor 'a': not a JSON"));
  EXPECT_TRUE(failsWith(
      parse(R"({"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})"),
      "m.st", "unsupported dtype 'F8_E4M3'"));
  EXPECT_TRUE(failsWith(parse(R"({"a":{"shape":[1],"data_offsets":[0,1]}})"),
                        "m.st", "missing string 'dtype'"));
  EXPECT_TRUE(failsWith(
      parse(R"({"a":{"dtype":"I8","shape":[-1],"data_offsets":[0,1]}})"),
      "m.st", "non-negative integers"));
  EXPECT_TRUE(
      failsWith(parse(R"({"a":{"dtype":"I8","shape":[1000000,1000000,1000000],)"
                      R"("data_offsets":[0,1]}})"),
                "m.st", "exceeds the 2^40-byte limit"));
  EXPECT_TRUE(failsWith(parse(R"({"__metadata__":{"k":1}})"), "m.st",
                        "'__metadata__' value of 'k' is not a string"));
  EXPECT_TRUE(failsWith(parse(R"({"__metadata__":[]})"), "m.st",
                        "'__metadata__' is not a JSON object"));
  EXPECT_TRUE(failsWith(parse("{\"\xFF\":1}"), "m.st", "invalid JSON header"));
  EXPECT_TRUE(failsWith(
      parse(R"({"a":{"dtype":"I8","shape":[1],"data_offsets":[0,1]},)"
            R"("a":{"dtype":"I8","shape":[1],"data_offsets":[1,2]}})"),
      "m.st", "key 'a' appears twice in the header"));
  // Keys with escapes are matched after unescaping.
  llvm::Expected<SafeTensorsFile> escaped =
      parse(R"({"\u0061\"":{"dtype":"I8","shape":[1],"data_offsets":[0,1]},)"
            R"("__metadata__":{"k\n":"v"}})");
  ASSERT_TRUE(bool(escaped)) << llvm::toString(escaped.takeError());
  ASSERT_EQ(escaped->tensors.size(), 1u);
  EXPECT_EQ(escaped->tensors[0].first, "a\"");
  EXPECT_EQ(escaped->metadata.at("k\n"), "v");

  EXPECT_TRUE(failsWith(parseSafeTensors("1234", "m.st"), "m.st", "too short"));
  std::string huge = withHeader("{}", "");
  llvm::support::endian::write64le(&huge[0], uint64_t(1) << 62);
  EXPECT_TRUE(failsWith(parseSafeTensors(huge, "m.st"), "m.st",
                        "exceeds the 100 MB limit"));
  llvm::support::endian::write64le(&huge[0], 1000);
  EXPECT_TRUE(failsWith(parseSafeTensors(huge, "m.st"), "m.st",
                        "header length 1000 exceeds the file size"));
}

TEST(SafeTensorsTest, SurvivesEveryTruncation) {
  std::string valid = readBytes(inputPath("model.safetensors"));
  for (size_t size = 0; size < valid.size(); ++size)
    EXPECT_TRUE(
        failsWith(parseSafeTensors(valid.substr(0, size), "m.st"), "m.st", ""))
        << size;
}

} // namespace
