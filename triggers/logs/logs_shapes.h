// The input shapes of the CloudWatch Logs operations the log service serves, generated from
// botocore's logs model (triggers/gen_lambda_shapes.py --service logs -> logs_shapes.cc) in
// the tables the Lambda decoder reads (request_shape.h): types, required members, lengths,
// ranges and enums are checked before an operation runs. Constant data; any thread.
#pragma once

#include <string_view>

#include "triggers/request_shape.h"

namespace stratus::triggers {

// nullptr for an operation the service does not serve.
const Shape* logsRequestShape(std::string_view operation);

}  // namespace stratus::triggers
