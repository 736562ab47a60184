// Test helper: reads a .jsonl file into (line number, parsed object) pairs.
#ifndef EDGEMMA_TESTS_TEXT_JSONL_H_
#define EDGEMMA_TESTS_TEXT_JSONL_H_

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace edgemma::testing {

inline std::string SharedPath(const std::string& rel) {
  return std::string(EDGEMMA_SHARED_DIR) + "/" + rel;
}

// Empty result if the file is missing or a line is not JSON (callers assert
// a non-empty result, so that reads as a failure).
// The raw text of each non-empty line, with its 1-based number.
inline std::vector<std::pair<int, std::string>> ReadLines(
    const std::string& path) {
  std::vector<std::pair<int, std::string>> rows;
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty()) rows.emplace_back(n, line);
  }
  return rows;
}

inline std::vector<std::pair<int, nlohmann::json>> ReadJsonl(
    const std::string& path) {
  std::vector<std::pair<int, nlohmann::json>> rows;
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) return {};
    rows.emplace_back(n, std::move(j));
  }
  return rows;
}

}  // namespace edgemma::testing

#endif  // EDGEMMA_TESTS_TEXT_JSONL_H_
