// The hostile-input catalog (issue 11): one named case per bad input that the other bad-input tests do not already
// cover. Each case builds its input, runs it through the entry point a user would (load_image, Tokenizer::from_file,
// compile_model, Model::open, Session::generate), and asserts the edgevl::ErrorCode and that the message names the file
// or argument. No case may crash (bomb cases run in a child process, so a crash fails only that case), allocate
// beyond a stated bound (bomb cases: the child's peak RSS growth, VmHWM minus the VmRSS before the call, must stay
// under kBombRssBoundMiB) or hang (every child has kChildSeconds; the whole catalog takes about a second).
//
// Cases of the same classes that live elsewhere (not repeated here):
//   deep JSON          JsonDepth.* (test_json_depth.cpp), BundleTest.ManifestNestingLimitIs128,
//                      HostileCompile.CalibrationFileDetails (deep .jsonl lines)
//   bombs              ImageBomb.* (header-only PNG 20000x20000, JPEG 65000x65000, configurable limit)
//   corrupt bundles    CorruptBundle.* (random bytes in weights.bin, replaced tokenizer/preprocessor/generation config),
//                      BundleTest.CorruptionIsAClearErrorNeverACrash, BundleTest.ManifestValuesOfWrongTypeOrRange...
//   cross-checks       HostileCompile.PreprocessorConfigMustMatchTheVisionTower
//   atomic writes      BundleTest.InterruptedWriteLeavesNothingOpenable, BundleTest.StaleTemporariesOfDeadWritersAreRemoved,
//                      DemoCli.ConcurrentFirstRunsShareOneCompile
//   prompt injection   PromptInjection.TypedSpecialTokensStayTextInEveryRole, SpecialTokens.*, QwenChat.SpecialTokens...,
//                      ChatTemplate.ImagePadsTypedInContentAreNotPlaceholders, DemoCli.SpecialTokensInThePrompt...
//   messages           BadInputs.* (test_bad_inputs.cpp), QwenBadInput.InvalidUtf8IsInvalidArgumentNamingOffset
//   aspect ratios      ExtremeAspect.EveryAcceptedImageHasAViTBucket, SmartResize.AspectRatioLimitIs200
//   earlier issues     DemoCli.MissingModel/MissingImage/CorruptImage/CorruptBundle/EmptyPrompt/PromptTooLong,
//                      SafetensorsErrors.*, BrokenCheckpoint.*, Session.BadInputsGiveErrorCodes, Model.OpenErrorsAndInfo
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgevl/edgevl.h"
#include "edgevl/llm/tokenizer.h"
#include "edgevl/models/qwen2vl_config.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/vision/image.h"
#include "edgevl/vision/preprocessor_config.h"
#include "expect_error.h"

namespace fs = std::filesystem;
using edgevl::ErrorCode;
using nlohmann::json;

namespace {

const fs::path kTmp = fs::path(EDGEVL_TEST_TMP) / "catalog";
const fs::path kModel = fs::path(EDGEVL_SOURCE_DIR) / "models/demo/qwen2vl-shapes";

/// Bomb cases: the most the child process's resident set may grow while refusing the input. A 20000x20000 RGB image
/// would take 1.2 GB decoded; refusing it from the header needs the file's bytes and little else.
constexpr int64_t kBombRssBoundMiB = 64;
/// Every child process (bomb cases) is killed after this long: a hang is a failed case, not a stuck suite.
constexpr unsigned kChildSeconds = 30;

// ---------------------------------------------------------------------------------------------------------- files

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = kTmp / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string nested(int depth, const std::string& open = "[", const std::string& close = "]") {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

// ---------------------------------------------------------------------------------------------------------- images

void put_be32(std::string& s, uint32_t v) {
  for (int k = 24; k >= 0; k -= 8) s.push_back(static_cast<char>((v >> k) & 0xFF));
}
void put_le16(std::string& s, uint32_t v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>((v >> 8) & 0xFF));
}
void put_le32(std::string& s, uint32_t v) {
  put_le16(s, v & 0xFFFF);
  put_le16(s, v >> 16);
}
void put_le24(std::string& s, uint32_t v) {
  put_le16(s, v & 0xFFFF);
  s.push_back(static_cast<char>((v >> 16) & 0xFF));
}

void png_chunk(std::string& png, const char* type, const std::string& data) {
  put_be32(png, static_cast<uint32_t>(data.size()));
  const std::string body = type + data;
  png += body;
  put_be32(png, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()))));
}

/// A valid PNG (CRCs, zlib stream) of `width` x `height`: 8-bit RGB grey 128 (`bits` 8), or 1-bit greyscale zeros
/// (`bits` 1: the raw rows of a 20000x20000 image are 50 MB and compress to about 50 KB: a decompression bomb).
std::string make_png(uint32_t width, uint32_t height, int bits = 8) {
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  put_be32(ihdr, width);
  put_be32(ihdr, height);
  ihdr.push_back(static_cast<char>(bits));
  ihdr.push_back(static_cast<char>(bits == 8 ? 2 : 0));  // colour type: RGB / greyscale
  ihdr.append(3, '\0');                                 // deflate, adaptive filtering, no interlace
  png_chunk(png, "IHDR", ihdr);
  const size_t row = bits == 8 ? size_t(width) * 3 : (size_t(width) + 7) / 8;
  z_stream z{};
  deflateInit(&z, 9);
  std::string raw(1 + row, bits == 8 ? '\x80' : '\0'), out;
  raw[0] = 0;  // filter type None
  std::vector<unsigned char> buf(1 << 16);
  for (uint32_t y = 0; y < height; ++y) {
    z.next_in = reinterpret_cast<Bytef*>(raw.data());
    z.avail_in = uInt(raw.size());
    const int flush = y + 1 == height ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = buf.data();
      z.avail_out = uInt(buf.size());
      deflate(&z, flush);
      out.append(reinterpret_cast<char*>(buf.data()), buf.size() - z.avail_out);
    } while (z.avail_out == 0 || (flush == Z_FINISH && z.avail_in > 0));
  }
  deflateEnd(&z);
  png_chunk(png, "IDAT", out);
  png_chunk(png, "IEND", "");
  return png;
}

/// The 20000x20000 1-bit PNG bomb (about 50 KB), made once.
const std::string& png_bomb() {
  static const std::string png = make_png(20000, 20000, 1);
  return png;
}

/// An animated WebP: RIFF/WEBP with a VP8X chunk whose animation flag is set, an ANIM chunk and one ANMF frame.
std::string make_animated_webp() {
  std::string vp8x = "VP8X";
  put_le32(vp8x, 10);
  vp8x.push_back(0x02);  // flags: animation
  vp8x.append(3, '\0');
  put_le24(vp8x, 63);  // canvas 64x64 (minus one)
  put_le24(vp8x, 63);
  std::string anim = "ANIM";
  put_le32(anim, 6);
  put_le32(anim, 0);  // background colour
  put_le16(anim, 0);  // loop count
  std::string frame_data(16 + 16, '\0');  // frame header + a (junk) bitstream: never decoded
  std::string anmf = "ANMF";
  put_le32(anmf, uint32_t(frame_data.size()));
  anmf += frame_data;
  const std::string body = "WEBP" + vp8x + anim + anmf;
  std::string riff = "RIFF";
  put_le32(riff, uint32_t(body.size()));
  return riff + body;
}

/// A VP8X (extended) WebP whose canvas is 16384x16384 (the header's 24-bit fields allow up to 2^24 per side).
std::string make_webp_bomb() {
  std::string vp8x = "VP8X";
  put_le32(vp8x, 10);
  vp8x.append(4, '\0');
  put_le24(vp8x, 16383);
  put_le24(vp8x, 16383);
  std::string vp8l = "VP8L";
  put_le32(vp8l, 8);
  vp8l.append(8, '\0');
  const std::string body = "WEBP" + vp8x + vp8l;
  std::string riff = "RIFF";
  put_le32(riff, uint32_t(body.size()));
  return riff + body;
}

/// A BMP with an RLE8 BITMAPINFOHEADER declaring 30000x30000 (RLE lets a small file describe a huge image).
std::string make_bmp_bomb() {
  std::string info;
  put_le32(info, 40);     // header size
  put_le32(info, 30000);  // width
  put_le32(info, 30000);  // height
  put_le16(info, 1);      // planes
  put_le16(info, 8);      // bits per pixel
  put_le32(info, 1);      // BI_RLE8
  put_le32(info, 2);      // image size
  info.append(16, '\0');  // resolution, colours used / important
  std::string palette(256 * 4, '\0');
  const std::string pixels("\x00\x01", 2);  // end of bitmap
  std::string bmp = "BM";
  put_le32(bmp, uint32_t(14 + info.size() + palette.size() + pixels.size()));
  put_le32(bmp, 0);
  put_le32(bmp, uint32_t(14 + info.size() + palette.size()));
  return bmp + info + palette + pixels;
}

/// A little-endian TIFF whose first IFD declares a 20000x20000 deflate-compressed RGB image with a tiny strip.
std::string make_tiff_bomb(bool big_endian = false) {
  auto u16 = [&](std::string& s, uint32_t v) {
    if (big_endian) {
      s.push_back(static_cast<char>((v >> 8) & 0xFF));
      s.push_back(static_cast<char>(v & 0xFF));
    } else {
      put_le16(s, v);
    }
  };
  auto u32 = [&](std::string& s, uint32_t v) {
    if (big_endian) put_be32(s, v);
    else put_le32(s, v);
  };
  std::string t = big_endian ? std::string("MM\0*", 4) : std::string("II*\0", 4);
  u32(t, 8);  // IFD at byte 8
  const std::vector<std::array<uint32_t, 4>> entries = {
      {256, 4, 1, 20000},  // ImageWidth LONG
      {257, 4, 1, 20000},  // ImageLength LONG
      {258, 3, 1, 8},      // BitsPerSample
      {259, 3, 1, 8},      // Compression: deflate
      {262, 3, 1, 2},      // Photometric: RGB
      {273, 4, 1, 200},    // StripOffsets
      {277, 3, 1, 3},      // SamplesPerPixel
      {278, 4, 1, 20000},  // RowsPerStrip
      {279, 4, 1, 16},     // StripByteCounts
  };
  u16(t, uint32_t(entries.size()));
  for (const auto& e : entries) {
    u16(t, e[0]);
    u16(t, e[1]);
    u32(t, e[2]);
    if (e[1] == 3) {  // a SHORT value sits in the first two bytes of the field
      u16(t, e[3]);
      u16(t, 0);
    } else {
      u32(t, e[3]);
    }
  }
  u32(t, 0);  // no next IFD
  t.resize(216, '\0');
  return t;
}

// ------------------------------------------------------------------------------------------------ model and bundles

/// A copy of the demo model's Hugging Face directory (the weights linked, not copied) for compile cases.
fs::path model_copy(const std::string& name) {
  const fs::path d = fresh_dir(name);
  for (const auto& e : fs::directory_iterator(kModel)) {
    if (e.path().extension() == ".safetensors") fs::create_symlink(e.path(), d / e.path().filename());
    else fs::copy_file(e.path(), d / e.path().filename());
  }
  return d;
}

json read_json(const fs::path& p) { return json::parse(read_file(p)); }
void write_json(const fs::path& p, const json& j) { write_file(p, j.dump(1)); }

edgevl::CompileOptions small_compile() {
  edgevl::CompileOptions o;
  o.precision = edgevl::Precision::kFp32;
  o.context_length = 128;
  o.chunk = 64;
  return o;
}

/// The demo model compiled once (fp32, context 128, chunk 64); cases work on copies of it.
const fs::path& base_bundle() {
  static const fs::path b = [] {
    const fs::path p = fresh_dir("base") / "shapes.evl";
    edgevl::compile_model(kModel.string(), p.string(), small_compile());
    return p;
  }();
  return b;
}

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// A copy of the base bundle at `name` whose manifest `edit` changed and whose checksums were then recomputed (the
/// manifest's own and those of the extra files, after `edit_files` changed them): what an attacker who knows the
/// (unkeyed) checksum scheme can write. Only validation stands between such a bundle and the runtime.
fs::path hostile_bundle(const std::string& name, const std::function<void(json&)>& edit,
                        const std::function<void(const fs::path&)>& edit_files = {}) {
  const fs::path d = kTmp / name;
  fs::remove_all(d);
  fs::create_directories(d);
  for (const auto& e : fs::directory_iterator(base_bundle()))
    if (e.path().filename() != ".verified") fs::copy_file(e.path(), d / e.path().filename());
  if (edit_files) edit_files(d);
  json m = read_json(d / "manifest.json");
  for (json& f : m["extra_files"]) {
    const std::string bytes = read_file(d / f["name"].get<std::string>());
    f["hash"] = hex16(edgevl::qnn::bundle_hash64(bytes.data(), bytes.size()));
    f["size"] = bytes.size();
  }
  if (edit) edit(m);
  m.erase("manifest_checksum");
  std::string text = "{\"manifest_checksum\": \"0000000000000000\", " + m.dump().substr(1);
  const size_t at = std::string("{\"manifest_checksum\": \"").size();
  text.replace(at, 16, hex16(edgevl::qnn::bundle_hash64(text.data(), text.size())));
  write_file(d / "manifest.json", text);
  return d;
}

json& graph_named(json& m, const std::string& name) {
  for (json& g : m["graphs"])
    if (g["name"] == name) return g;
  throw std::runtime_error("no graph " + name);
}

json& first_op(json& g, const std::string& type) {
  for (json& op : g["ops"])
    if (op["type"] == type) return op;
  throw std::runtime_error("no op " + type);
}

json& tensor_named(json& g, const std::string& name) {
  for (json& t : g["tensors"])
    if (t["name"] == name) return t;
  throw std::runtime_error("no tensor " + name);
}

void open_model(const fs::path& bundle) { edgevl::Model::open(bundle.string()); }

const edgevl::Model& demo_model() {
  static const edgevl::Model m = edgevl::Model::open(base_bundle().string());
  return m;
}

edgevl::Result ask(const edgevl::Request& r) {
  edgevl::Session s(demo_model());
  edgevl::GenerationConfig g;
  g.max_new_tokens = 2;
  return s.generate(r, g);
}

edgevl::Request with_image_file(const fs::path& image) {
  edgevl::Request r;
  r.text = "Describe the image.";
  r.images = {edgevl::Image::from_file(image.string())};
  return r;
}

/// compile_model on a modified copy of the demo model; the case also fails if a bundle was written.
void compile_copy(const std::string& name, const std::function<void(const fs::path&)>& edit) {
  const fs::path dir = model_copy(name);
  edit(dir);
  const fs::path out = kTmp / (name + ".evl");
  fs::remove_all(out);
  struct NoBundle {
    fs::path out;
    ~NoBundle() { EXPECT_FALSE(fs::exists(out)) << "a bundle was written for a refused model: " << out; }
  } check{out};
  edgevl::compile_model(dir.string(), out.string(), small_compile());
}

void edit_json_file(const fs::path& p, const std::function<void(json&)>& edit) {
  json j = read_json(p);
  edit(j);
  write_json(p, j);
}

// ----------------------------------------------------------------------------------------------------- the catalog

struct Case {
  std::string name;   ///< gtest case name
  std::string klass;  ///< the issue's class of bad input
  std::function<void()> run;
  ErrorCode code;
  std::vector<std::string> parts;  ///< the message must name these (file, argument, value)
  bool bomb = false;               ///< run in a child: peak RSS growth < kBombRssBoundMiB, no crash, no hang
  size_t max_message = 600;        ///< messages stay short (bounded JSON excerpts)
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

std::vector<Case> catalog() {
  std::vector<Case> v;
  const int64_t kBig = std::numeric_limits<int64_t>::max();

  // ---- deeply nested JSON, through the public entry points; error messages quote bounded excerpts ----------------
  v.push_back({"CompileRefusesDeepTokenizerJson", "deep_json",
               [] {
                 compile_copy("deep_tok", [](const fs::path& d) {
                   write_file(d / "tokenizer.json",
                              "{\"pre_tokenizer\": " +
                                  nested(100000, "{\"type\": \"Sequence\", \"pretokenizers\": [", "]}") + "}");
                 });
               },
               ErrorCode::kCorruptFile, {"tokenizer.json", "deeper than 128"}});
  v.push_back({"CompileRefusesDeepGenerationConfig", "deep_json",
               [] {
                 compile_copy("deep_gen", [](const fs::path& d) {
                   write_file(d / "generation_config.json", "{\"eos_token_id\": " + nested(100000) + "}");
                 });
               },
               ErrorCode::kCorruptFile, {"generation_config.json", "deeper than 128"}});
  v.push_back({"CompileRefusesDeepPreprocessorConfig", "deep_json",
               [] {
                 compile_copy("deep_pre", [](const fs::path& d) {
                   write_file(d / "preprocessor_config.json", "{\"image_std\": " + nested(100000, "{\"a\":", "}") + "}");
                 });
               },
               ErrorCode::kCorruptFile, {"preprocessor_config.json", "deeper than 128"}});
  v.push_back({"CompileRefusesDeepSafetensorsHeader", "deep_json",
               [] {
                 compile_copy("deep_st", [](const fs::path& d) {
                   const std::string header = "{\"a\": " + nested(100000) + "}";
                   std::string file;
                   for (int i = 0; i < 8; ++i) file.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
                   fs::remove(d / "model.safetensors");
                   write_file(d / "model.safetensors", file + header);
                 });
               },
               ErrorCode::kCorruptFile, {"model.safetensors", "deeper than 128"}});
  v.push_back({"BundleWithDeepTokenizerAndValidChecksums", "deep_json",
               [] {
                 open_model(hostile_bundle("deep_tok.evl", {}, [](const fs::path& d) {
                   write_file(d / "tokenizer.json", "{\"added_tokens\": " + nested(100000) + "}");
                 }));
               },
               ErrorCode::kCorruptFile, {"tokenizer.json", "deeper than 128"}});
  v.push_back({"ConfigJsonWrongTypedHugeValueIsQuotedShort", "deep_json",
               [] {
                 const fs::path d = fresh_dir("cfg_type");
                 json arr = json::array();
                 for (int i = 0; i < 20000; ++i) arr.push_back(json::array({json::array({i})}));
                 write_json(d / "config.json", {{"vision_config", {{"depth", arr}}}});
                 edgevl::models::Qwen2VLConfig::load((d / "config.json").string());
               },
               ErrorCode::kCorruptFile, {"config.json", "depth"}, false, 400});
  v.push_back({"PreprocessorWrongTypedHugeValueIsQuotedShort", "deep_json",
               [] {
                 const fs::path d = fresh_dir("pre_type");
                 json obj = json::object();
                 for (int i = 0; i < 20000; ++i) obj["k" + std::to_string(i)] = nested(60);
                 write_json(d / "preprocessor_config.json", {{"image_mean", obj}});
                 edgevl::vision::load_preprocessor_config((d / "preprocessor_config.json").string());
               },
               ErrorCode::kCorruptFile, {"preprocessor_config.json", "image_mean"}, false, 400});

  // ---- decompression bombs: refused from the header, in a child whose peak RSS is measured -----------------------
  v.push_back({"PngBomb20000x20000FromASmallValidFile", "bomb",
               [] {
                 const fs::path p = kTmp / "bombs" / "bomb20000.png";
                 write_file(p, png_bomb());
                 EXPECT_LT(fs::file_size(p), 200u * 1024) << "the bomb is a small file";
                 edgevl::vision::load_image(p.string());
               },
               ErrorCode::kInvalidArgument, {"bomb20000.png", "20000x20000", "89478485"}, true});
  v.push_back({"PngBombThroughASession", "bomb",
               [] {
                 const fs::path p = kTmp / "bombs" / "session_bomb.png";
                 write_file(p, png_bomb());
                 ask(with_image_file(p));
               },
               ErrorCode::kInvalidArgument, {"session_bomb.png", "20000x20000"}, true});
  v.push_back({"WebpCanvas16384x16384", "bomb",
               [] {
                 const std::string w = make_webp_bomb();
                 edgevl::vision::decode_image(reinterpret_cast<const uint8_t*>(w.data()), w.size(), "bomb.webp");
               },
               ErrorCode::kInvalidArgument, {"bomb.webp", "16384x16384"}, true});
  v.push_back({"BmpRle30000x30000", "bomb",
               [] {
                 const std::string b = make_bmp_bomb();
                 edgevl::vision::decode_image(reinterpret_cast<const uint8_t*>(b.data()), b.size(), "bomb.bmp");
               },
               ErrorCode::kInvalidArgument, {"bomb.bmp", "30000x30000"}, true});
  v.push_back({"TiffDeflate20000x20000", "bomb",
               [] {
                 const std::string t = make_tiff_bomb();
                 edgevl::vision::decode_image(reinterpret_cast<const uint8_t*>(t.data()), t.size(), "bomb.tif");
               },
               ErrorCode::kInvalidArgument, {"bomb.tif", "20000x20000"}, true});
  v.push_back({"TiffBigEndian20000x20000", "bomb",
               [] {
                 const std::string t = make_tiff_bomb(true);
                 edgevl::vision::decode_image(reinterpret_cast<const uint8_t*>(t.data()), t.size(), "bomb_be.tiff");
               },
               ErrorCode::kInvalidArgument, {"bomb_be.tiff", "20000x20000"}, true});
  v.push_back({"UndocumentedFormatHeaderIsNotDecoded", "bomb",
               [] {
                 const std::string ppm = "P6\n30000 30000\n255\n" + std::string(64, '\0');
                 edgevl::vision::decode_image(reinterpret_cast<const uint8_t*>(ppm.data()), ppm.size(), "bomb.ppm");
               },
               ErrorCode::kCorruptFile, {"bomb.ppm", "JPEG, PNG, WebP, BMP, TIFF"}, true});

  // ---- corrupt weights.bin / extra files, through Model::open -----------------------------------------------------
  v.push_back({"TruncatedWeightsBin", "corrupt_bundle",
               [] {
                 const fs::path d = hostile_bundle("trunc.evl", {});
                 fs::resize_file(d / "weights.bin", fs::file_size(d / "weights.bin") - 64);
                 open_model(d);
               },
               ErrorCode::kCorruptFile, {"trunc.evl", "weights.bin", "truncated"}});
  v.push_back({"WeightsBinReplacedBySameSizeZeros", "corrupt_bundle",
               [] {
                 const fs::path d = hostile_bundle("zeros.evl", {});
                 const auto n = fs::file_size(d / "weights.bin");
                 fs::remove(d / "weights.bin");
                 write_file(d / "weights.bin", std::string(n, '\0'));
                 open_model(d);
               },
               ErrorCode::kCorruptFile, {"zeros.evl", "weights.bin", "checksum"}});
  v.push_back({"TokenizerConfigJsonReplaced", "corrupt_bundle",
               [] {
                 const fs::path d = hostile_bundle("tokcfg.evl", {});
                 write_file(d / "tokenizer_config.json", "{\"chat_template\": \"{{ evil }}\"}");
                 open_model(d);
               },
               ErrorCode::kCorruptFile, {"tokcfg.evl", "tokenizer_config.json", "checksum"}});
  v.push_back({"TokenizerJsonDeleted", "corrupt_bundle",
               [] {
                 const fs::path d = hostile_bundle("notok.evl", {});
                 fs::remove(d / "tokenizer.json");
                 open_model(d);
               },
               ErrorCode::kNotFound, {"notok.evl", "tokenizer.json"}});
  v.push_back({"ExtraFileNameEscapesTheBundle", "corrupt_bundle",
               [] {
                 open_model(hostile_bundle("escape.evl", [](json& m) {
                   m["extra_files"].push_back({{"name", ".."}, {"hash", "0000000000000000"}, {"size", 0}});
                 }));
               },
               ErrorCode::kCorruptFile, {"escape.evl", "extra file name '..'"}});

  // ---- hostile manifests with valid (recomputed) checksums ------------------------------------------------------
  auto meta = [](const char* name, std::function<void(json&)> edit, ErrorCode code, std::vector<std::string> parts) {
    return Case{name, "hostile_manifest",
                [name, edit] { open_model(hostile_bundle(std::string(name) + ".evl", [&](json& m) { edit(m["model_metadata"]); })); },
                code, parts};
  };
  v.push_back(meta("HugeFloatContextLength", [](json& md) { md["context_length"] = 1e300; }, ErrorCode::kCorruptFile,
                   {"HugeFloatContextLength.evl", "context_length"}));
  v.push_back(meta("HugeFloatVitBucket", [](json& md) { md["vit_buckets"] = {160, 1e300}; }, ErrorCode::kCorruptFile,
                   {"HugeFloatVitBucket.evl", "vit_buckets"}));
  v.push_back(meta("HugeFloatMaxNewTokens", [](json& md) { md["generation_config"]["max_new_tokens"] = 1e300; },
                   ErrorCode::kCorruptFile, {"HugeFloatMaxNewTokens.evl", "max_new_tokens"}));
  v.push_back(meta("HugeFloatMaxPixels", [](json& md) { md["max_pixels"] = -1e300; }, ErrorCode::kCorruptFile,
                   {"HugeFloatMaxPixels.evl", "max_pixels"}));
  v.push_back(meta("HugeFloatHiddenSize", [](json& md) { md["text"]["hidden_size"] = 4.0e9; }, ErrorCode::kCorruptFile,
                   {"HugeFloatHiddenSize.evl", "hidden_size"}));
  v.push_back(meta("ContextLengthLargerThanTheGraphs", [](json& md) { md["context_length"] = int64_t{1} << 40; },
                   ErrorCode::kCorruptFile, {"ContextLengthLargerThanTheGraphs.evl", "context_length", "1099511627776"}));
  v.push_back(meta("ChunkOtherThanThePrefillGraphs", [](json& md) { md["chunk"] = 32; }, ErrorCode::kCorruptFile,
                   {"ChunkOtherThanThePrefillGraphs.evl", "chunk"}));
  v.push_back(meta("VitBucketWithoutAGraph", [](json& md) { md["vit_buckets"] = {160, 356, 400}; },
                   ErrorCode::kCorruptFile, {"VitBucketWithoutAGraph.evl", "400"}));
  v.push_back(meta("EosIdOutsideTheVocabulary", [](json& md) { md["ids"]["eos_token_ids"] = {454, 100000}; },
                   ErrorCode::kCorruptFile, {"EosIdOutsideTheVocabulary.evl", "eos", "100000"}));
  v.push_back(meta("NegativeEosId", [](json& md) { md["ids"]["eos_token_ids"] = {-1}; }, ErrorCode::kCorruptFile,
                   {"NegativeEosId.evl", "eos", "-1"}));
  v.push_back(meta("NegativeImageTokenId", [](json& md) { md["ids"]["image_token_id"] = -1; }, ErrorCode::kCorruptFile,
                   {"NegativeImageTokenId.evl", "image_token_id", "-1"}));
  v.push_back(meta("ImageTokenIdIsNotTheImagePad", [](json& md) { md["ids"]["image_token_id"] = 100; },
                   ErrorCode::kCorruptFile, {"ImageTokenIdIsNotTheImagePad.evl", "image_token_id", "<|image_pad|>"}));
  v.push_back(meta("VisionStartIdOutsideTheVocabulary", [](json& md) { md["ids"]["vision_start_token_id"] = 1 << 30; },
                   ErrorCode::kCorruptFile, {"VisionStartIdOutsideTheVocabulary.evl", "vision_start_token_id"}));
  v.push_back({"VisionConfigDisagreesWithTheVitGraphs", "hostile_manifest",
               [] {
                 // temporal_patch_size 3 in the manifest and in preprocessor_config.json agree with each other, not
                 // with the ViT graphs' pixel_values rows (3 * 14 * 14 * 2 values).
                 open_model(hostile_bundle(
                     "tps3.evl", [](json& m) { m["model_metadata"]["vision"]["temporal_patch_size"] = 3; },
                     [](const fs::path& d) {
                       edit_json_file(d / "preprocessor_config.json", [](json& p) { p["temporal_patch_size"] = 3; });
                     }));
               },
               ErrorCode::kCorruptFile, {"tps3.evl", "pixel_values"}});
  auto graph_edit = [](const char* name, std::function<void(json&)> edit, std::vector<std::string> parts) {
    return Case{name, "hostile_manifest",
                [name, edit] { open_model(hostile_bundle(std::string(name) + ".evl", edit)); },
                ErrorCode::kCorruptFile, parts};
  };
  v.push_back(graph_edit("Conv2dPadOverflowsInt64",
                         [kBig](json& m) {
                           first_op(graph_named(m, "vit.p160"), "Conv2d")["params"]["pad_amount"] =
                               {{"v", {0, kBig, 0, 0}}};
                         },
                         {"Conv2dPadOverflowsInt64.evl", "vit.p160", "pad_amount"}));
  v.push_back(graph_edit("Conv2dPadSumOverflowsInt64",
                         [kBig](json& m) {
                           first_op(graph_named(m, "llm.decode"), "Conv2d")["params"]["pad_amount"] =
                               {{"v", {0, 0, kBig - 1, kBig - 1}}};
                         },
                         {"Conv2dPadSumOverflowsInt64.evl", "llm.decode", "pad_amount"}));
  // A stride near INT64_MAX once overflowed ceil((end - begin) / stride); now it selects one element, and the op's
  // declared output no longer matches.
  v.push_back(graph_edit("StridedSliceStrideNearInt64Max",
                         [kBig](json& m) {
                           first_op(graph_named(m, "vit.p160"), "StridedSlice")["params"]["strides"] =
                               {{"v", {1, kBig, 1, 1}}};
                         },
                         {"StridedSliceStrideNearInt64Max.evl", "vit.p160", "visual.blocks.0.attn.q_slice"}));
  v.push_back(graph_edit("ShapeDimensionHugeFloat",
                         [](json& m) { tensor_named(graph_named(m, "llm.decode"), "past_key_0")["shape"][1] = 1e300; },
                         {"ShapeDimensionHugeFloat.evl", "llm.decode", "out of range"}));
  v.push_back(graph_edit("ConstantByteCountOverflows",
                         [](json& m) {
                           // 2^61 float32 elements are 2^66 bytes: a wrapped byte count of 0 would match "nbytes": 0.
                           json& t = tensor_named(graph_named(m, "llm.decode"), "model.norm.weight");
                           t["shape"] = {int64_t{1} << 61};
                           t["nbytes"] = 0;
                         },
                         {"ConstantByteCountOverflows.evl", "llm.decode", "model.norm.weight", "too many"}));
  v.push_back(graph_edit("ConstantAliasesAnotherConstant",
                         [](json& m) {
                           // In every graph that holds it, the final norm's bytes now start inside the embedding table.
                           const uint64_t table =
                               tensor_named(graph_named(m, "llm.embed"), "model.embed_tokens.weight")["offset"];
                           for (json& g : m["graphs"])
                             for (json& t : g["tensors"])
                               if (t["name"] == "model.norm.weight") t["offset"] = table + 64;
                         },
                         {"ConstantAliasesAnotherConstant.evl", "model.norm.weight", "model.embed_tokens.weight",
                          "overlap"}));
  v.push_back(graph_edit("SharedConstantMovedInOneGraph",
                         [](json& m) {
                           // The embedding table is shared by llm.embed and the decoder graphs (stored once): one graph
                           // pointing elsewhere for the same name is an alias of whatever lies there.
                           json& t = tensor_named(graph_named(m, "llm.embed"), "model.embed_tokens.weight");
                           t["offset"] = 0;
                         },
                         {"SharedConstantMovedInOneGraph.evl", "model.embed_tokens.weight"}));

  // ---- config files cross-checked at compile (never a bundle that cannot open) -----------------------------------
  v.push_back({"CompileRefusesTruncatedTokenizerJson", "cross_check",
               [] {
                 compile_copy("trunc_tok", [](const fs::path& d) {
                   const std::string t = read_file(d / "tokenizer.json");
                   write_file(d / "tokenizer.json", t.substr(0, t.size() / 2));
                 });
               },
               ErrorCode::kCorruptFile, {"tokenizer.json"}});
  v.push_back({"CompileRefusesTokenizerOfAnotherKind", "cross_check",
               [] {
                 compile_copy("unigram_tok", [](const fs::path& d) {
                   edit_json_file(d / "tokenizer.json", [](json& t) { t["model"]["type"] = "Unigram"; });
                 });
               },
               ErrorCode::kUnsupported, {"tokenizer.json", "Unigram"}});
  v.push_back({"CompileRefusesTokenizerWithoutImEnd", "cross_check",
               [] {
                 compile_copy("noimend_tok", [](const fs::path& d) {
                   edit_json_file(d / "tokenizer.json", [](json& t) {
                     for (json& a : t["added_tokens"])
                       if (a["content"] == "<|im_end|>") a["content"] = "<|im_fin|>";
                   });
                 });
               },
               ErrorCode::kCorruptFile, {"tokenizer.json", "<|im_end|>"}});
  v.push_back({"CompileRefusesTokenizerLargerThanTheModelVocab", "cross_check",
               [] {
                 compile_copy("vocab_tok", [](const fs::path& d) {
                   edit_json_file(d / "tokenizer.json", [](json& t) {
                     t["added_tokens"].push_back({{"id", 500}, {"content", "<|extra|>"}, {"special", true},
                                                  {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                                                  {"normalized", false}});
                   });
                 });
               },
               ErrorCode::kCorruptFile, {"tokenizer.json", "480"}});
  v.push_back({"CompileRefusesEosIdOutsideTheVocabulary", "cross_check",
               [] {
                 compile_copy("eos_gen", [](const fs::path& d) {
                   edit_json_file(d / "generation_config.json", [](json& g) { g["eos_token_id"] = {454, 4800}; });
                 });
               },
               ErrorCode::kCorruptFile, {"generation_config.json", "eos_token_id", "4800"}});
  v.push_back({"CompileRefusesImageTokenIdThatIsNotTheImagePad", "cross_check",
               [] {
                 compile_copy("image_id", [](const fs::path& d) {
                   edit_json_file(d / "config.json", [](json& c) { c["image_token_id"] = 465; });
                 });
               },
               ErrorCode::kCorruptFile, {"config.json", "image_token_id", "<|image_pad|>"}});

  // ---- clear messages: the file or argument named, the right code ------------------------------------------------
  v.push_back({"OnePixelImageFileNamesTheFile", "messages",
               [] {
                 const fs::path p = kTmp / "images" / "one_by_one.png";
                 write_file(p, make_png(1, 1));
                 ask(with_image_file(p));
               },
               ErrorCode::kInvalidArgument, {"one_by_one.png", "1x1"}});
  v.push_back({"OnePixelRgbBufferNamesTheBuffer", "messages",
               [] {
                 edgevl::Request r;
                 r.text = "What is this?";
                 r.images = {edgevl::Image::from_rgb({1, 2, 3}, 1, 1)};
                 ask(r);
               },
               ErrorCode::kInvalidArgument, {"rgb buffer 1x1"}});
  v.push_back({"AnimatedWebpIsUnsupportedNotCorrupt", "messages",
               [] {
                 const fs::path p = kTmp / "images" / "anim.webp";
                 write_file(p, make_animated_webp());
                 edgevl::vision::load_image(p.string());
               },
               ErrorCode::kUnsupported, {"anim.webp", "animated WebP"}});
  v.push_back({"InvalidUtf8OffsetIsInTheUsersText", "messages",
               [] {
                 edgevl::Request r;
                 r.text = std::string("hello \xff world");
                 ask(r);
               },
               ErrorCode::kInvalidArgument, {"message 0", "byte 6"}});
  v.push_back({"InvalidUtf8InALaterMessageNamesIt", "messages",
               [] {
                 edgevl::Request r;
                 r.messages = {{edgevl::Role::kSystem, "be brief", {}, {}},
                               {edgevl::Role::kUser, std::string("ab\xc3"), {}, {}}};
                 ask(r);
               },
               ErrorCode::kInvalidArgument, {"message 1", "byte 2"}});
  v.push_back({"AddedTokenIdIntMaxNamesTheFile", "messages",
               [] {
                 const fs::path d = fresh_dir("tok_intmax");
                 json t = read_json(kModel / "tokenizer.json");
                 t["added_tokens"].push_back({{"id", 2147483647}, {"content", "<|huge|>"}, {"special", true},
                                              {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                                              {"normalized", false}});
                 write_json(d / "tokenizer.json", t);
                 edgevl::llm::Tokenizer::from_file((d / "tokenizer.json").string());
               },
               ErrorCode::kCorruptFile, {"tokenizer.json", "2147483647"}});
  v.push_back({"TypedImagePadWithSpecialTokensParsedNamesIt", "messages",
               [] {
                 edgevl::Request r;
                 r.text = "look <|vision_start|><|image_pad|><|vision_end|> here";
                 r.parse_special_tokens = true;
                 ask(r);
               },
               ErrorCode::kInvalidArgument, {"<|image_pad|>", "parse_special_tokens"}});
  v.push_back({"AspectRatio201To1FileNamesTheFile", "messages",
               [] {
                 const fs::path p = kTmp / "images" / "ratio201.png";
                 write_file(p, make_png(2010, 10));
                 ask(with_image_file(p));
               },
               ErrorCode::kInvalidArgument, {"ratio201.png", "200"}});
  v.push_back({"MissingImageFileNamesIt", "messages",
               [] { ask(with_image_file(kTmp / "images" / "nowhere.png")); }, ErrorCode::kNotFound,
               {"nowhere.png"}});
  return v;
}

// ---------------------------------------------------------------------------------------------------- running

int64_t status_kib(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(in, line))
    if (line.compare(0, k.size(), k) == 0) return std::stoll(line.substr(k.size()));
  return -1;
}

struct Outcome {
  bool threw = false;
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  int64_t rss_growth_kib = -1;
};

Outcome run_here(const Case& c) {
  Outcome o;
  try {
    c.run();
  } catch (const edgevl::Error& e) {
    o.threw = true;
    o.code = e.code();
    o.message = e.what();
  }
  return o;
}

/// Runs the case in a forked child (a crash or a hang fails only this case) and measures the child's peak RSS growth.
Outcome run_in_child(const Case& c) {
  png_bomb();     // made and
  demo_model();   // opened in the parent: the child's RSS growth is the case's own
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe");
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(kChildSeconds);
    const int64_t before = status_kib("VmRSS");
    Outcome o = run_here(c);
    const int64_t peak = status_kib("VmHWM");  // the child's high-water mark starts at its RSS at fork
    const std::string report = std::to_string(o.threw) + "\n" + std::to_string(int(o.code)) + "\n" +
                               std::to_string(peak - before) + "\n" + o.message;
    if (write(fds[1], report.data(), report.size()) < 0) _exit(3);
    _exit(::testing::Test::HasFailure() ? 2 : 0);
  }
  close(fds[1]);
  std::string report;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) report.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status)) << c.name << ": the child died (signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0)
                                 << (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM ? ", a hang" : "") << ")";
  EXPECT_NE(WIFEXITED(status) ? WEXITSTATUS(status) : 0, 2) << c.name << ": an expectation failed in the child";
  Outcome o;
  const size_t a = report.find('\n'), b = report.find('\n', a + 1), d = report.find('\n', b + 1);
  if (d == std::string::npos) return o;
  o.threw = report.substr(0, a) == "1";
  o.code = static_cast<ErrorCode>(std::stoi(report.substr(a + 1, b - a - 1)));
  o.rss_growth_kib = std::stoll(report.substr(b + 1, d - b - 1));
  o.message = report.substr(d + 1);
  return o;
}

class HostileCatalog : public ::testing::TestWithParam<Case> {};

TEST_P(HostileCatalog, RefusedWithItsCodeAndNamed) {
  const Case& c = GetParam();
  const Outcome o = c.bomb ? run_in_child(c) : run_here(c);
  ASSERT_TRUE(o.threw) << c.name << ": accepted (no edgevl::Error)";
  std::printf("[ %-8s ] %s\n", edgevl::error_code_name(o.code), o.message.c_str());
  EXPECT_STREQ(edgevl::error_code_name(o.code), edgevl::error_code_name(c.code)) << o.message;
  for (const std::string& p : c.parts) EXPECT_NE(o.message.find(p), std::string::npos) << "'" << p << "' not in: " << o.message;
  EXPECT_LE(o.message.size(), c.max_message) << o.message.substr(0, 300) << "...";
  if (c.bomb) {
    EXPECT_GE(o.rss_growth_kib, 0);
    EXPECT_LT(o.rss_growth_kib, kBombRssBoundMiB * 1024) << c.name << ": peak RSS grew by " << o.rss_growth_kib << " KiB";
    std::printf("[ bomb     ] %s: peak RSS growth %lld KiB (bound %lld MiB)\n", c.name.c_str(),
                static_cast<long long>(o.rss_growth_kib), static_cast<long long>(kBombRssBoundMiB));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, HostileCatalog, ::testing::ValuesIn(catalog()),
                         [](const ::testing::TestParamInfo<Case>& i) { return i.param.name; });

// Every class of issue 11's bad inputs has cases here (others live in the tests named at the top of this file).
TEST(HostileCatalogCoverage, EveryClassHasCases) {
  std::map<std::string, int> n;
  std::set<std::string> names;
  for (const Case& c : catalog()) {
    ++n[c.klass];
    EXPECT_TRUE(names.insert(c.name).second) << "duplicate case " << c.name;
  }
  for (const char* k : {"deep_json", "bomb", "corrupt_bundle", "hostile_manifest", "cross_check", "messages"})
    EXPECT_GE(n[k], 4) << k;
  EXPECT_GE(names.size(), 45u);
}

// 28x5600 (200:1) must work through a file, not only from an RGB buffer (ExtremeAspect covers the buffers).
TEST(HostileCatalogCoverage, ExtremeAspectFileWorks) {
  const fs::path p = kTmp / "images" / "tall_28x5600.png";
  write_file(p, make_png(28, 5600));
  const edgevl::Result r = ask(with_image_file(p));
  EXPECT_EQ(r.stats.images, 1);
}

}  // namespace
