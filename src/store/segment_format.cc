#include "store/segment_format.h"

#include "store/byte_io.h"

namespace flowdex {

namespace {

void PutExtent(ByteWriter& w, const Extent& e) {
  w.PutVarint(e.offset);
  w.PutVarint(e.size);
  w.PutVarint(e.raw_size);
  w.PutFixed32(e.crc);
}

bool GetExtent(ByteReader& r, Extent* e) {
  return r.GetVarint(&e->offset) && r.GetVarint(&e->size) && r.GetVarint(&e->raw_size) && r.GetFixed32(&e->crc);
}

}  // namespace

std::string EncodeSegmentDirectory(const SegmentMeta& meta) {
  std::string out;
  ByteWriter w(&out);
  w.PutVarint(meta.rows);
  w.PutSignedVarint(meta.min_time);
  w.PutSignedVarint(meta.max_time);
  w.PutVarint(meta.columns.size());
  for (const ColumnMeta& c : meta.columns) {
    w.PutString(c.name);
    w.PutU8(static_cast<uint8_t>(c.type));
    w.PutVarint(c.blocks.size());
    for (const BlockMeta& b : c.blocks) {
      PutExtent(w, b.extent);
      w.PutVarint(b.stats.rows);
      w.PutVarint(b.stats.nulls);
      if (b.stats.has_values()) {
        if (c.type == ColumnType::kBlob) {
          // no min or max
        } else if (c.type == ColumnType::kIp) {
          w.PutBytes(b.stats.min_ip.data(), 16);
          w.PutBytes(b.stats.max_ip.data(), 16);
        } else {
          w.PutVarint(b.stats.min);
          w.PutVarint(b.stats.max);
        }
      }
    }
    if (HasDictionary(c.type)) {
      PutExtent(w, c.dictionary);
      w.PutVarint(c.dictionary_entries);
    }
    w.PutVarint(c.postings_entries);
    if (c.postings_entries > 0) PutExtent(w, c.postings);
  }
  return out;
}

bool DecodeSegmentDirectory(std::string_view in, SegmentMeta* meta) {
  ByteReader r(in);
  uint64_t ncols = 0;
  if (!r.GetVarint(&meta->rows) || !r.GetSignedVarint(&meta->min_time) || !r.GetSignedVarint(&meta->max_time) ||
      !r.GetVarint(&ncols) || ncols > 100000) {
    return false;
  }
  const uint64_t expected_blocks = (meta->rows + kRowsPerBlock - 1) / kRowsPerBlock;
  meta->columns.clear();
  meta->columns.resize(ncols);
  for (ColumnMeta& c : meta->columns) {
    std::string_view name;
    uint8_t type;
    uint64_t nblocks;
    if (!r.GetString(&name) || !r.GetU8(&type) || !IsValidColumnType(type) || !r.GetVarint(&nblocks) ||
        nblocks != expected_blocks) {
      return false;
    }
    c.name = std::string(name);
    c.type = static_cast<ColumnType>(type);
    c.blocks.resize(nblocks);
    for (size_t i = 0; i < nblocks; ++i) {
      BlockMeta& b = c.blocks[i];
      uint64_t rows, nulls;
      if (!GetExtent(r, &b.extent) || !r.GetVarint(&rows) || !r.GetVarint(&nulls) || rows > kRowsPerBlock ||
          nulls > rows) {
        return false;
      }
      const uint64_t want = i + 1 < nblocks ? kRowsPerBlock : meta->rows - i * kRowsPerBlock;
      if (rows != want) return false;
      b.stats.rows = static_cast<uint32_t>(rows);
      b.stats.nulls = static_cast<uint32_t>(nulls);
      if (b.stats.has_values()) {
        if (c.type == ColumnType::kBlob) {
          // no min or max
        } else if (c.type == ColumnType::kIp) {
          std::string_view lo, hi;
          if (!r.GetBytes(16, &lo) || !r.GetBytes(16, &hi)) return false;
          std::copy(lo.begin(), lo.end(), b.stats.min_ip.begin());
          std::copy(hi.begin(), hi.end(), b.stats.max_ip.begin());
        } else if (!r.GetVarint(&b.stats.min) || !r.GetVarint(&b.stats.max)) {
          return false;
        }
      }
    }
    if (HasDictionary(c.type) && (!GetExtent(r, &c.dictionary) || !r.GetVarint(&c.dictionary_entries))) {
      return false;
    }
    if (!r.GetVarint(&c.postings_entries)) return false;
    if (c.postings_entries > 0 && (!HasPagePostings(c.type) || !GetExtent(r, &c.postings))) return false;
  }
  return r.remaining() == 0;
}

}  // namespace flowdex
