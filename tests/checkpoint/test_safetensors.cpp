// The safetensors reader: values read back, zero-copy views, f16/bf16 conversion, and every malformed-file case
// giving kCorruptFile with a message naming the file and the tensor.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

#include "edgevl/error.h"
#include "edgevl/qnn/safetensors.h"
#include "expect_error.h"
#include "st_writer.h"

using namespace edgevl;
using namespace edgevl::qnn;
using ckpt_test::StTensor;

using edgevl::test::expect_error;

namespace {

std::string file_in(const std::string& test, const std::string& name = "model.safetensors") {
  return ckpt_test::fresh_dir(test) + "/" + name;
}

// Writes a file whose only tensor "w" has the given header entry text (raw JSON) and `data` bytes.
std::string one_entry(const std::string& test, const std::string& entry, const std::string& data) {
  std::string path = file_in(test);
  std::string h = "{\"w\":" + entry + "}";
  ckpt_test::write_raw(path, h.size(), h, data);
  return path;
}

}  // namespace

TEST(Safetensors, ReadsValuesShapesAndDtypesWithoutCopy) {
  std::string path = file_in("read_values");
  std::vector<uint8_t> bf16 = {0x80, 0x3F, 0x00, 0xC0, 0x49, 0x40};  // 1.0, -2.0, 3.140625
  std::vector<uint8_t> f16 = {0x00, 0x3C, 0x00, 0xB8, 0x01, 0x00};   // 1.0, -0.5, 2^-24
  ckpt_test::write_safetensors(path, {{"a.f32", "F32", {2, 3}, ckpt_test::f32_bytes(6)},
                                      {"b.bf16", "BF16", {3}, bf16},
                                      {"c.f16", "F16", {1, 3}, f16},
                                      {"d.i64", "I64", {1}, std::vector<uint8_t>(8, 0)},
                                      {"e.empty", "F32", {0, 4}, {}}});
  auto f = SafetensorsFile::open(path);
  EXPECT_EQ(f->names(), (std::vector<std::string>{"a.f32", "b.bf16", "c.f16", "d.i64", "e.empty"}));
  const TensorView& a = f->at("a.f32");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.dtype, SafetensorsDType::kF32);
  EXPECT_EQ(a.nbytes, 24u);
  EXPECT_EQ(a.file, path);
  EXPECT_EQ(to_f32(a), (std::vector<float>{0, 0.5f, 1, 1.5f, 2, 2.5f}));
  EXPECT_EQ(to_f32(f->at("b.bf16")), (std::vector<float>{1.0f, -2.0f, 3.140625f}));
  EXPECT_EQ(to_f32(f->at("c.f16")), (std::vector<float>{1.0f, -0.5f, std::ldexp(1.0f, -24)}));
  EXPECT_EQ(f->at("e.empty").numel(), 0);
  EXPECT_EQ(f->find("nope"), nullptr);
  expect_error([&] { f->at("nope"); }, ErrorCode::kNotFound, {path, "nope"});
  expect_error([&] { to_f32(f->at("d.i64")); }, ErrorCode::kUnsupported, {"d.i64", "I64"});
  std::vector<float> small(2);
  expect_error([&] { convert_to_f32(a, small.data(), small.size()); }, ErrorCode::kShapeMismatch, {"a.f32"});

  // Zero copy: consecutive tensors are adjacent views into one mapping (b starts where a ends).
  EXPECT_EQ(f->at("b.bf16").data, a.data + a.nbytes);
  EXPECT_EQ(f->at("c.f16").data, f->at("b.bf16").data + 6);
}

TEST(Safetensors, F16ConversionMatchesIeeeForAllBitPatterns) {
  // Reference: the value each half-precision bit pattern denotes by the IEEE 754 binary16 definition.
  for (uint32_t b = 0; b < 65536; ++b) {
    uint32_t sign = b >> 15, exp = (b >> 10) & 31, mant = b & 1023;
    float got = f16_to_f32(static_cast<uint16_t>(b));
    if (exp == 31) {
      if (mant == 0) {
        EXPECT_TRUE(std::isinf(got) && std::signbit(got) == (sign == 1)) << b;
      } else {
        EXPECT_TRUE(std::isnan(got)) << b;
      }
      continue;
    }
    double v = exp == 0 ? std::ldexp(static_cast<double>(mant), -24)
                        : std::ldexp(1.0 + mant / 1024.0, static_cast<int>(exp) - 15);
    if (sign) v = -v;
    ASSERT_EQ(static_cast<double>(got), v) << "bits " << b;
    ASSERT_EQ(std::signbit(got), sign == 1) << b;
  }
  EXPECT_EQ(bf16_to_f32(0x3F80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0x0001), std::ldexp(1.0f, -133));  // bf16 subnormal
}

TEST(SafetensorsErrors, ZeroByteFile) {
  std::string p = file_in("zero");
  ckpt_test::write_bytes(p, "");
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "0 bytes"});
}

TEST(SafetensorsErrors, ShorterThanHeaderLength) {
  std::string p = file_in("short7");
  ckpt_test::write_bytes(p, std::string("\x10\0\0\0\0\0\0", 7));
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "7 bytes"});
}

TEST(SafetensorsErrors, HeaderLengthPastEnd) {
  std::string p = file_in("hdr_past_end");
  ckpt_test::write_raw(p, 1000, "{}", "");
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "header length 1000", "past the end"});
}

TEST(SafetensorsErrors, AbsurdHeaderLength) {
  std::string p = file_in("hdr_absurd");
  ckpt_test::write_raw(p, 0xFFFFFFFFFFFFFFF0ull, "{}", "");
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "100 MB"});
}

TEST(SafetensorsErrors, GarbageJson) {
  std::string p = file_in("garbage");
  std::string h = "{\"w\": {\"dtype\": \"F32\", ";  // cut mid-object
  ckpt_test::write_raw(p, h.size(), h, "abcd");
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "not valid JSON"});
  std::string q = file_in("binary_garbage");
  ckpt_test::write_raw(q, 5, std::string("\xff\xfe\x00\x01\x02", 5), "");
  expect_error([&] { SafetensorsFile::open(q); }, ErrorCode::kCorruptFile, {q, "not valid JSON"});
}

TEST(SafetensorsErrors, HeaderNotAnObject) {
  std::string p = file_in("array");
  ckpt_test::write_raw(p, 7, "[1,2,3]", "");
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "not a JSON object"});
}

TEST(SafetensorsErrors, OffsetOutOfRange) {
  std::string p = one_entry("out_of_range", R"({"dtype":"F32","shape":[4],"data_offsets":[8,24]})", std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "'w'", "out of range"});
}

TEST(SafetensorsErrors, EndBeforeBegin) {
  std::string p = one_entry("end_before_begin", R"({"dtype":"F32","shape":[1],"data_offsets":[8,4]})", std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "'w'", "end before begin"});
}

TEST(SafetensorsErrors, NegativeOffsetAndShape) {
  std::string p = one_entry("neg_off", R"({"dtype":"F32","shape":[1],"data_offsets":[-4,0]})", std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "'w'", "negative"});
  std::string q = one_entry("neg_shape", R"({"dtype":"F32","shape":[-1],"data_offsets":[0,4]})", std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(q); }, ErrorCode::kCorruptFile, {q, "'w'", "negative"});
}

TEST(SafetensorsErrors, OverlappingTensors) {
  std::string p = file_in("overlap");
  std::string h = R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                  R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
  ckpt_test::write_raw(p, h.size(), h, std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "'b'", "overlap", "'a'"});
  // Overlap hidden behind an empty tensor between the two is still found.
  std::string q = file_in("overlap_far");
  std::string h2 = R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                   R"("z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},)"
                   R"("c":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})";
  ckpt_test::write_raw(q, h2.size(), h2, std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(q); }, ErrorCode::kCorruptFile, {q, "'c'", "overlap"});
}

TEST(SafetensorsErrors, ByteCountMismatchesDtypeAndShape) {
  // 3 F32 elements need 12 bytes, the span holds 16.
  std::string p = one_entry("count", R"({"dtype":"F32","shape":[3],"data_offsets":[0,16]})", std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "'w'", "needs 12"});
  // Same span, dtype BF16 with 4 elements needs 8.
  std::string q = one_entry("count_dtype", R"({"dtype":"BF16","shape":[4],"data_offsets":[0,16]})", std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(q); }, ErrorCode::kCorruptFile, {q, "'w'", "BF16", "needs 8"});
  // A shape whose byte count overflows 64 bits.
  std::string r = one_entry("count_overflow",
                            R"({"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]})",
                            std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(r); }, ErrorCode::kCorruptFile, {r, "'w'", "too large"});
}

TEST(SafetensorsErrors, UnknownDtypeAndMalformedEntries) {
  std::string p = one_entry("dtype", R"({"dtype":"Q4_K","shape":[4],"data_offsets":[0,16]})", std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "'w'", "unknown dtype", "Q4_K"});
  std::string q = one_entry("no_dtype", R"({"shape":[4],"data_offsets":[0,16]})", std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(q); }, ErrorCode::kCorruptFile, {q, "'w'", "dtype"});
  std::string r = one_entry("bad_offsets", R"({"dtype":"F32","shape":[4],"data_offsets":[0]})", std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(r); }, ErrorCode::kCorruptFile, {r, "'w'", "data_offsets"});
  std::string s = one_entry("entry_scalar", R"(42)", std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(s); }, ErrorCode::kCorruptFile, {s, "'w'", "not a JSON object"});
  std::string t = one_entry("shape_float", R"({"dtype":"F32","shape":[1.5],"data_offsets":[0,4]})", std::string(16, 'x'));
  expect_error([&] { SafetensorsFile::open(t); }, ErrorCode::kCorruptFile, {t, "'w'", "shape"});
}

TEST(SafetensorsErrors, TruncatedFile) {
  std::string dir = ckpt_test::fresh_dir("truncated");
  std::string full = dir + "/full.safetensors";
  ckpt_test::write_safetensors(full, {{"x", "F32", {8}, ckpt_test::f32_bytes(8)},
                                      {"y.last", "F32", {4}, ckpt_test::f32_bytes(4)}});
  std::string bytes = ckpt_test::read_bytes(full);
  std::string cut = dir + "/model.safetensors";
  ckpt_test::write_bytes(cut, bytes.substr(0, bytes.size() - 5));
  expect_error([&] { SafetensorsFile::open(cut); }, ErrorCode::kCorruptFile, {cut, "'y.last'", "out of range"});
}

TEST(SafetensorsErrors, MissingFileIsNotFound) {
  std::string dir = ckpt_test::fresh_dir("missing");
  expect_error([&] { SafetensorsFile::open(dir + "/nope.safetensors"); }, ErrorCode::kNotFound, {"nope.safetensors"});
  expect_error([&] { SafetensorsCheckpoint::open_dir(dir); }, ErrorCode::kNotFound, {dir, "model.safetensors"});
}

// --- sharded directories ---

namespace {
std::string make_two_shards(const std::string& test, const std::string& index) {
  std::string dir = ckpt_test::fresh_dir(test);
  ckpt_test::write_safetensors(dir + "/s1.safetensors", {{"a", "F32", {2}, ckpt_test::f32_bytes(2)}});
  ckpt_test::write_safetensors(dir + "/s2.safetensors", {{"b", "F32", {3}, ckpt_test::f32_bytes(3)}});
  ckpt_test::write_bytes(dir + "/model.safetensors.index.json", index);
  return dir;
}
}  // namespace

TEST(SafetensorsDir, ShardedIndexLoadsEveryShardOnce) {
  std::string dir = make_two_shards("shards_ok",
                                    R"({"metadata":{"total_size":20},"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})");
  SafetensorsCheckpoint c = SafetensorsCheckpoint::open_dir(dir);
  EXPECT_EQ(c.files().size(), 2u);
  EXPECT_EQ(c.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.at("b").file, dir + "/s2.safetensors");
  EXPECT_EQ(to_f32(c.at("b")), (std::vector<float>{0, 0.5f, 1}));
  // Views stay valid in a copy after the original is gone (files shared).
  const TensorView* a = nullptr;
  SafetensorsCheckpoint copy;
  {
    SafetensorsCheckpoint tmp = SafetensorsCheckpoint::open_dir(dir);
    copy = tmp;
    a = copy.find("a");
  }
  EXPECT_EQ(to_f32(*a), (std::vector<float>{0, 0.5f}));
  expect_error([&] { c.at("zz"); }, ErrorCode::kNotFound, {dir, "zz"});
}

TEST(SafetensorsDir, BadIndexes) {
  std::string d1 = make_two_shards("index_garbage", "{weight_map: nope");
  expect_error([&] { SafetensorsCheckpoint::open_dir(d1); }, ErrorCode::kCorruptFile, {"model.safetensors.index.json", "JSON"});
  std::string d2 = make_two_shards("index_no_map", R"({"metadata":{}})");
  expect_error([&] { SafetensorsCheckpoint::open_dir(d2); }, ErrorCode::kCorruptFile, {"weight_map"});
  std::string d3 = make_two_shards("index_escape", R"({"weight_map":{"a":"../s1.safetensors"}})");
  expect_error([&] { SafetensorsCheckpoint::open_dir(d3); }, ErrorCode::kCorruptFile, {"'a'", "../s1.safetensors"});
  std::string d4 = make_two_shards("index_wrong_shard", R"({"weight_map":{"a":"s2.safetensors","b":"s2.safetensors"}})");
  expect_error([&] { SafetensorsCheckpoint::open_dir(d4); }, ErrorCode::kCorruptFile, {"'a'", "does not hold it"});
  std::string d5 = make_two_shards("index_missing_shard", R"({"weight_map":{"a":"s1.safetensors","b":"s9.safetensors"}})");
  expect_error([&] { SafetensorsCheckpoint::open_dir(d5); }, ErrorCode::kNotFound, {"s9.safetensors"});
  std::string d6 = ckpt_test::fresh_dir("index_duplicate");
  ckpt_test::write_safetensors(d6 + "/s1.safetensors", {{"a", "F32", {2}, ckpt_test::f32_bytes(2)}});
  ckpt_test::write_safetensors(d6 + "/s2.safetensors", {{"a", "F32", {2}, ckpt_test::f32_bytes(2)}});
  ckpt_test::write_bytes(d6 + "/model.safetensors.index.json", R"({"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})");
  expect_error([&] { SafetensorsCheckpoint::open_dir(d6); }, ErrorCode::kCorruptFile, {"'a'", "twice"});
}

TEST(SafetensorsDir, CorruptShardNamesFileAndTensor) {
  std::string dir = make_two_shards("bad_shard", R"({"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})");
  std::string h = R"({"b":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})";
  ckpt_test::write_raw(dir + "/s2.safetensors", h.size(), h, std::string(16, 'x'));
  expect_error([&] { SafetensorsCheckpoint::open_dir(dir); }, ErrorCode::kCorruptFile, {dir + "/s2.safetensors", "'b'"});
}
