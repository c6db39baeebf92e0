// A main() for the fuzz targets where libFuzzer is not available (GCC): runs
// LLVMFuzzerTestOneInput once over every file of the corpus directories (or files) given
// as arguments, so the seed corpus is a regression test on every compiler. A missing or
// empty corpus is an error, so a wrong path cannot pass unnoticed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& where) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (std::filesystem::is_directory(where, ec)) {
    for (const auto& entry : std::filesystem::directory_iterator(where, ec))
      if (entry.is_regular_file()) files.push_back(entry.path());
  } else if (std::filesystem::is_regular_file(where, ec)) {
    files.push_back(where);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <corpus directory or file>...\n", argv[0]);
    return 2;
  }
  std::size_t runs = 0;
  for (int k = 1; k < argc; ++k) {
    const std::vector<std::filesystem::path> files = inputs_of(argv[k]);
    if (files.empty()) {
      std::fprintf(stderr, "%s: no inputs\n", argv[k]);
      return 2;
    }
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "%s: cannot read\n", file.c_str());
        return 2;
      }
      std::fprintf(stderr, "Running: %s\n", file.c_str());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++runs;
    }
  }
  std::fprintf(stderr, "Executed %zu inputs\n", runs);
  return 0;
}
