// DetectionEngine: keeps the rules, evaluates the enabled ones on their
// schedule (and again when late data arrives), records each alert as a
// document in the alerts index, and delivers it through the rule's actions
// from a persistent outbox (docs/detections.md).
//
// Files, below options.dir: rules.json (every rule, prebuilt ones with the
// user's edits) and state.json (per rule: the last window evaluated, the
// throttle per group; the outbox). Both are replaced atomically, so a crash
// leaves the old or the new state. An alert's _id is derived from its rule,
// group and window, and written with op_type create: evaluating a window
// again after a crash finds the alert already there and does not repeat it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "detect/alert_notifier.h"
#include "detect/rule.h"
#include "detect/rule_evaluator.h"
#include "util/status.h"

namespace flowdex {

struct DetectionOptions {
  std::string dir;         // where rules.json and state.json live
  std::string flow_index;  // what rules without an index search
  std::string alerts_index = ".alerts-flowdex-default";
  std::string ui_url;                         // base of Discover links ("http://127.0.0.1:9200")
  int64_t tick_ms = 10'000;                   // how often the schedule is looked at
  int64_t late_ms = 30 * 60'000;              // windows ending this far back are evaluated again on new data
  int64_t catch_up_ms = 24 * 3'600'000LL;     // windows missed while stopped, evaluated at start
  int max_delivery_attempts = 10;             // per action; backoff doubles from 1 s to 5 min
  std::vector<std::string> enable;            // prebuilt rules to enable at start ("all": every one)
  std::function<uint64_t()> data_generation;  // changes when flows are committed (null: never)
  std::function<int64_t()> clock;             // milliseconds since the epoch (null: the system clock)
};

// What the engine knows of a rule's runs (GET /_flowdex/rules).
struct RuleRunStatus {
  int64_t last_end_ms = 0;  // the newest window evaluated
  int64_t last_run_ms = 0;  // wall clock of the last evaluation
  double last_took_ms = 0;  // its cost
  uint64_t alerts = 0;      // alerts recorded since start
  std::string last_error;   // "" when the last evaluation succeeded
};

class DetectionEngine {
 public:
  DetectionEngine(SearchApi api, DetectionOptions options, std::unique_ptr<AlertNotifier> notifier);
  ~DetectionEngine();

  // Loads the rules and state (creating them on first use), adds prebuilt
  // rules missing from the file and enables options.enable. (The alerts
  // index is created with the first alert.)
  Status Open();
  // Runs the schedule on a thread of its own until Stop().
  void Start();
  void Stop();

  std::vector<Rule> Rules() const;
  Status GetRule(const std::string& id, Rule* rule, RuleRunStatus* status = nullptr) const;
  // Adds or replaces a rule after checking that it runs (its filter parses,
  // its fields exist). `create`: AlreadyExists when the id is taken. A
  // prebuilt rule keeps its prebuilt mark. *created says whether it is new.
  Status PutRule(Rule rule, bool create, bool* created, EvaluationError* error);
  // NotFound; InvalidArgument for a prebuilt rule (disable it instead).
  Status DeleteRule(const std::string& id);
  Status SetEnabled(const std::string& id, bool enabled, EvaluationError* error);

  // What `rule` would have alerted on in windows ending every interval in
  // (from_ms, to_ms], throttling applied, nothing recorded or sent.
  // *windows receives the number of windows evaluated.
  Status TestRule(const Rule& rule, int64_t from_ms, int64_t to_ms, std::vector<Finding>* fired, int* windows,
                  EvaluationError* error) const;

  // One pass of the schedule as if the time were `now_ms` (the thread's
  // tick uses the clock; POST /_flowdex/rules/_run replays another time):
  // every window due since the last pass, late windows again when data
  // arrived, then the outbox. Alerts are stamped with the real time.
  void RunCycle(int64_t now_ms);

  // The Discover link for a finding of `rule`.
  std::string DiscoverUrl(const Rule& rule, const Finding& finding) const;

  const DetectionOptions& options() const { return options_; }
  // The API rules search through (also for reading the alerts index).
  const SearchApi& api() const { return api_; }
  int64_t Now() const;
  uint64_t alerts_recorded() const { return alerts_recorded_; }
  uint64_t deliveries_failed() const { return deliveries_failed_; }

 private:
  struct RuleState {
    int64_t last_end_ms = 0;
    int64_t late_checked_ms = 0;              // data time of the last late re-evaluation
    uint64_t generation = 0;                  // data generation at the last evaluation
    std::map<std::string, int64_t> throttle;  // group key -> window end of its last alert
  };
  struct OutboxEntry {
    std::string alert_id, rule_id;
    size_t action = 0;  // index into the rule's actions
    int attempts = 0;
    int64_t next_ms = 0;
    std::string text, alert_json;
  };

  Status LoadLocked();
  Status SaveRulesLocked() const;
  Status SaveStateLocked() const;
  Status EnsureAlertsIndex();
  // Evaluates windows of `rule` ending at `ends` and records what fires.
  void EvaluateRule(const Rule& rule, const std::vector<int64_t>& ends, uint64_t generation, int64_t now_ms);
  // Writes the alert document; false when it could not be written (it
  // will be tried again with the window). *existed: it was already there.
  bool RecordAlert(const Rule& rule, const Finding& f, int64_t now_ms, std::string* id, std::string* text,
                   std::string* json, bool* existed);
  void DeliverDue(int64_t now_ms);
  void Loop();

  SearchApi api_;
  DetectionOptions options_;
  std::unique_ptr<AlertNotifier> notifier_;
  RuleEvaluator evaluator_;

  mutable std::mutex mu_;  // rules_, state_, outbox_, status_ and the files
  std::map<std::string, Rule> rules_;
  std::map<std::string, RuleState> state_;
  std::vector<OutboxEntry> outbox_;
  std::map<std::string, RuleRunStatus> status_;

  std::mutex cycle_mu_;    // one cycle at a time
  std::mutex deliver_mu_;  // one outbox pass at a time
  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
  bool alerts_index_ready_ = false;  // (used by the cycle only)
  std::atomic<uint64_t> alerts_recorded_{0};
  std::atomic<uint64_t> deliveries_failed_{0};
};

}  // namespace flowdex
