// The Lambda API's event source mapping routes (LAMBDA.md §10): decoding, Lambda's
// validation and errors, then the mapping service (mapping_service.h). Loop thread only.
#pragma once

#include "triggers/api_context.h"

namespace stratus::triggers {

void createEventSourceMapping(ApiContext&, const ApiCallPtr&);
void getEventSourceMapping(ApiContext&, const ApiCallPtr&);
void updateEventSourceMapping(ApiContext&, const ApiCallPtr&);
void deleteEventSourceMapping(ApiContext&, const ApiCallPtr&);
void listEventSourceMappings(ApiContext&, const ApiCallPtr&);

}  // namespace stratus::triggers
