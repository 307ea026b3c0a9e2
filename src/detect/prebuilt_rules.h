// The detections flowdex ships, off until enabled (serve --enable-rules, the
// UI's rules page or POST /_flowdex/rules/{id}/_enable). docs/detections.md
// says what each looks for and why its numbers are what they are.
#pragma once

#include <vector>

#include "detect/rule.h"

namespace flowdex {

// Every prebuilt rule, disabled, with `prebuilt` set.
std::vector<Rule> PrebuiltRules();

}  // namespace flowdex
