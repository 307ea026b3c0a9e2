// Helpers shared by the unit tests that read segments (header-only, so that
// test binaries without the store need not link it).
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "store/segment_reader.h"

namespace flowdex::testing {

// Decodes every block of every column of `seg` into its block cache (set
// beforehand), so that later reads take the decoded path.
inline void DecodeEveryBlock(const SegmentReader& seg) {
  for (size_t c = 0; c < seg.meta().columns.size(); ++c) {
    for (size_t b = 0; b < seg.meta().columns[c].blocks.size(); ++b) {
      std::shared_ptr<const ColumnBlock> block;
      ASSERT_TRUE(seg.ReadBlockShared(static_cast<int>(c), b, &block).ok());
    }
  }
}

}  // namespace flowdex::testing
