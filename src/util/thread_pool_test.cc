#include "util/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

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

TEST(ThreadPool, RunUsesOneWorkerAndRunsInlineOnItsOwnWorkers) {
  ThreadPool pool(2);
  std::set<std::thread::id> threads, caller_ids;
  std::mutex mu;
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      {
        std::lock_guard<std::mutex> lock(mu);
        caller_ids.insert(std::this_thread::get_id());
      }
      pool.Run([&] {
        std::thread::id outer = std::this_thread::get_id(), inner;
        pool.Run([&] { inner = std::this_thread::get_id(); });  // nested: no deadlock, same thread
        std::lock_guard<std::mutex> lock(mu);
        EXPECT_EQ(inner, outer);
        threads.insert(outer);
      });
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_GE(threads.size(), 1u);
  EXPECT_LE(threads.size(), 2u) << "only the pool's two workers ran the work";
  for (const std::thread::id& id : caller_ids) EXPECT_EQ(threads.count(id), 0u) << "never a caller";
}

}  // namespace
}  // namespace flowdex
