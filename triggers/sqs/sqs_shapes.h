// The input shapes of the SQS operations the queue service serves, generated from botocore's
// SQS model (triggers/gen_lambda_shapes.py --service sqs -> sqs_shapes.cc) in the tables the
// Lambda decoder reads (request_shape.h), so both wire protocols decode into the same typed
// values. No member is marked required: the service answers a missing one with SQS's own
// MissingParameter error. Constant data; any thread.
#pragma once

#include <string_view>

#include "triggers/request_shape.h"

namespace stratus::triggers {

// nullptr for an operation the service does not serve.
const Shape* sqsRequestShape(std::string_view operation);

}  // namespace stratus::triggers
