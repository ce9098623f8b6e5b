// edgevl-run-graph BUNDLE GRAPH IN_DIR OUT_DIR [FLOAT_MODE [TRACE_DIR]]
// Opens the bundle, prepares GRAPH with the "emulator" back end in the float mode of the bundle's recipe
// (model_metadata.recipe.float_mode; bundles without a recipe: fp32; FLOAT_MODE overrides), reads every graph input
// from IN_DIR/<input name>.npy (in the input's own dtype: float32, int32, or the integer codes of a quantized input,
// e.g. uint8 KV codes), runs once and writes every graph output to OUT_DIR/<output name>.npy in its dtype
// (float32 or codes). With TRACE_DIR, the executable's observer also writes every observed tensor (float inputs, every
// op output that is float32 or per-tensor quantized) as TRACE_DIR/<tensor name>.npy, float32 real values (a quantized
// tensor dequantized, real = scale*(q + offset)), to locate where two implementations part. Prints one JSON line {"graph", "float_mode", "seconds"}. Exit 1 with a message on any error.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "edgevl/error.h"
#include "edgevl/qnn/backend.h"
#include "edgevl/qnn/bundle.h"
#include "npy.h"

using namespace edgevl;

namespace {

std::string descr_of(qnn::DType d) {
  switch (d) {
    case qnn::DType::kFloat32: return npy::Descr<float>::value;
    case qnn::DType::kInt32: return npy::Descr<int32_t>::value;
    case qnn::DType::kInt64: return npy::Descr<int64_t>::value;
    case qnn::DType::kUInt8: return npy::Descr<uint8_t>::value;
    case qnn::DType::kInt8: return npy::Descr<int8_t>::value;
    case qnn::DType::kUInt16: return npy::Descr<uint16_t>::value;
    default: throw Error(ErrorCode::kUnsupported, std::string("dtype ") + qnn::dtype_name(d) + " has no .npy form here");
  }
}

void write_as(const std::string& path, const std::vector<uint8_t>& bytes, const std::vector<int64_t>& shape,
              qnn::DType d) {
  switch (d) {
    case qnn::DType::kFloat32: npy::write_npy(path, reinterpret_cast<const float*>(bytes.data()), shape); break;
    case qnn::DType::kInt32: npy::write_npy(path, reinterpret_cast<const int32_t*>(bytes.data()), shape); break;
    case qnn::DType::kInt64: npy::write_npy(path, reinterpret_cast<const int64_t*>(bytes.data()), shape); break;
    case qnn::DType::kUInt8: npy::write_npy(path, bytes.data(), shape); break;
    case qnn::DType::kInt8: npy::write_npy(path, reinterpret_cast<const int8_t*>(bytes.data()), shape); break;
    case qnn::DType::kUInt16: npy::write_npy(path, reinterpret_cast<const uint16_t*>(bytes.data()), shape); break;
    default: throw Error(ErrorCode::kUnsupported, std::string("output dtype ") + qnn::dtype_name(d));
  }
}

int run(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    std::cerr << "usage: edgevl-run-graph BUNDLE GRAPH IN_DIR OUT_DIR [fp32|fp16|recipe [TRACE_DIR]]\n";
    return 2;
  }
  const std::string bundle_dir = argv[1], graph_name = argv[2], in_dir = argv[3], out_dir = argv[4];
  auto bundle = qnn::Bundle::open(bundle_dir);
  const qnn::Graph& graph = bundle->graph(graph_name);

  std::string mode_name = "fp32";
  const nlohmann::json& meta = bundle->model_metadata();
  if (meta.is_object() && meta.contains("recipe") && meta["recipe"].contains("float_mode")) {
    mode_name = meta["recipe"]["float_mode"].get<std::string>();
  }
  if (argc >= 6 && std::string(argv[5]) != "recipe") mode_name = argv[5];
  qnn::PrepareOptions opts;
  opts.float_mode = qnn::float_mode_from_name(mode_name);
  opts.num_threads = 1;
  auto exe = qnn::backend_by_name("emulator").prepare(graph, opts);
  if (argc == 7) {
    const std::string trace_dir = argv[6];
    exe->set_observer([trace_dir](const qnn::Tensor& t, const float* values, size_t n) {
      if (t.shape.empty() && n == 1) {
        npy::write_npy(trace_dir + "/" + t.name + ".npy", values, {1});
      } else {
        npy::write_npy(trace_dir + "/" + t.name + ".npy", values, t.shape);
      }
    });
  }

  std::vector<npy::Array> in_arrays;
  in_arrays.reserve(graph.inputs().size());
  std::vector<std::pair<std::string, qnn::ConstTensorView>> inputs;
  for (qnn::TensorId id : graph.inputs()) {
    const qnn::Tensor& t = graph.tensor(id);
    const std::string path = in_dir + "/" + t.name + ".npy";
    in_arrays.push_back(npy::read_npy(path));
    const npy::Array& a = in_arrays.back();
    if (a.descr != descr_of(t.dtype)) {
      throw Error(ErrorCode::kShapeMismatch, "input " + path + ": dtype " + a.descr + ", graph input " + t.name +
                                                 " is " + qnn::dtype_name(t.dtype));
    }
    inputs.push_back({t.name, qnn::ConstTensorView{a.bytes.data(), a.shape, t.dtype}});
  }
  std::vector<std::vector<uint8_t>> out_bytes;
  out_bytes.reserve(graph.outputs().size());
  std::vector<std::pair<std::string, qnn::MutableTensorView>> outputs;
  for (qnn::TensorId id : graph.outputs()) {
    const qnn::Tensor& t = graph.tensor(id);
    out_bytes.emplace_back(t.nbytes());
    outputs.push_back({t.name, qnn::MutableTensorView{out_bytes.back().data(), t.shape, t.dtype}});
  }
  const auto t0 = std::chrono::steady_clock::now();
  exe->run(inputs, outputs);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (size_t i = 0; i < outputs.size(); ++i) {
    const qnn::Tensor& t = graph.tensor(graph.outputs()[i]);
    write_as(out_dir + "/" + t.name + ".npy", out_bytes[i], t.shape, t.dtype);
  }
  std::printf("{\"graph\": \"%s\", \"float_mode\": \"%s\", \"seconds\": %.6f}\n", graph_name.c_str(), mode_name.c_str(),
              secs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "edgevl-run-graph: error: " << e.what() << "\n";
    return 1;
  }
}
