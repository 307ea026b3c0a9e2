#include "parquet/parquet_metadata.h"

#include <limits>
#include <memory>

#include <fmt/format.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

namespace flowdex::parquet {

namespace {

using apache::thrift::protocol::TType;
using Buffer = apache::thrift::transport::TMemoryBuffer;
using Protocol = apache::thrift::protocol::TCompactProtocolT<Buffer>;

// Metadata larger than this is refused (real footers are kilobytes to a few
// megabytes); it also keeps Thrift's size arithmetic within an int.
constexpr size_t kMaxThriftBytes = size_t{64} << 20;

// Thrown inside this file only, for a field of the wrong wire type or a
// value out of range; turned into Corruption at the entry points like
// Thrift's own exceptions.
struct BadMetadata {
  std::string what;
};

void Expect(TType got, TType want, const char* field) {
  if (got != want) throw BadMetadata{fmt::format("field {} has wire type {}, expected {}", field, int(got), int(want))};
}

// Calls on_field(type, id) for every field of the struct at the reader's
// position; a field it does not take (returns false) is skipped.
template <typename Fn>
void ReadStruct(Protocol& p, Fn&& on_field) {
  std::string name;
  p.readStructBegin(name);
  for (;;) {
    TType type;
    int16_t id;
    p.readFieldBegin(name, type, id);
    if (type == apache::thrift::protocol::T_STOP) break;
    if (!on_field(type, id)) p.skip(type);
    p.readFieldEnd();
  }
  p.readStructEnd();
}

// Reads a list header, checking that its length is plausible for the bytes left.
uint32_t ReadListBegin(Protocol& p, Buffer& buf, TType want, const char* field) {
  TType elem;
  uint32_t n = 0;
  p.readListBegin(elem, n);
  if (n > 0) Expect(elem, want, field);
  if (n > buf.available_read()) throw BadMetadata{fmt::format("list {} claims {} elements", field, n)};
  return n;
}

int32_t ReadI32(Protocol& p, TType type, const char* field) {
  Expect(type, apache::thrift::protocol::T_I32, field);
  int32_t v = 0;
  p.readI32(v);
  return v;
}

int64_t ReadI64(Protocol& p, TType type, const char* field) {
  Expect(type, apache::thrift::protocol::T_I64, field);
  int64_t v = 0;
  p.readI64(v);
  return v;
}

std::string ReadString(Protocol& p, TType type, const char* field) {
  Expect(type, apache::thrift::protocol::T_STRING, field);
  std::string v;
  p.readString(v);
  return v;
}

template <typename Enum>
Enum ReadEnum(Protocol& p, TType type, const char* field, int32_t max) {
  const int32_t v = ReadI32(p, type, field);
  if (v < 0 || v > max) throw BadMetadata{fmt::format("field {} has unknown value {}", field, v)};
  return static_cast<Enum>(v);
}

SchemaElement ReadSchemaElement(Protocol& p) {
  SchemaElement e;
  ReadStruct(p, [&](TType t, int16_t id) {
    switch (id) {
      case 1: e.type = ReadEnum<PhysicalType>(p, t, "SchemaElement.type", 7), e.has_type = true; return true;
      case 3: e.repetition = ReadEnum<Repetition>(p, t, "SchemaElement.repetition_type", 2); return true;
      case 4: e.name = ReadString(p, t, "SchemaElement.name"); return true;
      case 5: e.num_children = ReadI32(p, t, "SchemaElement.num_children"); return true;
      default: return false;
    }
  });
  return e;
}

void ReadColumnMetaData(Protocol& p, Buffer& buf, ColumnChunk* c) {
  ReadStruct(p, [&](TType t, int16_t id) {
    switch (id) {
      case 1: c->type = ReadEnum<PhysicalType>(p, t, "ColumnMetaData.type", 7); return true;
      case 3: {
        Expect(t, apache::thrift::protocol::T_LIST, "ColumnMetaData.path_in_schema");
        const uint32_t n = ReadListBegin(p, buf, apache::thrift::protocol::T_STRING, "path_in_schema");
        for (uint32_t i = 0; i < n; ++i) {
          std::string s;
          p.readString(s);
          c->path.push_back(std::move(s));
        }
        p.readListEnd();
        return true;
      }
      case 4: c->codec = ReadEnum<Codec>(p, t, "ColumnMetaData.codec", 7); return true;
      case 5: c->num_values = ReadI64(p, t, "ColumnMetaData.num_values"); return true;
      case 7: c->total_compressed_size = ReadI64(p, t, "ColumnMetaData.total_compressed_size"); return true;
      case 9: c->data_page_offset = ReadI64(p, t, "ColumnMetaData.data_page_offset"); return true;
      case 11: c->dictionary_page_offset = ReadI64(p, t, "ColumnMetaData.dictionary_page_offset"); return true;
      default: return false;
    }
  });
}

ColumnChunk ReadColumnChunk(Protocol& p, Buffer& buf) {
  ColumnChunk c;
  bool has_meta = false;
  ReadStruct(p, [&](TType t, int16_t id) {
    switch (id) {
      case 1: c.external = !ReadString(p, t, "ColumnChunk.file_path").empty(); return true;
      case 3:
        Expect(t, apache::thrift::protocol::T_STRUCT, "ColumnChunk.meta_data");
        ReadColumnMetaData(p, buf, &c);
        has_meta = true;
        return true;
      default: return false;
    }
  });
  if (!has_meta) throw BadMetadata{"a column chunk has no meta_data"};
  return c;
}

RowGroup ReadRowGroup(Protocol& p, Buffer& buf) {
  RowGroup g;
  ReadStruct(p, [&](TType t, int16_t id) {
    switch (id) {
      case 1: {
        Expect(t, apache::thrift::protocol::T_LIST, "RowGroup.columns");
        const uint32_t n = ReadListBegin(p, buf, apache::thrift::protocol::T_STRUCT, "RowGroup.columns");
        for (uint32_t i = 0; i < n; ++i) g.columns.push_back(ReadColumnChunk(p, buf));
        p.readListEnd();
        return true;
      }
      case 3: g.num_rows = ReadI64(p, t, "RowGroup.num_rows"); return true;
      default: return false;
    }
  });
  return g;
}

// Runs `body` over a compact-protocol reader of the bytes, turning every
// exception Thrift or this file throws into Corruption.
template <typename Fn>
Status WithProtocol(const uint8_t* data, size_t size, const char* what, Fn&& body) {
  if (size > std::numeric_limits<uint32_t>::max()) return Status::Corruption(fmt::format("{} is too large", what));
  try {
    auto buf = std::make_shared<Buffer>(const_cast<uint8_t*>(data), static_cast<uint32_t>(size), Buffer::OBSERVE);
    // No string or container can be longer than the bytes there are: the
    // limits stop Thrift from allocating (or multiplying, which overflows)
    // sizes a damaged file claims before it checks them.
    const auto limit = static_cast<int32_t>(std::min<size_t>(size, kMaxThriftBytes));
    Protocol p(buf, limit, limit);
    body(p, *buf);
    return Status::OK();
  } catch (const BadMetadata& e) {
    return Status::Corruption(fmt::format("{}: {}", what, e.what));
  } catch (const std::exception& e) {
    // Thrift's messages may quote the offending byte raw.
    std::string msg = e.what();
    for (char& c : msg) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    }
    while (!msg.empty() && (msg.back() == ' ' || msg.back() == ':' || msg.back() == '?')) msg.pop_back();
    return Status::Corruption(fmt::format("{} is not valid Thrift ({})", what, msg));
  }
}

}  // namespace

const char* PhysicalTypeName(PhysicalType t) {
  static const char* const kNames[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                       "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
  const auto i = static_cast<size_t>(t);
  return i < std::size(kNames) ? kNames[i] : "?";
}

const char* CodecName(Codec c) {
  static const char* const kNames[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
  const auto i = static_cast<size_t>(c);
  return i < std::size(kNames) ? kNames[i] : "?";
}

const char* EncodingName(Encoding e) {
  static const char* const kNames[] = {
      "PLAIN",          "GROUP_VAR_INT",       "PLAIN_DICTIONARY",        "RLE",
      "BIT_PACKED",     "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
      "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
  const auto i = static_cast<size_t>(e);
  return i < std::size(kNames) ? kNames[i] : "?";
}

Status ReadFileMetaData(const uint8_t* data, size_t size, FileMetaData* out) {
  *out = FileMetaData();
  bool has_schema = false;
  Status s = WithProtocol(data, size, "the file metadata", [&](Protocol& p, Buffer& buf) {
    ReadStruct(p, [&](TType t, int16_t id) {
      switch (id) {
        case 1: out->version = ReadI32(p, t, "FileMetaData.version"); return true;
        case 2: {
          Expect(t, apache::thrift::protocol::T_LIST, "FileMetaData.schema");
          const uint32_t n = ReadListBegin(p, buf, apache::thrift::protocol::T_STRUCT, "FileMetaData.schema");
          for (uint32_t i = 0; i < n; ++i) out->schema.push_back(ReadSchemaElement(p));
          p.readListEnd();
          has_schema = true;
          return true;
        }
        case 3: out->num_rows = ReadI64(p, t, "FileMetaData.num_rows"); return true;
        case 4: {
          Expect(t, apache::thrift::protocol::T_LIST, "FileMetaData.row_groups");
          const uint32_t n = ReadListBegin(p, buf, apache::thrift::protocol::T_STRUCT, "FileMetaData.row_groups");
          for (uint32_t i = 0; i < n; ++i) out->row_groups.push_back(ReadRowGroup(p, buf));
          p.readListEnd();
          return true;
        }
        case 6: out->created_by = ReadString(p, t, "FileMetaData.created_by"); return true;
        default: return false;
      }
    });
  });
  if (s.ok() && (!has_schema || out->schema.empty())) return Status::Corruption("the file metadata has no schema");
  return s;
}

Status ReadPageHeader(const uint8_t* data, size_t size, PageHeader* out, size_t* header_size) {
  *out = PageHeader();
  bool has_type = false;
  Status s = WithProtocol(data, size, "a page header", [&](Protocol& p, Buffer& buf) {
    ReadStruct(p, [&](TType t, int16_t id) {
      switch (id) {
        case 1: out->type = ReadEnum<PageType>(p, t, "PageHeader.type", 3), has_type = true; return true;
        case 2: out->uncompressed_page_size = ReadI32(p, t, "PageHeader.uncompressed_page_size"); return true;
        case 3: out->compressed_page_size = ReadI32(p, t, "PageHeader.compressed_page_size"); return true;
        case 5:
          Expect(t, apache::thrift::protocol::T_STRUCT, "PageHeader.data_page_header");
          ReadStruct(p, [&](TType ft, int16_t fid) {
            switch (fid) {
              case 1: out->data.num_values = ReadI32(p, ft, "DataPageHeader.num_values"); return true;
              case 2: out->data.encoding = ReadEnum<Encoding>(p, ft, "DataPageHeader.encoding", 9); return true;
              default: return false;
            }
          });
          return true;
        case 7:
          Expect(t, apache::thrift::protocol::T_STRUCT, "PageHeader.dictionary_page_header");
          ReadStruct(p, [&](TType ft, int16_t fid) {
            switch (fid) {
              case 1: out->dictionary.num_values = ReadI32(p, ft, "DictionaryPageHeader.num_values"); return true;
              case 2:
                out->dictionary.encoding = ReadEnum<Encoding>(p, ft, "DictionaryPageHeader.encoding", 9);
                return true;
              default: return false;
            }
          });
          return true;
        case 8:
          Expect(t, apache::thrift::protocol::T_STRUCT, "PageHeader.data_page_header_v2");
          ReadStruct(p, [&](TType ft, int16_t fid) {
            DataPageHeaderV2& v2 = out->data_v2;
            switch (fid) {
              case 1: v2.num_values = ReadI32(p, ft, "DataPageHeaderV2.num_values"); return true;
              case 2: v2.num_nulls = ReadI32(p, ft, "DataPageHeaderV2.num_nulls"); return true;
              case 3: v2.num_rows = ReadI32(p, ft, "DataPageHeaderV2.num_rows"); return true;
              case 4: v2.encoding = ReadEnum<Encoding>(p, ft, "DataPageHeaderV2.encoding", 9); return true;
              case 5:
                v2.definition_levels_byte_length = ReadI32(p, ft, "DataPageHeaderV2.definition_levels_byte_length");
                return true;
              case 6:
                v2.repetition_levels_byte_length = ReadI32(p, ft, "DataPageHeaderV2.repetition_levels_byte_length");
                return true;
              case 7: {
                // The compact protocol keeps a bool field's value in its header.
                Expect(ft, apache::thrift::protocol::T_BOOL, "DataPageHeaderV2.is_compressed");
                bool b = true;
                p.readBool(b);
                v2.is_compressed = b;
                return true;
              }
              default: return false;
            }
          });
          return true;
        default: return false;
      }
    });
    *header_size = size - buf.available_read();
  });
  if (!s.ok()) return s;
  if (!has_type) return Status::Corruption("a page header has no type");
  if (out->compressed_page_size < 0 || out->uncompressed_page_size < 0) {
    return Status::Corruption("a page header has a negative size");
  }
  return Status::OK();
}

}  // namespace flowdex::parquet
