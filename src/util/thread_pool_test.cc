#include "util/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>

namespace flowdex {
namespace {

TEST(ThreadPool, RunsOnTheWorkersAndTheCallerAndWaitsForAll) {
  ThreadPool pool(3);
  std::atomic<int> runs{0};
  std::mutex mu;
  std::set<std::thread::id> threads;
  pool.RunOnAll(3, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // so that no copy finishes before the others start
    std::lock_guard<std::mutex> lock(mu);
    threads.insert(std::this_thread::get_id());
    ++runs;
  });
  EXPECT_EQ(runs.load(), 4);
  EXPECT_EQ(threads.size(), 4u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 1u);
}

TEST(ThreadPool, ConcurrentCallersEachGetTheirWorkDone) {
  ThreadPool pool(1);
  std::atomic<int> a{0}, b{0};
  std::thread other([&] { pool.RunOnAll(1, [&] { ++a; }); });
  pool.RunOnAll(1, [&] { ++b; });
  other.join();
  EXPECT_EQ(a.load(), 2);
  EXPECT_EQ(b.load(), 2);
}

}  // namespace
}  // namespace flowdex
