#include "triggers/request_limits.h"

namespace stratus::triggers {

BodyLimit bodyLimitFor(const std::string& operation, bool event) {
  if (operation == "Invoke") return {event ? kAsyncPayloadMax : kSyncPayloadMax, "InvokeFunction", event};
  if (operation == "InvokeAsync") return {kAsyncPayloadMax, "InvokeAsync", true};
  if (operation.empty() || operation == "CreateFunction" || operation == "UpdateFunctionCode" ||
      operation == "PublishLayerVersion") {
    return {kMaxRequestBytes, operation.empty() ? "CreateFunction" : operation, false};
  }
  return {kControlRequestMax, operation, false};
}

Error tooLargeError(const BodyLimit& limit, uint64_t size) {
  if (limit.event && size > 0) {
    return Error::tooLarge(std::to_string(size) +
                           " byte payload is too large for the Event invocation type (limit " +
                           std::to_string(limit.bytes) + " bytes)");
  }
  return Error::tooLarge("Request must be smaller than " + std::to_string(limit.bytes) +
                         " bytes for the " + limit.operation + " operation");
}

}  // namespace stratus::triggers
