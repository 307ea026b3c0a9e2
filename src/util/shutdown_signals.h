// ShutdownSignals: SIGTERM and SIGINT as a request to stop cleanly, handled
// the same way by every long-running command (serve, worker, ingest).
//
// Construct it first, in the main thread, before any other thread starts:
// it blocks both signals (threads started later inherit the mask) and waits
// for them on a thread of its own. The first signal cancels token() and then
// calls on_signal with its name; later ones are ignored. SIGPIPE is ignored
// (a peer that hung up is an error to handle, not a reason to exit).
#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include "util/cancellation.h"

namespace flowdex {

class ShutdownSignals {
 public:
  explicit ShutdownSignals(std::function<void(const char* signal)> on_signal = nullptr);
  // Finish().
  ~ShutdownSignals();

  // Stops waiting for signals, and returns once on_signal (if it runs) has
  // returned: call it before destroying what on_signal touches.
  void Finish();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // Cancelled by the first signal, or by RequestStop.
  CancellationToken token() const { return source_.token(); }
  // True once a signal came.
  bool received() const { return received_.load(); }
  // Cancels token() as a signal would, without calling on_signal (the work
  // ended on its own and what waits on the token should stop too).
  void RequestStop() { source_.Cancel(); }

 private:
  CancellationSource source_;
  std::function<void(const char*)> on_signal_;
  std::atomic<bool> received_{false};
  std::atomic<bool> finished_{false};
  bool joined_ = false;
  std::thread waiter_;
};

}  // namespace flowdex
