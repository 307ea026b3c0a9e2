// Cancellation: how long-running work (a search, an ingest, a transfer, a
// worker's loop) is asked to stop. The one who may ask holds a
// CancellationSource; the work holds CancellationTokens, cheap to copy,
// that read it. A default token is never cancelled.
#pragma once

#include <atomic>
#include <memory>

namespace flowdex {

class CancellationToken {
 public:
  CancellationToken() = default;

  bool cancelled() const { return state_ != nullptr && state_->load(std::memory_order_relaxed); }
  // The flag itself, for C callbacks that take a pointer (libcurl's
  // progress callback); nullptr for a token that is never cancelled.
  const std::atomic<bool>* flag() const { return state_.get(); }

 private:
  friend class CancellationSource;
  explicit CancellationToken(std::shared_ptr<const std::atomic<bool>> state) : state_(std::move(state)) {}
  std::shared_ptr<const std::atomic<bool>> state_;
};

class CancellationSource {
 public:
  CancellationSource() : state_(std::make_shared<std::atomic<bool>>(false)) {}

  // Asks every token's holder to stop (idempotent, thread-safe).
  void Cancel() { state_->store(true); }
  bool cancelled() const { return state_->load(std::memory_order_relaxed); }
  CancellationToken token() const { return CancellationToken(state_); }

 private:
  std::shared_ptr<std::atomic<bool>> state_;
};

}  // namespace flowdex
