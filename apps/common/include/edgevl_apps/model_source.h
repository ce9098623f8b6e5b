// Where the apps (qwen2vl-demo, qwen2vl-bench) get their model: a bundle as given, or a Hugging Face directory compiled once into a cache.
#pragma once

#include <string>

#include "edgevl/edgevl.h"

namespace edgevl::apps {

/// The bundled default model: $EDGEVL_DEFAULT_MODEL if set, else <source dir>/models/demo/qwen2vl-shapes.
std::string default_model_path();

/// The compiled-bundle cache: $XDG_CACHE_HOME/edgevl, else $HOME/.cache/edgevl.
std::string cache_dir();

/// Hex key of a Hugging Face directory + compile options: FNV-1a 64 over the options and, per regular file (sorted by
/// name), its name, size and content (files over 64 MiB: size and modification time instead of content).
std::string cache_key(const std::string& hf_dir, const CompileOptions& options);

/// Opens `path` with `model_options`: a bundle directly; a Hugging Face directory (config.json) through the cache,
/// compiling it with `options` first when the cache has no valid bundle for it (says so on stderr, with a progress
/// bar). The opened Model's info().path is the bundle's path. Throws edgevl::Error kNotFound when `path` is neither,
/// and the errors of Model::open and compile_model.
Model open_model(const std::string& path, const CompileOptions& options, const ModelOptions& model_options = {});

}  // namespace edgevl::apps
