// ThreadPool: a fixed set of worker threads that run submitted tasks, so
// that work split across cores per request (a search over segments) does
// not pay for starting threads each time.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace flowdex {

class ThreadPool {
 public:
  // Starts `threads` workers (at least one).
  explicit ThreadPool(size_t threads);
  // Finishes the queued tasks, then stops the workers.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // One pool for the process, with a worker per core but one (the caller
  // works too).
  static ThreadPool* Shared();

  size_t size() const { return workers_.size(); }

  // Runs fn on `copies` workers and on the calling thread at once, and
  // returns when all have finished. fn must be safe to run concurrently.
  void RunOnAll(size_t copies, const std::function<void()>& fn);

  // Runs fn on one worker, after the tasks queued before it, and returns
  // when it has finished; on the calling thread when that is a worker of
  // this pool (no waiting on oneself).
  void Run(const std::function<void()>& fn);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace flowdex
