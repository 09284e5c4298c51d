// runtime/rapi/runtime_state: the Runtime API's pure state machine. Each input byte is one step
// of a runtime's life: an event the runtime sends (/next, /response, /error, /init/error) or the
// server handing over an invocation (Ready -> Running, as RuntimeApiServer does), applied to the
// state the steps so far reached; a byte with the high bit set instead probes an arbitrary state
// (including values outside the enum). Checks every step against the emulator's rules
// (LAMBDA.md §8), independently restated here:
//  - /next is refused only after InitError; it leads to Ready, or stays Running while running
//  - /response and /error are allowed only while Running, to InvocationResponse and
//    InvocationErrorResponse; /init/error only from Started, to the terminal InitError
//  - nothing leaves InitError, and no state outside the enum allows anything
//  - every refusal's 403 body is JSON: errorType InvalidStateTransition, a message naming both
//    the state and the event.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/rapi/runtime_state.h"

namespace {

using namespace stratus::rapi;

[[noreturn]] void fail(const std::string& what, RuntimeState from, RuntimeEvent event) {
  std::fprintf(stderr, "runtime_state invariant broken: %s (from %s on %s)\n", what.c_str(),
               stateName(from), eventName(event));
  std::abort();
}

constexpr int kStates = 7;

bool known(RuntimeState s) { return static_cast<int>(s) >= 0 && static_cast<int>(s) < kStates; }

// The rule, restated: the state `event` must lead to, or false if it must be refused.
bool expected(RuntimeState from, RuntimeEvent event, RuntimeState& to) {
  if (!known(from) || from == RuntimeState::kInitError) return false;
  switch (event) {
    case RuntimeEvent::kNext:
      to = from == RuntimeState::kRunning ? RuntimeState::kRunning : RuntimeState::kReady;
      return true;
    case RuntimeEvent::kResponse:
      to = RuntimeState::kInvocationResponse;
      return from == RuntimeState::kRunning;
    case RuntimeEvent::kError:
      to = RuntimeState::kInvocationErrorResponse;
      return from == RuntimeState::kRunning;
    case RuntimeEvent::kInitError:
      to = RuntimeState::kInitError;
      return from == RuntimeState::kStarted;
  }
  return false;
}

void checkRefusalBody(RuntimeState from, RuntimeEvent event) {
  // The body depends on the pair alone: check each pair once per process.
  static bool checked[32][4] = {};
  auto s = static_cast<unsigned>(from), e = static_cast<unsigned>(event);
  if (s < 32 && e < 4) {
    if (checked[s][e]) return;
    checked[s][e] = true;
  }
  std::string body = invalidTransitionBody(from, event);
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail("refusal body is not a JSON object", from, event);
  if (j.value("errorType", "") != "InvalidStateTransition") fail("refusal errorType", from, event);
  std::string message = j.value("errorMessage", "");
  if (message.find(stateName(from)) == std::string::npos || message.find(eventName(event)) == std::string::npos) {
    fail("refusal message does not name the state and event: " + message, from, event);
  }
}

RuntimeState step(RuntimeState from, RuntimeEvent event) {
  RuntimeState want{}, got = static_cast<RuntimeState>(-1);
  bool allowed = expected(from, event, want);
  bool ok = nextState(from, event, got);
  if (ok != allowed) fail(allowed ? "an allowed transition was refused" : "a refused transition was allowed", from, event);
  if (!ok) {
    checkRefusalBody(from, event);
    return from;  // the server answers 403 and stays where it was
  }
  if (got != want) fail(std::string("led to ") + stateName(got) + " instead of " + stateName(want), from, event);
  if (!known(got) || std::strcmp(stateName(got), "Unknown") == 0) fail("led outside the enum", from, event);
  // The server passes an answer on at once: the transient states become ResponseSent.
  if (got == RuntimeState::kInvocationResponse || got == RuntimeState::kInvocationErrorResponse) {
    return RuntimeState::kResponseSent;
  }
  return got;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RuntimeState state = RuntimeState::kStarted;
  for (size_t i = 0; i < size; ++i) {
    uint8_t b = data[i];
    if (b & 0x80) {
      // Probe: any state value (beyond the enum too) with any event, off the main path.
      auto probe = static_cast<RuntimeState>((b >> 2) & 0x1f);
      step(probe, static_cast<RuntimeEvent>(b & 3));
      continue;
    }
    int what = b % 5;
    if (what == 4) {
      // The server hands an invocation over only to a runtime waiting in Ready.
      if (state == RuntimeState::kReady) state = RuntimeState::kRunning;
      continue;
    }
    state = step(state, static_cast<RuntimeEvent>(what));
    if (!known(state)) fail("left the enum", state, static_cast<RuntimeEvent>(what));
  }
  return 0;
}
