//===- NumpyIOTest.cpp - HostTensor, .npy and .npz ------------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Round trips through our own reader and writer, files written by NumPy
// (Inputs/gen_inputs.py, values stated here from the script), byte equality
// with np.save, and damaged files, which must give an error naming the file
// and the problem, never a crash or a huge allocation.
//
//===----------------------------------------------------------------------===//

#include "runtime/IO/NumpyIO.h"
#include "runtime/IO/Zip.h"

#include "IOTestSupport.h"

#include "llvm/Support/Endian.h"

using namespace qf_io_test;

namespace {

/// An .npy image with a hand-written header dict (version 1.0).
std::string npyWithHeader(llvm::StringRef dict, llvm::StringRef data) {
  std::string header = dict.str() + "\n";
  std::string image("\x93NUMPY\x01\x00", 8);
  image += char(header.size() & 0xFF);
  image += char(header.size() >> 8);
  return image + header + data.str();
}

std::string floatBytes(std::vector<float> values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(float));
}

/// A stored archive of the given members, through our zip writer.
std::string zipOf(std::vector<std::pair<std::string, std::string>> members,
                  bool forceZip64 = false) {
  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  zip::Writer writer(os, forceZip64);
  for (const auto &[name, data] : members)
    writer.addStored(name, {data});
  writer.finish();
  return bytes;
}

llvm::Expected<NamedTensors> readNpzBytes(const std::string &path,
                                          llvm::StringRef bytes) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  EXPECT_FALSE(ec);
  os << bytes;
  os.close();
  return readNpz(path);
}

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

TEST(HostTensorTest, ZeroFilledAndAligned) {
  for (DType dtype : kAllDTypes)
    for (const auto &shape : kShapes) {
      HostTensor tensor(dtype, shape);
      ASSERT_NE(tensor.data(), nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor.data()) % 64, 0u);
      int64_t count = 1;
      for (int64_t dim : shape)
        count *= dim;
      EXPECT_EQ(tensor.numElements(), count);
      EXPECT_EQ(tensor.byteSize(), count * dtypeSize(dtype));
      auto *bytes = tensor.dataAs<uint8_t>();
      for (size_t i = 0; i < tensor.byteSize(); ++i)
        ASSERT_EQ(bytes[i], 0);
    }
}

TEST(HostTensorTest, DescribeAndNames) {
  EXPECT_EQ(HostTensor(DType::F32, {4, 16}).describe(), "f32[4x16]");
  EXPECT_EQ(HostTensor(DType::F32, {}).describe(), "f32[]");
  EXPECT_EQ(HostTensor(DType::Bool, {0, 3}).describe(), "bool[0x3]");
  EXPECT_EQ(HostTensor(DType::BF16, {7}).describe(), "bf16[7]");
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_EQ(dtypeSize(DType::I64), 8u);
  EXPECT_EQ(dtypeSize(DType::Bool), 1u);
  EXPECT_EQ(dtypeName(DType::U8), "u8");
  // Nothing allocated, nothing claimed.
  HostTensor empty;
  EXPECT_EQ(empty.byteSize(), 0u);
}

TEST(HostTensorTest, Lookup) {
  NamedTensors tensors;
  tensors.emplace_back("a", HostTensor(DType::I8, {1}));
  tensors.emplace_back("b", HostTensor(DType::I32, {2}));
  ASSERT_NE(lookup(tensors, "b"), nullptr);
  EXPECT_EQ(lookup(tensors, "b")->dtype(), DType::I32);
  EXPECT_EQ(lookup(tensors, "c"), nullptr);
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

TEST(NpyTest, RoundTripsEveryDTypeAndRank) {
  for (DType dtype : kAllDTypes)
    for (const auto &shape : kShapes) {
      HostTensor tensor = patterned(dtype, shape);
      std::string image = serializeNpy(tensor);
      // Magic, length and dict end on a 64-byte boundary, as in np.save.
      EXPECT_EQ((image.size() - tensor.byteSize()) % 64, 0u);
      EXPECT_EQ(image[image.size() - tensor.byteSize() - 1], '\n');
      llvm::Expected<HostTensor> back = parseNpy(image, "mem.npy");
      ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
      EXPECT_TRUE(sameTensor(tensor, *back)) << tensor.describe();
    }
}

class NpyFileTest : public ScratchDir {};

TEST_F(NpyFileTest, WritesAtomically) {
  std::string file = path("t.npy");
  ASSERT_FALSE(bool(writeNpy(file, patterned(DType::F32, {2, 2}))));
  HostTensor second = patterned(DType::I16, {3}, 5);
  ASSERT_FALSE(bool(writeNpy(file, second))); // replaces the first
  llvm::Expected<HostTensor> back = readNpy(file);
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_TRUE(sameTensor(second, *back));
  EXPECT_EQ(listing(), std::vector<std::string>{"t.npy"});

  // A rename that fails (onto a directory) leaves no temporary file behind.
  ASSERT_FALSE(llvm::sys::fs::create_directory(path("d")));
  EXPECT_TRUE(failsWith(writeNpy(path("d"), second), path("d"), ""));
  EXPECT_EQ(listing(), (std::vector<std::string>{"d", "t.npy"}));
  EXPECT_TRUE(failsWith(writeNpy(path("no/such/dir.npy"), second),
                        path("no/such/dir.npy"), "temporary file"));
  EXPECT_TRUE(failsWith(readNpy(path("missing.npy")), path("missing.npy"),
                        "No such file"));
}

TEST(NpyTest, ReadsNumPyFiles) {
  auto read = [](llvm::StringRef name) {
    llvm::Expected<HostTensor> tensor = readNpy(inputPath(name));
    EXPECT_TRUE(bool(tensor)) << llvm::toString(tensor.takeError());
    return tensor ? std::move(*tensor) : HostTensor();
  };
  const std::vector<int64_t> shape = {2, 3};
  const std::vector<float> halves = {-1, -0.5, 0, 0.5, 1, 1.5};
  for (const char *name : {"f4.npy", "f4_big.npy", "f4_v2.npy", "f4_v3.npy"}) {
    HostTensor t = read(name);
    EXPECT_EQ(t.describe(), "f32[2x3]") << name;
    EXPECT_EQ(valuesOf<float>(t), halves) << name;
  }
  HostTensor f8 = read("f8.npy");
  EXPECT_EQ(f8.describe(), "f64[2x3]");
  EXPECT_EQ(valuesOf<double>(f8),
            std::vector<double>(halves.begin(), halves.end()));
  // IEEE half bit patterns of -1, -0.5, 0, 0.5, 1, 1.5.
  HostTensor f2 = read("f2.npy");
  EXPECT_EQ(f2.describe(), "f16[2x3]");
  EXPECT_EQ(valuesOf<uint16_t>(f2),
            (std::vector<uint16_t>{0xBC00, 0xB800, 0, 0x3800, 0x3C00, 0x3E00}));

  EXPECT_EQ(valuesOf<int8_t>(read("i1.npy")),
            (std::vector<int8_t>{-2, -1, 0, 1, 2, 3}));
  EXPECT_EQ(valuesOf<int16_t>(read("i2.npy")),
            (std::vector<int16_t>{-2, -1, 0, 1, 2, 3}));
  for (const char *name : {"i4.npy", "i4_big.npy"}) {
    HostTensor t = read(name);
    EXPECT_EQ(t.describe(), "i32[2x3]") << name;
    EXPECT_EQ(valuesOf<int32_t>(t), (std::vector<int32_t>{-2, -1, 0, 1, 2, 3}))
        << name;
  }
  EXPECT_EQ(valuesOf<int64_t>(read("i8.npy")),
            (std::vector<int64_t>{-2, -1, 0, 1, 2, 3}));
  EXPECT_EQ(valuesOf<uint8_t>(read("u1.npy")),
            (std::vector<uint8_t>{0, 50, 100, 150, 200, 250}));
  HostTensor b1 = read("b1.npy");
  EXPECT_EQ(b1.describe(), "bool[2x3]");
  EXPECT_EQ(valuesOf<uint8_t>(b1), (std::vector<uint8_t>{1, 0, 1, 0, 1, 0}));
  EXPECT_EQ(read("i1.npy").shape(), llvm::ArrayRef(shape));

  HostTensor bf16 = read("bf16.npy");
  EXPECT_EQ(bf16.describe(), "bf16[4]");
  EXPECT_EQ(valuesOf<uint16_t>(bf16),
            (std::vector<uint16_t>{0x3F80, 0xC000, 0x3F00, 0}));

  HostTensor scalar = read("f8_scalar.npy");
  EXPECT_EQ(scalar.describe(), "f64[]");
  EXPECT_EQ(valuesOf<double>(scalar), std::vector<double>{2.5});
  EXPECT_EQ(valuesOf<int16_t>(read("i2_vector.npy")),
            (std::vector<int16_t>{-2, 0, 7}));
  HostTensor empty = read("f4_empty.npy");
  EXPECT_EQ(empty.describe(), "f32[0x3]");
  EXPECT_EQ(empty.byteSize(), 0u);
}

TEST(NpyTest, SerializesLikeNumPy) {
  // Built independently of the reader: np.arange(6, dtype=f4).reshape(2, 3).
  HostTensor arange(DType::F32, {2, 3});
  for (int i = 0; i < 6; ++i)
    arange.dataAs<float>()[i] = i;
  EXPECT_EQ(serializeNpy(arange), readBytes(inputPath("f4_arange.npy")));

  // Every descr and shape spelling np.save produced: "()", "(3,)", "(0, 3)".
  for (const char *name :
       {"f2.npy", "f4.npy", "f8.npy", "i1.npy", "i2.npy", "i4.npy", "i8.npy",
        "u1.npy", "b1.npy", "f8_scalar.npy", "i2_vector.npy", "f4_empty.npy"}) {
    std::string bytes = readBytes(inputPath(name));
    llvm::Expected<HostTensor> tensor = parseNpy(bytes, name);
    ASSERT_TRUE(bool(tensor)) << llvm::toString(tensor.takeError());
    EXPECT_EQ(serializeNpy(*tensor), bytes) << name;
  }
}

TEST(NpyTest, RejectsWhatItCannotRepresent) {
  EXPECT_TRUE(failsWith(readNpy(inputPath("fortran.npy")),
                        inputPath("fortran.npy"),
                        "Fortran-order arrays are not supported"));
  EXPECT_TRUE(failsWith(readNpy(inputPath("complex.npy")),
                        inputPath("complex.npy"), "unsupported dtype '<c8'"));
  std::string data(8, '\0');
  for (const char *descr :
       {"'<U2'", "'O'", "'<u2'", "'>V2'", "'|f4'", "[('a', '<f4')]", "7"})
    EXPECT_TRUE(failsWith(
        parseNpy(npyWithHeader(std::string("{'descr': ") + descr +
                                   ", 'fortran_order': False, 'shape': (2,), }",
                               data),
                 "x.npy"),
        "x.npy", std::string("unsupported dtype ") + descr));
}

TEST(NpyTest, ParsesAnyHeaderSpelling) {
  std::string data = floatBytes({1, 2, 3, 4, 5, 6});
  for (const char *dict :
       {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        "{ 'shape' : ( 2 , 3 ) ,'fortran_order':False,'descr':\"<f4\" }",
        "{'fortran_order': False, 'shape': (2L, 3L), 'descr': '<f4'}   "}) {
    llvm::Expected<HostTensor> t = parseNpy(npyWithHeader(dict, data), "x");
    ASSERT_TRUE(bool(t)) << dict << ": " << llvm::toString(t.takeError());
    EXPECT_EQ(t->describe(), "f32[2x3]");
    EXPECT_EQ(valuesOf<float>(*t), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  }
  auto parse = [&](const char *shape, size_t bytes, const char *descr) {
    return parseNpy(
        npyWithHeader(std::string("{'descr': '") + descr +
                          "', 'fortran_order': False, 'shape': " + shape + "}",
                      std::string(bytes, '\x01')),
        "x");
  };
  llvm::Expected<HostTensor> scalar = parse("()", 4, "<i4");
  ASSERT_TRUE(bool(scalar));
  EXPECT_EQ(scalar->describe(), "i32[]");
  llvm::Expected<HostTensor> vector = parse("(3,)", 3, "<i1");
  ASSERT_TRUE(bool(vector));
  EXPECT_EQ(vector->describe(), "i8[3]");
  // Zero-size: no data at all.
  llvm::Expected<HostTensor> empty = parse("(4, 0, 2)", 0, ">f8");
  ASSERT_TRUE(bool(empty));
  EXPECT_EQ(empty->describe(), "f64[4x0x2]");
}

TEST(NpyTest, RejectsDamagedFiles) {
  std::string valid = serializeNpy(patterned(DType::F32, {2, 3}));
  ASSERT_EQ(valid.size(), 128u + 24u);

  std::string truncated = valid.substr(0, valid.size() - 4);
  EXPECT_TRUE(failsWith(parseNpy(truncated, "x.npy"), "x.npy",
                        "truncated: expected 24 bytes of data, found 20"));
  EXPECT_TRUE(failsWith(parseNpy(valid + "!", "x.npy"), "x.npy",
                        "1 unexpected trailing bytes"));
  std::string longHeader = valid;
  longHeader[8] = longHeader[9] = '\xFF';
  EXPECT_TRUE(failsWith(parseNpy(longHeader, "x.npy"), "x.npy",
                        "header length 65535 exceeds the file size"));
  std::string badMagic = valid;
  badMagic[1] = 'X';
  EXPECT_TRUE(failsWith(parseNpy(badMagic, "x.npy"), "x.npy", "bad magic"));
  EXPECT_TRUE(failsWith(parseNpy("\x93NUM", "x.npy"), "x.npy", "bad magic"));
  std::string version4 = valid;
  version4[6] = 4;
  EXPECT_TRUE(failsWith(parseNpy(version4, "x.npy"), "x.npy",
                        "unsupported .npy version 4.0"));

  auto withDict = [](const std::string &dict) {
    return parseNpy(npyWithHeader(dict, std::string(24, '\0')), "x.npy");
  };
  auto withShape = [&](const std::string &shape) {
    return withDict(
        "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }");
  };
  EXPECT_TRUE(
      failsWith(withShape("(-1, 3)"), "x.npy", "negative dimension -1"));
  // 4e18 bytes: refused from the header alone.
  EXPECT_TRUE(failsWith(withShape("(1000000, 1000000, 1000000)"), "x.npy",
                        "exceeds the 2^40-byte limit"));
  EXPECT_TRUE(failsWith(withShape("(0, 4611686018427387904, 4)"), "x.npy",
                        "exceeds the 2^40-byte limit"));
  EXPECT_TRUE(
      failsWith(withShape("(99999999999999999999,)"), "x.npy", "out of range"));
  EXPECT_TRUE(failsWith(withShape("(2.5,)"), "x.npy", "malformed header"));
  EXPECT_TRUE(failsWith(withShape("('2',)"), "x.npy", "must be integers"));
  EXPECT_TRUE(failsWith(withShape("6"), "x.npy", "must be a tuple"));
  EXPECT_TRUE(failsWith(withShape("(" + std::string(1000, '(')), "x.npy",
                        "too deeply nested"));
  EXPECT_TRUE(failsWith(withDict("{'descr': '<f4', 'shape': (6,)}"), "x.npy",
                        "header is missing 'fortran_order'"));
  EXPECT_TRUE(failsWith(
      withDict("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), "
               "'extra': 1}"),
      "x.npy", "unexpected header key 'extra'"));
  EXPECT_TRUE(failsWith(
      withDict("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
               "'shape': (6,)}"),
      "x.npy", "duplicate header key 'descr'"));
  EXPECT_TRUE(
      failsWith(withDict("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}"),
                "x.npy", "'fortran_order' must be True or False"));
  EXPECT_TRUE(failsWith(
      withDict("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} x"),
      "x.npy", "unexpected text after the dict"));
  EXPECT_TRUE(
      failsWith(withDict("{'descr': '<f4"), "x.npy", "unterminated string"));
}

TEST(NpyTest, SurvivesEveryTruncationAndByteFlip) {
  std::string valid = serializeNpy(patterned(DType::I16, {3, 2}));
  for (size_t size = 0; size < valid.size(); ++size)
    EXPECT_TRUE(
        failsWith(parseNpy(valid.substr(0, size), "x.npy"), "x.npy", ""))
        << size;
  // Flipped header bytes may still parse; they must never crash.
  for (size_t pos = 0; pos + 12 < valid.size(); ++pos)
    for (char value : {'\0', '(', ')', '\'', ',', '-', '9', '\xFF'}) {
      std::string damaged = valid;
      damaged[pos] = value;
      llvm::consumeError(parseNpy(damaged, "x.npy").takeError());
    }
}

//===----------------------------------------------------------------------===//
// .npz
//===----------------------------------------------------------------------===//

void expectSavezContents(const NamedTensors &tensors) {
  ASSERT_EQ(tensors.size(), 3u);
  EXPECT_EQ(tensors[0].first, "weight");
  EXPECT_EQ(tensors[1].first, "bias");
  EXPECT_EQ(tensors[2].first, "flag");
  EXPECT_EQ(tensors[0].second.describe(), "f32[2x3]");
  EXPECT_EQ(valuesOf<float>(tensors[0].second),
            (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(tensors[1].second.describe(), "i64[4]");
  EXPECT_EQ(valuesOf<int64_t>(tensors[1].second),
            (std::vector<int64_t>{-1, 0, 1, 2}));
  EXPECT_EQ(tensors[2].second.describe(), "bool[]");
  EXPECT_EQ(valuesOf<uint8_t>(tensors[2].second), std::vector<uint8_t>{1});
}

TEST(NpzTest, ReadsSavezAndSavezCompressed) {
  for (const char *name : {"savez.npz", "savez_compressed.npz"}) {
    llvm::Expected<NamedTensors> tensors = readNpz(inputPath(name));
    ASSERT_TRUE(bool(tensors)) << llvm::toString(tensors.takeError());
    expectSavezContents(*tensors);
  }
}

class NpzFileTest : public ScratchDir {};

TEST_F(NpzFileTest, RoundTripsEveryDTypeAndRank) {
  NamedTensors tensors;
  unsigned seed = 0;
  for (DType dtype : kAllDTypes)
    for (const auto &shape : kShapes) {
      tensors.emplace_back("t" + std::to_string(seed),
                           patterned(dtype, shape, seed));
      ++seed;
    }
  ASSERT_FALSE(bool(writeNpz(path("all.npz"), tensors)));
  llvm::Expected<NamedTensors> back = readNpz(path("all.npz"));
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  ASSERT_EQ(back->size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ((*back)[i].first, tensors[i].first);
    EXPECT_TRUE(sameTensor((*back)[i].second, tensors[i].second));
  }

  ASSERT_FALSE(bool(writeNpz(path("empty.npz"), {})));
  llvm::Expected<NamedTensors> none = readNpz(path("empty.npz"));
  ASSERT_TRUE(bool(none)) << llvm::toString(none.takeError());
  EXPECT_TRUE(none->empty());

  NamedTensors twice;
  twice.emplace_back("a", HostTensor(DType::I8, {1}));
  twice.emplace_back("a", HostTensor(DType::I8, {1}));
  EXPECT_TRUE(failsWith(writeNpz(path("twice.npz"), twice), path("twice.npz"),
                        "duplicate name 'a'"));
  EXPECT_EQ(listing(), (std::vector<std::string>{"all.npz", "empty.npz"}));
}

TEST(NpzTest, WritesLikeSavez) {
  // np.savez of the same arrays differs only in zip attributes; the members
  // and their CRCs must agree, and both must read back the same.
  std::string savez = readBytes(inputPath("savez.npz"));
  std::vector<std::pair<std::string, std::string>> theirs;
  ASSERT_FALSE(bool(zip::forEachMember(
      savez, "savez.npz", [&](llvm::StringRef name, llvm::StringRef data) {
        theirs.emplace_back(name.str(), data.str());
        return llvm::Error::success();
      })));
  ASSERT_EQ(theirs.size(), 3u);
  for (const auto &[name, data] : theirs) {
    llvm::Expected<HostTensor> tensor = parseNpy(data, name);
    ASSERT_TRUE(bool(tensor)) << llvm::toString(tensor.takeError());
    EXPECT_EQ(serializeNpy(*tensor), data) << name;
  }
}

TEST(NpzTest, Zip64RecordsRoundTrip) {
  std::string image = serializeNpy(patterned(DType::F32, {3}));
  for (bool force : {false, true}) {
    std::string bytes = zipOf({{"a.npy", image}, {"b.npy", ""}}, force);
    std::vector<std::string> seen;
    ASSERT_FALSE(bool(zip::forEachMember(
        bytes, "z.npz", [&](llvm::StringRef name, llvm::StringRef data) {
          seen.push_back(name.str() + ":" + std::to_string(data.size()));
          return llvm::Error::success();
        })));
    EXPECT_EQ(seen, (std::vector<std::string>{
                        "a.npy:" + std::to_string(image.size()), "b.npy:0"}));
  }
}

class NpzDamageTest : public ScratchDir {
protected:
  void SetUp() override {
    ScratchDir::SetUp();
    valid = zipOf({{"a.npy", serializeNpy(patterned(DType::F32, {2, 3}))},
                   {"b.npy", serializeNpy(patterned(DType::I8, {4}))}});
  }
  ::testing::AssertionResult fails(llvm::StringRef bytes,
                                   llvm::StringRef needle) {
    return failsWith(readNpzBytes(path("x.npz"), bytes), path("x.npz"), needle);
  }
  std::string valid;
};

TEST_F(NpzDamageTest, RejectsBadMembers) {
  ASSERT_TRUE(bool(readNpzBytes(path("x.npz"), valid)));

  // Same-length renames keep every offset valid.
  std::string renamed = valid;
  for (size_t at; (at = renamed.find("a.npy")) != std::string::npos;)
    renamed.replace(at, 5, "a.txt");
  EXPECT_TRUE(fails(renamed, "member 'a.txt' is not an .npy file"));
  std::string duplicated = valid;
  for (size_t at; (at = duplicated.find("b.npy")) != std::string::npos;)
    duplicated.replace(at, 5, "a.npy");
  EXPECT_TRUE(fails(duplicated, "duplicate member 'a.npy'"));

  std::string flipped = valid;
  flipped[30 + 5 + 128] ^= 1; // first data byte of a.npy
  EXPECT_TRUE(fails(flipped, "member 'a.npy': CRC-32 mismatch"));

  // A member that is a damaged .npy names both the archive and the member.
  std::string bad = zipOf({{"c.npy", "\x93NUMPY"}});
  EXPECT_TRUE(failsWith(readNpzBytes(path("x.npz"), bad), path("x.npz:c.npy"),
                        "not an .npy file (bad magic)"));
}

TEST_F(NpzDamageTest, RejectsBadStructure) {
  EXPECT_TRUE(fails(valid.substr(0, valid.size() - 10),
                    "no end of central directory record"));
  EXPECT_TRUE(fails("", "too short"));
  for (size_t size = 0; size < valid.size(); ++size)
    EXPECT_TRUE(fails(valid.substr(0, size), "")) << size;

  size_t end = valid.rfind("PK\x05\x06");
  size_t central = valid.find("PK\x01\x02");
  ASSERT_NE(end, std::string::npos);
  ASSERT_NE(central, std::string::npos);
  auto patch32 = [](std::string bytes, size_t at, uint32_t value) {
    llvm::support::endian::write32le(&bytes[at], value);
    return bytes;
  };
  EXPECT_TRUE(
      fails(patch32(valid, end + 16, 0x7FFFFFF0), "lies outside the archive"));
  std::string manyEntries = valid;
  llvm::support::endian::write16le(&manyEntries[end + 8], 0x7FFF);
  llvm::support::endian::write16le(&manyEntries[end + 10], 0x7FFF);
  EXPECT_TRUE(fails(manyEntries, "cannot hold 32767 entries"));
  // Both sizes of a stored member far beyond the file.
  std::string huge = patch32(patch32(valid, central + 20, 0x7FFFFFFF),
                             central + 24, 0x7FFFFFFF);
  EXPECT_TRUE(fails(huge, "runs past the end of the archive"));
  EXPECT_TRUE(fails(patch32(valid, central + 20, 100), "stored member"));
  EXPECT_TRUE(fails(patch32(valid, central + 42, 7), "bad local header"));
  std::string method = valid;
  method[central + 10] = 12; // bzip2
  EXPECT_TRUE(fails(method, "unsupported compression method 12"));
}

TEST_F(NpzDamageTest, RejectsBadDeflate) {
  std::string compressed = readBytes(inputPath("savez_compressed.npz"));
  size_t central = compressed.find("PK\x01\x02");
  ASSERT_NE(central, std::string::npos);
  // A tiny deflated member claiming a terabyte is refused before inflating.
  std::string lying = compressed;
  llvm::support::endian::write32le(&lying[central + 24], 0xFFFFFFF0);
  EXPECT_TRUE(fails(lying, "is impossible for"));
  std::string longer = compressed;
  llvm::support::endian::write32le(&longer[central + 24], 100);
  EXPECT_TRUE(fails(longer, "inflates to more than the declared 100 bytes"));
  // Damaged compressed data: almost always an error (a flip in the padding
  // after the final block changes nothing), never a crash.
  uint16_t nameSize = llvm::support::endian::read16le(&compressed[26]);
  uint16_t extraSize = llvm::support::endian::read16le(&compressed[28]);
  uint32_t deflated =
      llvm::support::endian::read32le(&compressed[central + 20]);
  size_t start = 30 + nameSize + extraSize, failures = 0;
  for (size_t at = start; at < start + deflated; ++at) {
    std::string damaged = compressed;
    damaged[at] ^= 0x5A;
    llvm::Expected<NamedTensors> result = readNpzBytes(path("x.npz"), damaged);
    failures += !result;
    llvm::consumeError(result.takeError());
  }
  EXPECT_GE(failures, deflated - 1);
}

} // namespace
