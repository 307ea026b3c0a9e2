#include "pipeline/sqs_worker.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace flowdex {

namespace {

using Clock = std::chrono::steady_clock;

void LogWorker(const std::string& line) { fmt::print(stderr, "flowdex: {}\n", line); }

struct InFlight {
  std::string receipt_handle;
  Clock::time_point visible_at;  // when SQS would hand the message out again
  bool started = false;
  bool lost = false;  // the handle went stale: no more heartbeats
};

// The shared state of one Run.
struct RunState {
  std::mutex mu;
  std::condition_variable cv;  // job queued, slot freed, stopping
  std::deque<SqsMessage> jobs;
  std::map<std::string, InFlight> in_flight;  // message id -> state
  int busy = 0;                               // messages received and not finished
  bool stopping = false;
};

}  // namespace

SqsWorker::SqsWorker(SqsClient* sqs, ObjectProcessor* processor, SqsWorkerOptions options)
    : sqs_(sqs), processor_(processor), options_(options) {
  options_.workers = std::max(1, options_.workers);
  options_.visibility_seconds = std::clamp(options_.visibility_seconds, 2, 43200);
  options_.retry_after_seconds = std::clamp(options_.retry_after_seconds, 0, 43200);
}

Status SqsWorker::Run(CancellationToken stop) {
  RunState st;
  PipelineMetrics* metrics = processor_->metrics();
  const auto visibility = std::chrono::seconds(options_.visibility_seconds);

  // Ends one message: deletes it, or releases it for redelivery.
  auto finish = [&](const SqsMessage& m, MessageOutcome outcome) {
    std::string handle;
    {
      std::lock_guard<std::mutex> lock(st.mu);
      auto it = st.in_flight.find(m.message_id);
      handle = it != st.in_flight.end() ? it->second.receipt_handle : m.receipt_handle;
      if (it != st.in_flight.end()) st.in_flight.erase(it);
    }
    bool del = outcome == MessageOutcome::kDone;
    if (!del && options_.delete_after_receives > 0 && m.receive_count >= options_.delete_after_receives) {
      LogWorker(
          fmt::format("message {}: failed {} times, deleted (--delete-after-receives)", m.message_id, m.receive_count));
      del = true;
    }
    std::vector<SqsBatchFailure> failed;
    Status s;
    if (del) {
      s = sqs_->DeleteBatch({SqsBatchEntry{"m0", handle, 0}}, &failed);
      if (s.ok() && failed.empty()) {
        metrics->messages_deleted.fetch_add(1);
      } else {
        LogWorker(fmt::format("message {}: delete failed ({}); it will be redelivered and found already stored",
                              m.message_id,
                              s.ok() ? failed[0].code + ": " + failed[0].message : std::string(s.message())));
      }
    } else {
      metrics->messages_returned.fetch_add(1);
      s = sqs_->ChangeVisibilityBatch({SqsBatchEntry{"m0", handle, options_.retry_after_seconds}}, &failed);
      LogWorker(fmt::format("message {}: left on the queue (receive {}), visible again in {} s", m.message_id,
                            m.receive_count, options_.retry_after_seconds));
    }
    std::lock_guard<std::mutex> lock(st.mu);
    --st.busy;
    metrics->messages_in_flight.fetch_sub(1);
    st.cv.notify_all();
  };

  auto work = [&] {
    for (;;) {
      SqsMessage m;
      {
        std::unique_lock<std::mutex> lock(st.mu);
        st.cv.wait(lock, [&] { return !st.jobs.empty() || st.stopping; });
        if (st.jobs.empty()) return;
        m = std::move(st.jobs.front());
        st.jobs.pop_front();
        auto it = st.in_flight.find(m.message_id);
        if (it != st.in_flight.end()) it->second.started = true;
      }
      finish(m, processor_->ProcessMessage(m.message_id, m.body));
    }
  };

  // Extends the visibility of messages whose half-time has passed.
  auto heartbeat = [&] {
    std::unique_lock<std::mutex> lock(st.mu);
    while (!st.stopping || st.busy > 0) {
      st.cv.wait_for(lock, std::chrono::milliseconds(500));
      const auto now = Clock::now();
      std::vector<SqsBatchEntry> due;
      std::vector<std::string> ids;
      for (auto& [id, f] : st.in_flight) {
        if (f.lost || f.visible_at - now > visibility / 2) continue;
        due.push_back(SqsBatchEntry{std::to_string(due.size()), f.receipt_handle, options_.visibility_seconds});
        ids.push_back(id);
        if (due.size() == 10) break;
      }
      if (due.empty()) continue;
      lock.unlock();
      std::vector<SqsBatchFailure> failed;
      Status s = sqs_->ChangeVisibilityBatch(due, &failed);
      lock.lock();
      if (!s.ok()) {
        LogWorker(fmt::format("visibility heartbeat failed: {}", s.message()));
        continue;
      }
      for (size_t i = 0; i < ids.size(); ++i) {
        auto it = st.in_flight.find(ids[i]);
        if (it == st.in_flight.end()) continue;
        auto f =
            std::find_if(failed.begin(), failed.end(), [&](const SqsBatchFailure& x) { return x.id == due[i].id; });
        if (f == failed.end()) {
          it->second.visible_at = now + visibility;
          metrics->visibility_extensions.fetch_add(1);
        } else if (f->code == "ReceiptHandleIsInvalid" || f->code == "InvalidParameterValue" ||
                   f->code == "MessageNotInflight") {
          it->second.lost = true;
          LogWorker(
              fmt::format("message {}: visibility could not be extended ({}); it may be redelivered", ids[i], f->code));
        }
      }
    }
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < options_.workers; ++i) threads.emplace_back(work);
  std::thread heart(heartbeat);

  Status result;
  bool first = true;
  int failures = 0;
  AwsConfig backoff = sqs_->config();
  while (!stop.cancelled()) {
    int free_slots;
    {
      std::unique_lock<std::mutex> lock(st.mu);
      st.cv.wait_for(lock, std::chrono::milliseconds(200),
                     [&] { return st.busy < options_.workers || stop.cancelled(); });
      free_slots = options_.workers - st.busy;
    }
    if (stop.cancelled()) break;
    if (free_slots <= 0) continue;
    std::vector<SqsMessage> got;
    AwsError err;
    const auto asked = Clock::now();
    Status s = sqs_->Receive(std::min(10, free_slots), options_.wait_seconds, options_.visibility_seconds, &got, &err);
    if (!s.ok()) {
      if (stop.cancelled()) break;
      // A first receive refused for good (credentials, permissions, no such
      // queue) is a configuration error: say so and stop.
      if (first && !err.retryable && (err.http_status >= 400 || !err.code.empty())) {
        result = Status::InvalidArgument(fmt::format("cannot read queue {}: {}", sqs_->queue_url(), s.message()));
        break;
      }
      LogWorker(fmt::format("receiving from {} failed: {} (retrying)", sqs_->queue_url(), s.message()));
      if (!BackoffSleep(backoff, failures++)) break;
      continue;
    }
    first = false;
    failures = 0;
    metrics->messages_received.fetch_add(got.size());
    std::lock_guard<std::mutex> lock(st.mu);
    if (got.empty() && options_.exit_when_idle && st.busy == 0) break;
    for (SqsMessage& m : got) {
      if (st.in_flight.count(m.message_id)) {
        // Delivered again while still in progress here: keep the newest handle.
        st.in_flight[m.message_id].receipt_handle = m.receipt_handle;
        continue;
      }
      st.in_flight[m.message_id] = InFlight{m.receipt_handle, asked + visibility, false, false};
      ++st.busy;
      metrics->messages_in_flight.fetch_add(1);
      st.jobs.push_back(std::move(m));
    }
    st.cv.notify_all();
  }

  // Stop: release what has not started, finish what has.
  std::vector<SqsMessage> unstarted;
  {
    std::lock_guard<std::mutex> lock(st.mu);
    unstarted.assign(std::make_move_iterator(st.jobs.begin()), std::make_move_iterator(st.jobs.end()));
    st.jobs.clear();
  }
  for (size_t i = 0; i < unstarted.size(); i += 10) {
    std::vector<SqsBatchEntry> batch;
    for (size_t j = i; j < std::min(unstarted.size(), i + 10); ++j) {
      batch.push_back(SqsBatchEntry{std::to_string(j - i), unstarted[j].receipt_handle, 0});
    }
    std::vector<SqsBatchFailure> failed;
    sqs_->ChangeVisibilityBatch(batch, &failed);
  }
  {
    std::lock_guard<std::mutex> lock(st.mu);
    for (const SqsMessage& m : unstarted) {
      st.in_flight.erase(m.message_id);
      --st.busy;
      metrics->messages_in_flight.fetch_sub(1);
    }
    st.stopping = true;
    st.cv.notify_all();
  }
  for (auto& t : threads) t.join();
  {
    std::lock_guard<std::mutex> lock(st.mu);
    st.cv.notify_all();
  }
  heart.join();
  if (!unstarted.empty()) LogWorker(fmt::format("released {} messages not yet started", unstarted.size()));
  return result;
}

}  // namespace flowdex
