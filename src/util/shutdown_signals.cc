#include "util/shutdown_signals.h"

#include <pthread.h>
#include <signal.h>

namespace flowdex {

namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

ShutdownSignals::ShutdownSignals(std::function<void(const char* signal)> on_signal) : on_signal_(std::move(on_signal)) {
  const sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  waiter_ = std::thread([this, set] {
    int sig = 0;
    sigwait(&set, &sig);
    if (finished_.load()) return;  // woken by the destructor
    received_ = true;
    source_.Cancel();
    if (on_signal_) on_signal_(sig == SIGTERM ? "SIGTERM" : "SIGINT");
  });
}

ShutdownSignals::~ShutdownSignals() { Finish(); }

void ShutdownSignals::Finish() {
  if (joined_) return;
  joined_ = true;
  finished_ = true;
  // Wake the waiter with a signal of its own if none came.
  if (!received_.load()) pthread_kill(waiter_.native_handle(), SIGTERM);
  waiter_.join();
}

}  // namespace flowdex
