// AwsEnvironment: the environment variables the AWS SDKs read (credentials,
// profiles, regions, endpoints, container and instance metadata), read once
// from the process and passed down as a value, so that everything that
// configures AWS access is in one place and tests build their own instead
// of changing the process environment.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace flowdex {

class AwsEnvironment {
 public:
  // The variables AWS's SDKs read, from this process.
  static AwsEnvironment FromProcess();
  // Exactly these variables (tests).
  static AwsEnvironment Of(std::initializer_list<std::pair<const std::string, std::string>> vars) {
    AwsEnvironment env;
    env.vars_ = vars;
    return env;
  }

  // The variable's value, "" when unset.
  std::string Get(std::string_view name) const {
    auto it = vars_.find(std::string(name));
    return it == vars_.end() ? std::string() : it->second;
  }

  // The variables read by FromProcess.
  static const std::initializer_list<const char*>& Names();

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace flowdex
