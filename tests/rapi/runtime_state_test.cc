#include "runtime/rapi/runtime_state.h"

#include <gtest/gtest.h>

namespace stratus::rapi {
namespace {

using S = RuntimeState;
using E = RuntimeEvent;

TEST(RuntimeState, HappyPathCycles) {
  S s = S::kStarted;
  ASSERT_TRUE(nextState(s, E::kNext, s));
  EXPECT_EQ(s, S::kReady);
  // The server hands the invocation over (Ready -> Running happens there).
  s = S::kRunning;
  ASSERT_TRUE(nextState(s, E::kResponse, s));
  EXPECT_EQ(s, S::kInvocationResponse);
  ASSERT_TRUE(nextState(S::kResponseSent, E::kNext, s));
  EXPECT_EQ(s, S::kReady);
  ASSERT_TRUE(nextState(S::kRunning, E::kError, s));
  EXPECT_EQ(s, S::kInvocationErrorResponse);
}

TEST(RuntimeState, RefusesWhatNoStateOpens) {
  S to;
  EXPECT_FALSE(nextState(S::kStarted, E::kResponse, to));
  EXPECT_FALSE(nextState(S::kStarted, E::kError, to));
  EXPECT_FALSE(nextState(S::kReady, E::kResponse, to));
  EXPECT_FALSE(nextState(S::kReady, E::kInitError, to));
  EXPECT_FALSE(nextState(S::kRunning, E::kInitError, to));
  EXPECT_FALSE(nextState(S::kResponseSent, E::kResponse, to));
  EXPECT_FALSE(nextState(S::kResponseSent, E::kError, to));
  for (E e : {E::kNext, E::kResponse, E::kError, E::kInitError}) {
    EXPECT_FALSE(nextState(S::kInitError, e, to)) << eventName(e);
  }
}

TEST(RuntimeState, InitErrorOnlyFromStarted) {
  S to;
  ASSERT_TRUE(nextState(S::kStarted, E::kInitError, to));
  EXPECT_EQ(to, S::kInitError);
}

TEST(RuntimeState, RefusalBodyNamesBothStates) {
  EXPECT_EQ(invalidTransitionBody(S::kReady, E::kResponse),
            R"({"errorMessage":"State transition from Ready to InvocationResponse failed for runtime. )"
            R"(Error: State transition is not allowed","errorType":"InvalidStateTransition"})");
}

}  // namespace
}  // namespace stratus::rapi
