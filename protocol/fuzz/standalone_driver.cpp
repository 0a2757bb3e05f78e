// Runs a libFuzzer target without libFuzzer (GCC builds, CI): a deterministic
// stream of generated inputs and mutations of earlier ones and of seeds.
// Usage: fuzz_x [iterations] [seed files or directories...]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {
const char* kDictionary[] = {"{\"type\":\"start\"", "\"codec\":\"opus\"", "\"sample_rate\":", "48000", "\"channels\":2",
                             "\"interval_ms\":", "\"mode\":\"interview\"", "\"session_id\":\"", "{\"eof\":1}", "\"type\":\"stop\"",
                             "null", "true", "[", "]", "{", "}", ",", ":", "\"", "\\u0000", "-1", "1e999", "99999999999999999999"};
}

int main(int argc, char** argv) {
  const long iterations = argc > 1 ? std::atol(argv[1]) : 20000;
  std::vector<std::vector<std::uint8_t>> pool;
  std::vector<std::filesystem::path> seeds;
  for (int i = 2; i < argc; ++i) {
    if (std::filesystem::is_directory(argv[i])) {
      for (const auto& e : std::filesystem::directory_iterator(argv[i])) seeds.push_back(e.path());
    } else {
      seeds.emplace_back(argv[i]);
    }
  }
  for (const auto& path : seeds) {
    std::ifstream in(path, std::ios::binary);
    pool.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(pool.back().data(), pool.back().size());
  }
  const std::size_t seed_count = pool.size();
  std::mt19937 rng(12345);
  auto rnd = [&](std::uint32_t n) { return n == 0 ? 0u : static_cast<std::uint32_t>(rng() % n); };
  for (long it = 0; it < iterations; ++it) {
    std::vector<std::uint8_t> input;
    if (!pool.empty() && rnd(4) != 0) {
      input = pool[rnd(static_cast<std::uint32_t>(pool.size()))];
      const std::uint32_t edits = 1 + rnd(8);
      for (std::uint32_t e = 0; e < edits; ++e) {
        switch (rnd(5)) {
          case 0: if (!input.empty()) input[rnd(static_cast<std::uint32_t>(input.size()))] ^= static_cast<std::uint8_t>(1u << rnd(8)); break;
          case 1: if (!input.empty()) input.resize(rnd(static_cast<std::uint32_t>(input.size()))); break;
          case 2: input.insert(input.begin() + rnd(static_cast<std::uint32_t>(input.size() + 1)), static_cast<std::uint8_t>(rng())); break;
          case 3: {
            const std::string word = kDictionary[rnd(sizeof kDictionary / sizeof *kDictionary)];
            input.insert(input.begin() + rnd(static_cast<std::uint32_t>(input.size() + 1)), word.begin(), word.end());
            break;
          }
          default: if (!input.empty()) input[rnd(static_cast<std::uint32_t>(input.size()))] = static_cast<std::uint8_t>(rng()); break;
        }
      }
    } else {
      input.resize(rnd(2048));
      for (auto& b : input) b = static_cast<std::uint8_t>(rng());
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
    // Seeds stay in the pool; mutants rotate through the rest of it.
    if (pool.size() < seed_count + 256) pool.push_back(std::move(input));
    else pool[seed_count + rnd(256)] = std::move(input);
  }
  std::printf("%ld inputs (%zu seeds) ran without a crash\n", iterations, seed_count);
  return 0;
}
