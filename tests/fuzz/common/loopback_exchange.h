// One client connection over loopback, driven on the fuzzer's own Loop (the server under test
// lives on the same loop, so one thread does everything and each input is deterministic up to
// the kernel's socket buffers): connect, write every byte, half-close, read until the server
// closes. Loop thread only; runs the loop until the exchange ends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/base/loop.h"

namespace stratus::fuzz {

struct ExchangeLimits {
  // The exchange ends when nothing arrived for this long, and for a few loop turns, after
  // everything was written (0: wait for the server to close). For servers that may hold a
  // request open (a long poll).
  uint64_t quiet_ms = 0;
  // It ends anyway after this long; `timed_out` then says so.
  uint64_t deadline_ms = 10000;
};

struct Exchange {
  std::string received;    // every byte the server sent
  bool connected = false;
  bool server_closed = false;  // EOF (or a reset) from the server before the exchange ended
  bool timed_out = false;      // the deadline passed first
  bool quiet = false;          // ended by quiet_ms
};

Exchange exchangeOverLoopback(Loop& loop, int port, std::string_view bytes,
                              const ExchangeLimits& limits);

}  // namespace stratus::fuzz
