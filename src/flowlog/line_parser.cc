#include "flowlog/line_parser.h"

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace flowdex {

namespace {

// A value quoted in an error message: clipped, with unprintable bytes escaped.
std::string Quote(std::string_view v) {
  std::string out = "'";
  const size_t limit = 40;
  for (size_t i = 0; i < v.size() && i < limit; ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (v.size() > limit) out += "...";
  out += "'";
  return out;
}

inline bool ParseUnsigned(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  if (s.size() <= 19) {
    // 19 digits cannot overflow 64 bits: no check per digit.
    for (char ch : s) {
      const unsigned d = static_cast<unsigned char>(ch) - '0';
      if (d > 9) return false;
      v = v * 10 + d;
    }
  } else {
    for (char ch : s) {
      const unsigned d = static_cast<unsigned char>(ch) - '0';
      if (d > 9 || v > (UINT64_MAX - d) / 10) return false;
      v = v * 10 + d;
    }
  }
  if (v > max) return false;
  *out = v;
  return true;
}

Status BadValue(const FlowFieldInfo& info, std::string_view value) {
  std::string expected;
  switch (info.type) {
    case FlowFieldType::kInteger: expected = fmt::format("an integer from 0 to {}", info.max_value); break;
    case FlowFieldType::kIp: expected = "an IPv4 or IPv6 address"; break;
    case FlowFieldType::kAction: expected = "ACCEPT or REJECT"; break;
    case FlowFieldType::kLogStatus: expected = "OK, NODATA or SKIPDATA"; break;
    case FlowFieldType::kString: expected = "text"; break;
  }
  return Status::InvalidArgument(fmt::format("bad {} {}: expected {}", info.token, Quote(value), expected));
}

}  // namespace

size_t TokenizeFlowLine(std::string_view line, std::string_view* tokens, size_t max) {
  const char* p = line.data();
  const char* end = p + line.size();
  if (p != end && end[-1] == '\r') --end;
  size_t count = 0;
  while (p < end) {
    while (p < end && (*p == ' ' || *p == '\t')) ++p;
    if (p == end) break;
    const char* start = p;
    while (p < end && *p != ' ' && *p != '\t') ++p;
    if (count < max) tokens[count] = std::string_view(start, static_cast<size_t>(p - start));
    ++count;
  }
  return count;
}

namespace {

// Records token boundaries from a bit mask of non-space bytes. `edges` has a
// bit at every position where a token starts or ends; they alternate.
inline void TakeEdges(const char* base, size_t block_start, uint32_t edges, bool* in_token, const char** start,
                      std::string_view* tokens, size_t max, size_t* count) {
  while (edges != 0) {
    const unsigned bit = static_cast<unsigned>(__builtin_ctz(edges));
    edges &= edges - 1;
    const char* at = base + block_start + bit;
    if (!*in_token) {
      *start = at;
    } else {
      if (*count < max) tokens[*count] = std::string_view(*start, static_cast<size_t>(at - *start));
      ++*count;
    }
    *in_token = !*in_token;
  }
}

}  // namespace

bool TokenizeCleanFlowLine(std::string_view line, std::string_view* tokens, size_t max, size_t* count, size_t* column) {
  const char* p = line.data();
  size_t n = line.size();
  if (n > 0 && p[n - 1] == '\r') --n;
  size_t cnt = 0;
  bool in_token = false;
  const char* start = p;
  size_t i = 0;
#if defined(__SSE2__)
  // 16 bytes at a time: any byte below 0x20 (signed, so non-ASCII too) or DEL
  // sends the line to the exact scalar check; spaces give token edges.
  const __m128i kSpace = _mm_set1_epi8(' ');
  const __m128i kDel = _mm_set1_epi8(0x7f);
  uint32_t prev_nonspace = 0;  // bit 0: the byte before this block is not a space
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, kSpace), _mm_cmpeq_epi8(v, kDel));
    if (_mm_movemask_epi8(bad) != 0) {
      if (!IsCleanText(line, column)) return false;
      *count = TokenizeFlowLine(line, tokens, max);
      return true;
    }
    const uint32_t nonspace = ~static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, kSpace))) & 0xFFFFu;
    const uint32_t edges = (nonspace ^ ((nonspace << 1) | prev_nonspace)) & 0xFFFFu;
    TakeEdges(p, i, edges, &in_token, &start, tokens, max, &cnt);
    prev_nonspace = nonspace >> 15;
  }
#endif
  for (; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c >= 0x7f) {
      if (!IsCleanText(line, column)) return false;
      *count = TokenizeFlowLine(line, tokens, max);
      return true;
    }
    const bool space = c == ' ';
    if (space == in_token) {
      if (in_token) {
        if (cnt < max) tokens[cnt] = std::string_view(start, static_cast<size_t>(p + i - start));
        ++cnt;
      } else {
        start = p + i;
      }
      in_token = !in_token;
    }
  }
  if (in_token) {
    if (cnt < max) tokens[cnt] = std::string_view(start, static_cast<size_t>(p + n - start));
    ++cnt;
  }
  *count = cnt;
  return true;
}

bool IsCleanText(std::string_view line, size_t* column) {
  const auto* s = reinterpret_cast<const unsigned char*>(line.data());
  size_t n = line.size();
  if (n > 0 && s[n - 1] == '\r') --n;
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c >= 0x20 && c < 0x7f) {
      ++i;
      continue;
    }
    if (c == '\t') {
      ++i;
      continue;
    }
    // UTF-8 multi-byte sequence (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      *column = i + 1;
      return false;
    }
    if (i + len > n) {
      *column = i + 1;
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = s[i + k];
      unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xbf;
      if (cc < min || cc > max) {
        *column = i + 1;
        return false;
      }
    }
    i += len;
  }
  return true;
}

Status ParseFlowTokens(const std::string_view* tokens, size_t count, const FlowFormat& format, FlowRecord* rec) {
  rec->Clear();
  if (count != format.size()) {
    return Status::InvalidArgument(
        fmt::format("expected {} fields ({}), found {}", format.size(), format.description(), count));
  }
  const FlowFieldInfo* infos = format.infos();
  for (size_t i = 0; i < count; ++i) {
    const std::string_view v = tokens[i];
    if (v.size() == 1 && v[0] == '-') continue;  // "-": the field does not apply
    const FlowFieldInfo& info = infos[i];
    switch (info.type) {
      case FlowFieldType::kInteger: {
        uint64_t n;
        if (!ParseUnsigned(v, info.max_value, &n)) return BadValue(info, v);
        rec->SetNumber(info.field, n);
        break;
      }
      case FlowFieldType::kIp:
        if (!ParseIpAddress(v, rec->mutable_ip(info.ip_slot))) return BadValue(info, v);
        break;
      case FlowFieldType::kAction:
        if (v == "ACCEPT") {
          rec->SetNumber(info.field, static_cast<uint64_t>(FlowAction::kAccept));
        } else if (v == "REJECT") {
          rec->SetNumber(info.field, static_cast<uint64_t>(FlowAction::kReject));
        } else {
          return BadValue(info, v);
        }
        break;
      case FlowFieldType::kLogStatus:
        if (v == "OK") {
          rec->SetNumber(info.field, static_cast<uint64_t>(LogStatus::kOk));
        } else if (v == "NODATA") {
          rec->SetNumber(info.field, static_cast<uint64_t>(LogStatus::kNoData));
        } else if (v == "SKIPDATA") {
          rec->SetNumber(info.field, static_cast<uint64_t>(LogStatus::kSkipData));
        } else {
          return BadValue(info, v);
        }
        break;
      case FlowFieldType::kString: break;
    }
    rec->SetText(info.field, v);
  }
  return Status::OK();
}

}  // namespace flowdex
