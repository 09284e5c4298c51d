// Lambda's text log line for one console call: `ISO8601-ms \t requestId \t LEVEL \t message`,
// every '\n' of the message replaced by '\r' so one call stays one CloudWatch event.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/js/native_host.h"

namespace stratus::js {

// "2019-06-07T19:11:20.562Z"
std::string isoTimestamp(int64_t epoch_ms);

std::string_view logLevelName(LogLevel level);

std::string logLine(int64_t epoch_ms, std::string_view request_id, LogLevel level,
                    std::string_view message);

}  // namespace stratus::js
