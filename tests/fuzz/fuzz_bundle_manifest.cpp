// Fuzz target: the bytes are a bundle's manifest.json. The target builds one small valid bundle per process (two
// graphs written with qnn::write_bundle: float ops with float16 constants, and a lowered graph quantized w4 LPBQ + w8 +
// uint16 activations whose larger encoding arrays live in companion constants; one extra file), then for each input
// writes it as that bundle's manifest.json, with its checksum recomputed first, so that the input reaches
// Bundle::open's validation and not only the checksum comparison: when the input starts as every manifest does,
// `{"manifest_checksum": "<16 hex digits>"`, the digits are replaced by bundle_hash64 of the input with the digits
// zeroed, as write_bundle computes it (docs/graph-ir.md; Bundle::open hashes nothing else). If the bundle opens, every
// graph is prepared by the emulator back end (float mode from model_metadata's "float_mode", fp16 in the seed) and run
// once with zeroed inputs. Any edgevl::Error is fine.
//
// A bundle may declare activations of any size (memory for them is the caller's to give), so a graph whose inputs,
// outputs and activations together take more than kMaxIoBytes is opened but not prepared (preparing allocates its
// arena), unless they exceed the emulator's limit (the machine's physical memory), which prepare must refuse with an edgevl::Error.
//
// The committed seeds tests/fuzz/seeds/bundle_manifest/ are this bundle's manifest and hostile variants of it that
// once got through (make_seeds()); the target checks at start-up that they are still what it generates (it aborts
// naming the command that rewrites them, so they cannot silently go stale when the bundle or the manifest format
// changes):
//   EDGEVL_FUZZ_WRITE_SEEDS=tests/fuzz/seeds/bundle_manifest build/tests/fuzz/fuzz_bundle_manifest /dev/null
// EDGEVL_FUZZ_VERBOSE=1 prints each input's edgevl::Error (or that it opened).
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "edgevl/error.h"
#include "edgevl/qnn/backend.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/graph_builder.h"
#include "edgevl/qnn/half.h"
#include "edgevl/qnn/passes.h"
#include "edgevl/qnn/quant.h"
#include "edgevl/qnn/quantize_pass.h"
#include "fuzz_target.h"

namespace {

namespace fs = std::filesystem;
using namespace edgevl::qnn;

constexpr size_t kMaxIoBytes = size_t{64} << 20;
// EmulatorExecutable::check_activation_bytes() refuses graphs whose activations exceed the machine's physical memory.
const size_t kEmulatorMaxActivationBytes =
    static_cast<size_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
const char kChecksumPrefix[] = "{\"manifest_checksum\": \"";
const char kSeedDir[] = EDGEVL_SOURCE_DIR "/tests/fuzz/seeds/bundle_manifest";

// Deterministic weights (no <random> distribution: their results differ between standard libraries, and the manifest
// records the weights' hash, so the committed seed must be the same for every compiler).
std::vector<float> weights(size_t n, uint32_t seed, float scale = 0.25f) {
  std::vector<float> v(n);
  uint32_t s = seed * 2654435761u + 1;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = (static_cast<float>(s >> 8) / 16777216.0f - 0.5f) * 2.0f * scale;
  }
  return v;
}

ConstData halves(const std::vector<float>& f) {
  std::vector<uint8_t> b(f.size() * 2);
  for (size_t i = 0; i < f.size(); ++i) {
    const uint16_t h = float_to_half(f[i]);
    b[2 * i] = static_cast<uint8_t>(h & 0xff);
    b[2 * i + 1] = static_cast<uint8_t>(h >> 8);
  }
  return ConstData::from_bytes(std::move(b));
}

// Float ops of every family: Gather (float16 table), Concat, FullyConnected, RmsNorm (float16 gamma), Gelu, Softmax,
// LayerNorm, Transpose, MatMul, StridedSlice, Reshape, element-wise ops, Conv2d 3x3, reductions, Argmax, Cast.
Graph float_graph() {
  GraphBuilder b("float_ops");
  const TensorId x = b.input("x", {2, 16});
  const TensorId ids = b.input("ids", {3}, DType::kInt32);
  const TensorId table = b.constant("table", {10, 16}, DType::kFloat16, halves(weights(160, 1)));
  const TensorId rows = b.concat({x, b.gather(table, ids, 0, "embed")}, 0, "rows");  // [5, 16]
  const TensorId w = b.constant("w", {8, 16}, DType::kFloat32, ConstData::from_floats(weights(128, 2)));
  const TensorId bias = b.constant("b", {8}, DType::kFloat32, ConstData::from_floats(weights(8, 3)));
  const TensorId fc = b.fully_connected(rows, w, bias, "fc");  // [5, 8]
  const TensorId gamma = b.constant("gamma", {8}, DType::kFloat16, halves(weights(8, 4, 1.0f)));
  const TensorId act = b.softmax(b.gelu(b.rms_norm(fc, gamma, 1e-6f, "rms"), "gelu"), -1, "softmax");
  const TensorId g2 = b.constant("ln.g", {8}, DType::kFloat32, ConstData::from_floats(weights(8, 5, 1.0f)));
  const TensorId b2 = b.constant("ln.b", {8}, DType::kFloat32, ConstData::from_floats(weights(8, 6)));
  const TensorId ln = b.layer_norm(act, g2, b2, 1e-5f, "ln");                                  // [5, 8]
  const TensorId mm = b.matmul(ln, b.transpose(ln, {1, 0}, "lnT"), false, false, "mm");       // [5, 5]
  const TensorId sl = b.strided_slice(mm, {0, 1}, {5, 5}, {2, 1}, "slice");                    // [3, 4]
  const TensorId flat = b.reshape(sl, {12}, "flat");
  const TensorId k = b.constant("k", {12}, DType::kFloat32, ConstData::from_floats(weights(12, 7, 2.0f)));
  // One builder call per statement: the order of evaluation of function arguments is unspecified (GCC and clang
  // differ), and the ops' names and order must be the same for every compiler (the committed seeds are compared).
  const TensorId sig = b.sigmoid(flat);
  const TensorId sk = b.mul(sig, k);
  const TensorId neg = b.neg(flat);
  TensorId e = b.add(sk, b.exp(neg));
  const TensorId diff = b.sub(e, k);
  const TensorId lo = b.minimum(flat, k);
  const TensorId num = b.maximum(diff, lo);
  const TensorId root = b.sqrt(b.abs(k));
  e = b.div(num, b.add(root, k));
  const TensorId ae = b.abs(e);
  e = b.tanh(b.relu(b.rsqrt(b.add(ae, k))));
  const TensorId sin = b.sin(e);
  const TensorId cos = b.cos(e);
  b.output(b.reduce_mean(b.add(sin, cos), {0}, true, "mean"), "y");
  const TensorId img = b.reshape(rows, {1, 5, 4, 4}, "img");
  const TensorId kw = b.constant("conv.w", {3, 3, 4, 2}, DType::kFloat32, ConstData::from_floats(weights(72, 8)));
  const TensorId conv = b.conv2d(img, kw, std::nullopt, {2, 1}, {1, 1, 1, 1}, "conv");  // [1, 3, 4, 2]
  b.output(b.reduce_sum(conv, {1, 2}, false, "pool"), "pooled");
  const TensorId arg = b.argmax(b.reduce_max(conv, {3}, false, "rmax"), 2, false, "argmax");  // [1, 3] int32
  const TensorId top = b.cast(b.reduce_max(fc, {0, 1}, true), DType::kInt32);
  b.output(b.cast(b.add(arg, top), DType::kFloat32, "argf"), "arg");
  return b.finish();
}

// The quantized path: x [4, 64] -> FC [32, 64] (LPBQ int4, block 32) -> FC [16, 32] (w8 per channel) -> Reshape ->
// y [64], lowered to 1x1 Conv2d, every float value uint16 (one encoding, so data movement shares it); the graph keeps
// a float32 calling convention (Quantize after x, Dequantize before y).
Graph quantized_graph() {
  GraphBuilder b("quantized");
  const TensorId x = b.input("x", {4, 64});
  const TensorId w1 = b.constant("q.w1", {32, 64}, DType::kFloat32, ConstData::from_floats(weights(2048, 9)));
  const TensorId b1 = b.constant("q.b1", {32}, DType::kFloat32, ConstData::from_floats(weights(32, 10)));
  const TensorId w2 = b.constant("q.w2", {16, 32}, DType::kFloat32, ConstData::from_floats(weights(512, 11)));
  const TensorId h = b.fully_connected(x, w1, b1, "fc1");
  b.output(b.reshape(b.fully_connected(h, w2, std::nullopt, "fc2"), {64}, "flat"), "y");
  Graph g = b.finish();
  lower_linear_to_conv2d(g);
  eliminate_dead_code(g);
  QuantPlan plan;
  WeightQuantSpec lpbq;
  lpbq.kind = WeightQuantSpec::Kind::kLpbq;
  lpbq.channel_axis = 3;
  lpbq.block_axis = 2;
  lpbq.block_size = 32;
  plan.weights["q.w1.hwio"] = lpbq;
  WeightQuantSpec w8;
  w8.channel_axis = 3;
  plan.weights["q.w2.hwio"] = w8;
  for (const std::string& t : float_value_tensors(g)) plan.activations[t] = activation_encoding(-4.0f, 4.0f, 16);
  quantize_graph(g, plan);
  attach_encoding_arrays(g, 32);  // LPBQ scales/offsets/multipliers as companion constants, w8's 16 inline
  return g;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// The manifest text with a valid checksum when it starts with the checksum field (else unchanged).
std::string with_checksum(std::string text) {
  const size_t plen = sizeof kChecksumPrefix - 1;
  if (text.size() < plen + 16 || text.compare(0, plen, kChecksumPrefix) != 0) return text;
  text.replace(plen, 16, "0000000000000000");
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(bundle_hash64(text.data(), text.size())));
  text.replace(plen, 16, hex);
  return text;
}

// A variant of the manifest `text` (its first graph changed by `edit`), with a valid checksum.
std::string variant(const std::string& text, const std::function<void(nlohmann::json& graph)>& edit) {
  nlohmann::json m = nlohmann::json::parse(text);
  m.erase("manifest_checksum");
  edit(m["graphs"][0]);
  const std::string body = m.dump(1);
  return with_checksum(std::string(kChecksumPrefix) + "0000000000000000\"," + body.substr(1));
}

// Appends `tensors` and one op to a graph entry of the manifest: the op reads `inputs` (ids relative to the first
// appended tensor) and writes the last appended tensor, which becomes a graph output.
void append(nlohmann::json& g, std::vector<nlohmann::json> tensors, const std::string& type,
            const std::vector<int>& inputs, nlohmann::json params) {
  auto& ts = g["tensors"];
  const int first = static_cast<int>(ts.size());
  for (auto& t : tensors) ts.push_back(std::move(t));
  const int out = static_cast<int>(ts.size()) - 1;
  nlohmann::json in = nlohmann::json::array();
  for (int k : inputs) in.push_back(first + k);
  g["ops"].push_back({{"type", type}, {"name", ts[static_cast<size_t>(out)]["name"]}, {"inputs", in},
                      {"outputs", {out}}, {"params", std::move(params)}});
  g["outputs"].push_back(out);
}

// The seed files: the bundle's own manifest, and hostile variants of it that once got through (each must now end in
// an edgevl::Error):
//  - constant-bytes-overflow: a float32 constant of 2^59 elements recorded with 0 bytes (tensor_nbytes wrapped to 0,
//    so Bundle::open accepted it and the emulator read 2^61 bytes from an empty view);
//  - empty-matmul-huge-activation: a MatMul of two empty constants [2^31, 0] x [0, 2^30 - 1], an activation of ~2^63
//    bytes from nothing (the emulator's arena size overflowed: std::length_error).
std::map<std::string, std::string> make_seeds(const std::string& manifest) {
  std::map<std::string, std::string> seeds;
  seeds["manifest.json"] = manifest;
  const auto f32 = [](const std::string& name, nlohmann::json shape, const std::string& kind) {
    nlohmann::json t = {{"name", name}, {"shape", std::move(shape)}, {"dtype", "float32"}, {"kind", kind}};
    if (kind == "constant") t.update({{"offset", 0}, {"nbytes", 0}});
    return t;
  };
  seeds["constant-bytes-overflow.json"] = variant(manifest, [&](nlohmann::json& g) {
    append(g, {f32("huge", {int64_t{1} << 59}, "constant"), f32("huge_max", nlohmann::json::array(), "output")},
           "ReduceMax", {0}, {{"axes", {{"v", {0}}}}, {"keep_dims", {{"b", false}}}});
  });
  seeds["empty-matmul-huge-activation.json"] = variant(manifest, [&](nlohmann::json& g) {
    const int64_t m = int64_t{1} << 31, n = (int64_t{1} << 30) - 1;
    append(g,
           {f32("empty_a", {m, 0}, "constant"), f32("empty_b", {0, n}, "constant"),
            f32("huge_mm", {m, n}, "activation")},
           "MatMul", {0, 1}, {{"transpose_in0", {{"b", false}}}, {"transpose_in1", {{"b", false}}}});
    g["outputs"].erase(g["outputs"].size() - 1);  // huge_mm is read by the ReduceSum below, not an output
    append(g, {f32("huge_sum", {1, 1}, "output")}, "ReduceSum", {-1},
           {{"axes", {{"v", {0, 1}}}}, {"keep_dims", {{"b", true}}}});
  });
  return seeds;
}

// The per-process bundle, written once; removed at exit.
struct FuzzBundle {
  std::string dir, manifest;
  FuzzBundle() {
    const std::string base = "/tmp/edgevl-fuzz-" + std::to_string(::getpid());
    dir = base + "-bundle.evl";
    const std::string extra = base + "-extra";  // the extra file's name is recorded: the same in every process
    fs::create_directories(extra);
    const std::string notes = extra + "/notes.txt";
    std::ofstream(notes) << "an extra file of the fuzz bundle\n";
    BundleWriterOptions options;
    options.family = "fuzz";
    options.model_metadata = {{"float_mode", "fp16"}, {"note", "tests/fuzz/fuzz_bundle_manifest.cpp"}};
    options.extra_files = {notes};
    write_bundle(dir, {float_graph(), quantized_graph()}, options);
    std::error_code ec;
    fs::remove_all(extra, ec);
    manifest = read_file(dir + "/manifest.json");
    const std::map<std::string, std::string> seeds = make_seeds(manifest);
    if (const char* out = std::getenv("EDGEVL_FUZZ_WRITE_SEEDS")) {
      fs::create_directories(out);
      for (const auto& [name, text] : seeds) std::ofstream(std::string(out) + "/" + name, std::ios::binary) << text;
      std::fprintf(stderr, "fuzz_bundle_manifest: %zu seeds written to %s\n", seeds.size(), out);
      return;
    }
    for (const auto& [name, text] : seeds) {
      if (read_file(std::string(kSeedDir) + "/" + name) == text) continue;
      std::fprintf(stderr,
                   "fuzz_bundle_manifest: %s/%s is not what the target generates; rewrite the seeds with\n"
                   "  EDGEVL_FUZZ_WRITE_SEEDS=%s <build>/tests/fuzz/fuzz_bundle_manifest /dev/null\n",
                   kSeedDir, name.c_str(), kSeedDir);
      fs::remove_all(dir, ec);
      std::abort();
    }
  }
  ~FuzzBundle() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  static const FuzzBundle& bundle();
};

const FuzzBundle& FuzzBundle::bundle() {
  static const FuzzBundle b;
  return b;
}

// Bytes of a graph's inputs, outputs and activations (saturating); errors as tensor_nbytes().
size_t io_bytes(const Graph& g) {
  size_t total = 0;
  for (const Tensor& t : g.tensors()) {
    if (t.kind == TensorKind::kConstant) continue;
    const size_t n = t.nbytes();
    total = n > std::numeric_limits<size_t>::max() - total ? std::numeric_limits<size_t>::max() : total + n;
  }
  return total;
}

void prepare_and_run(const Bundle& bundle, const std::string& name, FloatMode mode) {
  const Graph& g = bundle.graph(name);
  const size_t io = io_bytes(g);
  if (io > kMaxIoBytes && io <= kEmulatorMaxActivationBytes) return;
  const Backend& backend = backend_by_name("emulator");
  const std::unique_ptr<Executable> exe = backend.prepare(g, PrepareOptions{mode, 1});
  std::vector<IoBuffer> buffers;
  buffers.reserve(g.inputs().size() + g.outputs().size());
  std::vector<std::pair<std::string, ConstTensorView>> in;
  for (TensorId id : g.inputs()) {
    const Tensor& t = g.tensor(id);
    buffers.push_back(backend.allocate(t));
    in.push_back({t.name, ConstTensorView{buffers.back().data(), t.shape, t.dtype}});
  }
  std::vector<std::pair<std::string, MutableTensorView>> out;
  for (TensorId id : g.outputs()) {
    const Tensor& t = g.tensor(id);
    buffers.push_back(backend.allocate(t));
    out.push_back({t.name, MutableTensorView{buffers.back().data(), t.shape, t.dtype}});
  }
  exe->run(in, out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const FuzzBundle& fb = FuzzBundle::bundle();
  static const bool verbose = std::getenv("EDGEVL_FUZZ_VERBOSE") != nullptr;  // print each input's error
  const std::string text = with_checksum(std::string(reinterpret_cast<const char*>(data), size));
  // Overwritten in place, then cut to size: truncating to 0 and writing again makes ext4 flush the file to disk at
  // close (its auto_da_alloc rule for replaced files), which took ~2.5 ms per input on a loaded machine.
  const int fd = ::open((fb.dir + "/manifest.json").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) std::abort();
  for (size_t done = 0; done < text.size();) {
    const ssize_t w = ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (w <= 0) std::abort();
    done += static_cast<size_t>(w);
  }
  if (::ftruncate(fd, static_cast<off_t>(text.size())) != 0) std::abort();
  ::close(fd);
  try {
    const std::shared_ptr<const Bundle> bundle = Bundle::open(fb.dir);
    FloatMode mode = FloatMode::kFp32;
    const auto& meta = bundle->model_metadata();
    if (meta.is_object() && meta.contains("float_mode") && meta["float_mode"].is_string())
      mode = float_mode_from_name(meta["float_mode"].get<std::string>());
    for (const std::string& name : bundle->graph_names()) {
      try {
        prepare_and_run(*bundle, name, mode);
      } catch (const edgevl::Error& e) {  // one graph's error does not keep the others from being prepared
        if (verbose) std::fprintf(stderr, "graph %s: %s\n", name.c_str(), e.what());
      }
    }
    if (verbose) std::fprintf(stderr, "opened: %zu graphs\n", bundle->graph_names().size());
  } catch (const edgevl::Error& e) {
    if (verbose) std::fprintf(stderr, "%s\n", e.what());
  }
  return 0;
}
