#include "runtime/rapi/runtime_state.h"

#include <nlohmann/json.hpp>

namespace stratus::rapi {

const char* stateName(RuntimeState s) {
  switch (s) {
    case RuntimeState::kStarted: return "Started";
    case RuntimeState::kReady: return "Ready";
    case RuntimeState::kRunning: return "Running";
    case RuntimeState::kInvocationResponse: return "InvocationResponse";
    case RuntimeState::kInvocationErrorResponse: return "InvocationErrorResponse";
    case RuntimeState::kResponseSent: return "ResponseSent";
    case RuntimeState::kInitError: return "InitError";
  }
  return "Unknown";
}

const char* eventName(RuntimeEvent e) {
  switch (e) {
    case RuntimeEvent::kNext: return "Ready";
    case RuntimeEvent::kResponse: return "InvocationResponse";
    case RuntimeEvent::kError: return "InvocationErrorResponse";
    case RuntimeEvent::kInitError: return "InitError";
  }
  return "Unknown";
}

bool nextState(RuntimeState from, RuntimeEvent event, RuntimeState& to) {
  switch (from) {
    case RuntimeState::kStarted:
      if (event == RuntimeEvent::kNext) return to = RuntimeState::kReady, true;
      if (event == RuntimeEvent::kInitError) return to = RuntimeState::kInitError, true;
      return false;
    case RuntimeState::kReady:
      // A repeated /next while waiting just waits again.
      if (event == RuntimeEvent::kNext) return to = RuntimeState::kReady, true;
      return false;
    case RuntimeState::kRunning:
      if (event == RuntimeEvent::kResponse) return to = RuntimeState::kInvocationResponse, true;
      if (event == RuntimeEvent::kError) return to = RuntimeState::kInvocationErrorResponse, true;
      // The emulator accepts /next while running (the call then waits for the next event).
      if (event == RuntimeEvent::kNext) return to = RuntimeState::kRunning, true;
      return false;
    case RuntimeState::kInvocationResponse:
    case RuntimeState::kInvocationErrorResponse:
    case RuntimeState::kResponseSent:
      if (event == RuntimeEvent::kNext) return to = RuntimeState::kReady, true;
      return false;
    case RuntimeState::kInitError:
      return false;
  }
  return false;
}

std::string invalidTransitionBody(RuntimeState from, RuntimeEvent event) {
  std::string message = std::string("State transition from ") + stateName(from) + " to " +
                        eventName(event) + " failed for runtime. Error: State transition is not allowed";
  return nlohmann::json{{"errorMessage", message}, {"errorType", "InvalidStateTransition"}}.dump();
}

}  // namespace stratus::rapi
