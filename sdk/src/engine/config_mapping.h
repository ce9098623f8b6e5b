// Conversions between the bundle's model metadata (BundleInfo) and the graph builders' plain config structs.
#pragma once

#include "edgevl/llm/llm_config.h"
#include "edgevl/vision/vit_config.h"
#include "engine/bundle_info.h"

namespace edgevl::engine {

/// The ViT hyper-parameters recorded in a bundle (merger output width = the text hidden size). Validated.
vision::VitConfig vit_config_from_info(const BundleInfo& info);
/// The decoder hyper-parameters recorded in a bundle. Validated.
llm::LlmConfig llm_config_from_info(const BundleInfo& info);

}  // namespace edgevl::engine
