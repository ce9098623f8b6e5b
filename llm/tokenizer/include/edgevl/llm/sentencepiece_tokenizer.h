// SentencePiece (.model) tokenizers behind the Tokenizer interface, via libsentencepiece.
#pragma once

#include <memory>
#include <string>

#include "edgevl/llm/tokenizer.h"

namespace edgevl::llm {

/// Loads a SentencePiece model file. encode() returns exactly SentencePieceProcessor::Encode ids (no BOS/EOS), except
/// that the model's control-piece strings inside the text (e.g. "<s>", "</s>", user-defined pieces) are split out and
/// mapped to their ids first. Throws edgevl::Error kNotFound / kCorruptFile naming the path.
std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const std::string& path);

}  // namespace edgevl::llm
