// Sample events for `stratus invoke --event-type T`, shaped as the AWS services send them
// (the fields and nesting of `sam local generate-event`'s templates), with fresh ids and the
// current time. A payload given too is the body (apigw, apigw-v2, sqs, sns) or is merged over
// the event's detail (eventbridge). Pure apart from the clock and random ids.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace stratus::triggers::cli {

// The event types known, for --help and errors.
const std::vector<std::string>& sampleEventTypes();

// The event as JSON text, or none for an unknown type. `region` and `account` fill ARNs.
std::optional<std::string> sampleEvent(const std::string& type, const std::string& body, const std::string& region,
                                       const std::string& account);

}  // namespace stratus::triggers::cli
