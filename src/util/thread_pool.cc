#include "util/thread_pool.h"

#include <algorithm>

namespace flowdex {

namespace {
thread_local const ThreadPool* t_worker_of = nullptr;  // the pool whose worker this thread is
}  // namespace

ThreadPool::ThreadPool(size_t threads) {
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) {
    workers_.emplace_back([this] {
      t_worker_of = this;
      Loop();
    });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

ThreadPool* ThreadPool::Shared() {
  static ThreadPool pool(std::max(2u, std::thread::hardware_concurrency()) - 1);
  return &pool;
}

void ThreadPool::Loop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void ThreadPool::RunOnAll(size_t copies, const std::function<void()>& fn) {
  std::mutex done_mu;
  std::condition_variable done_cv;
  size_t remaining = copies;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < copies; ++i) {
      queue_.emplace_back([&] {
        fn();
        std::lock_guard<std::mutex> done_lock(done_mu);
        if (--remaining == 0) done_cv.notify_one();
      });
    }
  }
  wake_.notify_all();
  fn();
  std::unique_lock<std::mutex> done_lock(done_mu);
  done_cv.wait(done_lock, [&] { return remaining == 0; });
}

void ThreadPool::Run(const std::function<void()>& fn) {
  if (t_worker_of == this) {
    fn();
    return;
  }
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.emplace_back([&] {
      fn();
      std::lock_guard<std::mutex> done_lock(done_mu);
      done = true;
      done_cv.notify_one();
    });
  }
  wake_.notify_one();
  std::unique_lock<std::mutex> done_lock(done_mu);
  done_cv.wait(done_lock, [&] { return done; });
}

}  // namespace flowdex
