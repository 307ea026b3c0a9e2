#include "util/allocator_tuning.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace flowdex {
namespace {

TEST(FreeMemoryReleaser, ReleasesEveryIntervalAndStopsAtOnce) {
  auto releaser = std::make_unique<FreeMemoryReleaser>(std::chrono::milliseconds(5));
  {
    // Something freed for it to give back.
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 64; ++i) blocks.emplace_back(new char[256 * 1024]());
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (releaser->releases() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(releaser->releases(), 3);
  // A long interval does not hold up the destructor.
  releaser = std::make_unique<FreeMemoryReleaser>(std::chrono::hours(1));
  const auto before = std::chrono::steady_clock::now();
  releaser.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
}

}  // namespace
}  // namespace flowdex
