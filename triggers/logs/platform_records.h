// With LoggingConfig.LogFormat JSON, Lambda writes its own (system) lines as JSON records and
// keeps them down to SystemLogLevel: INIT_START -> platform.initStart, START -> platform.start,
// REPORT -> platform.report, INIT_REPORT -> platform.initReport, each
// {"time","type","record":{...}} with the text line's fields as typed values. END has no JSON
// form (the platform.runtimeDone event belongs to the Telemetry API) and is dropped. Levels:
// DEBUG and INFO keep every record; WARN keeps only reports of a failure (a status other
// than success). Lines the function wrote are left as they are (the runtime formats them).
// Pure.
#pragma once

#include <string>
#include <vector>

#include "triggers/logs/log_lines.h"

namespace stratus::logs {

std::vector<TimedLine> asJsonPlatformRecords(std::vector<TimedLine> lines, const std::string& system_log_level);

}  // namespace stratus::logs
