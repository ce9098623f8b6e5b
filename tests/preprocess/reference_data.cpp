#include "reference_data.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace edgevl::test {

const std::string& preprocess_reference_dir() {
  static const std::string dir = [] {
    const std::string d = EDGEVL_PREPROCESS_REF_DIR;
    if (!std::filesystem::exists(d + "/cases.tsv")) {
      const std::string cmd = std::string("\"") + EDGEVL_PYTHON_EXE + "\" \"" + EDGEVL_PREPROCESS_REF_SCRIPT + "\" \"" + d + "\"";
      if (std::system(cmd.c_str()) != 0) throw std::runtime_error("reference script failed: " + cmd);
    }
    return d;
  }();
  return dir;
}

std::vector<std::vector<std::string>> read_tsv(const std::string& relative_path) {
  const std::string path = preprocess_reference_dir() + "/" + relative_path;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace edgevl::test
