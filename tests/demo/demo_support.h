// Shared pieces of the demo-model acceptance tests: where the demo model, its PyTorch reference files and the work
// folder are, reading JSON files, running a helper command, and the answer scoring of models/demo/eval_torch.py.
#pragma once

#include <cstdint>
#include <vector>

#include <string>

#include <nlohmann/json.hpp>

namespace edgevl::demo_test {

std::string source_dir();  ///< the repository root
std::string python();      ///< ${EDGEVL_PYTHON} (Debian python3 with numpy + Pillow)
/// The test's work folder in the build tree, `<build>/tests/demo/work/<name>` (created, NOT emptied).
std::string work_dir(const std::string& name);
/// models/demo/qwen2vl-shapes (Hugging Face directory), or $EDGEVL_DEMO_MODEL_DIR (e.g. a model not committed yet).
std::string model_dir();
std::string samples_dir(); ///< models/demo/samples
/// models/demo/reference, or $EDGEVL_DEMO_REFERENCE_DIR (to check reference files that are not committed yet).
std::string reference_dir();
/// models/demo/eval_accuracy.json, or $EDGEVL_DEMO_ACCURACY_JSON.
std::string accuracy_json_path();

/// Parses a JSON file; throws std::runtime_error naming the file when it is missing or malformed.
nlohmann::json read_json(const std::string& path);

struct CommandResult {
  int status = -1;  ///< exit status (-1 when the command could not be started or died of a signal)
  std::string out;  ///< stdout
};
/// Runs `command` through /bin/sh, capturing stdout (stderr passes through to the test log).
CommandResult run_command(const std::string& command);

/// One question of the held-out evaluation set (models/demo/eval_set.py, questions.jsonl).
struct EvalQuestion {
  int64_t id = 0;
  std::string image, type, question, answer;  ///< image: relative to the set's folder
  int wording = 0;        ///< index into scenes.WORDINGS[type]
  bool same_row = false;  ///< "where" only: another shape shares the asked shape's row
};
/// One turn of a held-out conversation; `image` indexes EvalConversation::images (-1 = the turn attaches none).
struct EvalTurn {
  int image = -1;
  std::string type, question, answer;
  int wording = 0;
};
/// One multi-turn conversation of the held-out set (conversations.jsonl): kind "three-turn" or "two-image".
struct EvalConversation {
  int64_t id = 0;
  std::string kind;
  std::vector<std::string> images;  ///< relative to the set's folder
  std::vector<EvalTurn> turns;
};
struct EvalSet {
  std::string dir;                     ///< where the set was written
  std::string sha256;                  ///< printed by eval_set.py (both files + images)
  std::vector<EvalQuestion> questions;
  std::vector<EvalConversation> conversations;
  std::string error;                   ///< non-empty when generation failed
};
/// Regenerates the held-out set into work_dir(name) (emptied first).
EvalSet generate_eval_set(const std::string& name);

/// Writes the demo calibration samples (models/demo/calibration_set.py) into work_dir(name); returns the JSONL path,
/// or "" with `error` set.
/// `seed` 0 = the script's calibration seed; models/demo/calibration_set.py's REPORT_SEED gives held-out report samples.
std::string generate_calibration_set(const std::string& name, std::string* error, int64_t seed = 0);

/// models/demo/eval_torch.py's scoring: the greedy answer, decoded without special tokens, must equal the canonical
/// answer exactly (no case folding, no trimming).
inline bool answer_is_correct(const std::string& predicted, const std::string& truth) { return predicted == truth; }

}  // namespace edgevl::demo_test
