// Locates (and if needed generates) the Pillow reference data of tests/reference/pillow_preprocess.py.
#pragma once

#include <string>
#include <vector>

namespace edgevl::test {

/// The reference directory; runs the Python script first if its outputs are missing (e.g. the binary run by hand).
const std::string& preprocess_reference_dir();

/// Tab-separated rows of a file in the reference directory.
std::vector<std::vector<std::string>> read_tsv(const std::string& relative_path);

}  // namespace edgevl::test
