// Hits as the response shows them, in search results and top_hits alike:
// sort values, and the hit object itself.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <vector>

#include "query/sort_values.h"

namespace flowdex {

inline void WriteSortValueJson(rapidjson::Writer<rapidjson::StringBuffer>& w, const SortValue& v) {
  switch (v.kind) {
    case SortValue::Kind::kMissing: w.Null(); break;
    case SortValue::Kind::kInteger:
      if (v.unsigned_integer > static_cast<uint64_t>(INT64_MAX)) {
        w.Uint64(v.unsigned_integer);
      } else {
        w.Int64(v.integer);
      }
      break;
    case SortValue::Kind::kDouble: w.Double(v.number); break;
    case SortValue::Kind::kString: w.String(v.text.data(), static_cast<rapidjson::SizeType>(v.text.size())); break;
  }
}

// What a hit says of its document's version (the search's "version" and
// "seq_no_primary_term"); flowdex keeps no versions: every document is at
// version 1, sequence number 0, primary term 1.
struct HitVersionMembers {
  bool version = false, seq_no_primary_term = false;
};

// {"_index", "_id", ["_version", "_seq_no", "_primary_term"], "_score" (1.0,
// or null when sorted by a field), then "_source", "fields" and "sort" when
// given}.
inline void WriteHitJson(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::string& index, const std::string& id,
                         bool sorted, const std::string* source, const std::string* fields,
                         const std::vector<SortValue>* sort, HitVersionMembers versions = {}) {
  w.StartObject();
  w.Key("_index");
  w.String(index.data(), static_cast<rapidjson::SizeType>(index.size()));
  w.Key("_id");
  w.String(id.data(), static_cast<rapidjson::SizeType>(id.size()));
  if (versions.version) {
    w.Key("_version");
    w.Int(1);
  }
  if (versions.seq_no_primary_term) {
    w.Key("_seq_no");
    w.Int(0);
    w.Key("_primary_term");
    w.Int(1);
  }
  w.Key("_score");
  sorted ? w.Null() : w.Double(1.0);
  if (source != nullptr) {
    w.Key("_source");
    w.RawValue(source->data(), source->size(), rapidjson::kObjectType);
  }
  if (fields != nullptr) {
    w.Key("fields");
    w.RawValue(fields->data(), fields->size(), rapidjson::kObjectType);
  }
  if (sort != nullptr) {
    w.Key("sort");
    w.StartArray();
    for (const SortValue& v : *sort) WriteSortValueJson(w, v);
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace flowdex
