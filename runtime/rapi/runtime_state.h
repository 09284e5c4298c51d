// The Runtime API's state machine (LAMBDA.md §8), as the runtime interface emulator defines it:
// every transition is refused unless the current state opens it. Pure; the server validates a
// request against it before acting, then transitions.
#pragma once

#include <string>

namespace stratus::rapi {

enum class RuntimeState {
  kStarted,                  // process running, has not asked for work yet (init phase)
  kReady,                    // asked for work (/next), none handed over yet
  kRunning,                  // an invocation was handed over, no answer yet
  kInvocationResponse,       // answered it with a response (transient: becomes ResponseSent)
  kInvocationErrorResponse,  // answered it with an error (transient)
  kResponseSent,             // the answer went out; the next /next makes it Ready again
  kInitError,                // reported an init error: terminal, the environment is discarded
};

enum class RuntimeEvent { kNext, kResponse, kError, kInitError };

const char* stateName(RuntimeState s);
const char* eventName(RuntimeEvent e);

// The state `event` leads to from `from`, or false when the transition is not allowed.
bool nextState(RuntimeState from, RuntimeEvent event, RuntimeState& to);

// The 403 body Lambda sends for a refused transition.
std::string invalidTransitionBody(RuntimeState from, RuntimeEvent event);

}  // namespace stratus::rapi
