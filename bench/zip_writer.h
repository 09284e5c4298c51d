// A minimal ZIP writer for the benchmarks: every entry "stored" (method 0, uncompressed), CRC32
// from zlib. Enough for the Lambda API's Code.ZipFile and for hashing reference inputs.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stratus::bench {

class StoredZip {
 public:
  // `mode`: the Unix permission bits recorded for the entry (0755 for a custom runtime's
  // `bootstrap`).
  void add(std::string name, std::string_view data, uint32_t mode = 0644) {
    Entry e;
    e.name = std::move(name);
    e.mode = mode;
    e.crc = static_cast<uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    e.size = static_cast<uint32_t>(data.size());
    e.offset = static_cast<uint32_t>(out_.size());
    // Local file header.
    u32(0x04034b50);
    u16(20);  // version needed: 2.0
    u16(0);   // flags
    u16(0);   // method: stored
    u16(0);   // mod time
    u16(0x21);  // mod date: 1980-01-01
    u32(e.crc);
    u32(e.size);  // compressed size
    u32(e.size);  // uncompressed size
    u16(static_cast<uint16_t>(e.name.size()));
    u16(0);  // extra length
    out_ += e.name;
    out_.append(data.data(), data.size());
    entries_.push_back(std::move(e));
  }

  // The finished archive (central directory and end record appended). Call once.
  std::string finish() {
    uint32_t cd_offset = static_cast<uint32_t>(out_.size());
    for (const Entry& e : entries_) {
      u32(0x02014b50);
      u16(0x031e);  // made by: Unix, 3.0
      u16(20);
      u16(0);
      u16(0);
      u16(0);
      u16(0x21);
      u32(e.crc);
      u32(e.size);
      u32(e.size);
      u16(static_cast<uint16_t>(e.name.size()));
      u16(0);  // extra
      u16(0);  // comment
      u16(0);  // disk
      u16(0);  // internal attrs
      u32((0100000u | e.mode) << 16);  // external attrs: regular file, its mode
      u32(e.offset);
      out_ += e.name;
    }
    uint32_t cd_size = static_cast<uint32_t>(out_.size()) - cd_offset;
    u32(0x06054b50);
    u16(0);
    u16(0);
    u16(static_cast<uint16_t>(entries_.size()));
    u16(static_cast<uint16_t>(entries_.size()));
    u32(cd_size);
    u32(cd_offset);
    u16(0);  // comment length
    return std::move(out_);
  }

 private:
  struct Entry {
    std::string name;
    uint32_t crc = 0, size = 0, offset = 0, mode = 0644;
  };
  void u16(uint16_t v) {
    out_.push_back(static_cast<char>(v & 0xff));
    out_.push_back(static_cast<char>(v >> 8));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v & 0xffff));
    u16(static_cast<uint16_t>(v >> 16));
  }
  std::string out_;
  std::vector<Entry> entries_;
};

// One-file zip: the usual shape of a hello-world function.
inline std::string zipOneFile(const std::string& name, std::string_view data) {
  StoredZip z;
  z.add(name, data);
  return z.finish();
}

}  // namespace stratus::bench
