// Decodes a Lambda request body against its shape (request_shape.h) in the order AWS's
// rest-json front end does, before any operation acts on it. Pure; any thread.
//
//  1. Parse, once, at most kBodyMaxDepth deep (runtime/base/json_reader.h). Bytes that are
//     not JSON: 400 InvalidRequestContentException "Could not parse request body into json:
//     <Jackson-style detail>" -- the exception Lambda's model documents for "The request body
//     could not be parsed as JSON" and the text Lambda answers unparseable bodies with (LocalStack
//     snapshot test_lambda_invoke_payload_encoding_error, recorded against AWS 2025-11;
//     aws/aws-sdk-js#1876, 2018).
//  2. Deserialize: every member present must be its shape's JSON type: 400
//     SerializationException otherwise (a string for an integer, 1.5 or 1e99 for an integer,
//     0 for a boolean, a scalar for a structure, a null inside a list or map, a body that is
//     valid JSON but not an object). SerializationException is what AWS's rest-json servers
//     answer mistyped members with: Smithy's restJson1 malformed-request protocol tests
//     (smithy-aws-protocol-tests/model/restJson1/malformedRequests/*.smithy:
//     RestJsonBodyIntegerMalformedValueRejected, RestJsonBodyMalformedListNullItem,
//     RestJsonTechnicallyValidJsonBody, ...) all expect 400 with x-amzn-errortype
//     SerializationException, and floci-io/floci#2537 reports the same of Lambda itself. A JSON
//     null for a structure member is that member absent, as in those servers (and floci#2537),
//     so {"Publish": null} publishes nothing. Members the shape does not name are ignored.
//  3. Validate: required members ("Value null at 'code' failed to satisfy constraint: Member
//     must not be null"), bounds, enums and patterns (shape_patterns.h), every violation in one
//     400 ValidationException "N validation error(s) detected: ...; ..." with camelCase member
//     paths, as AWS reports them (LAMBDA.md §4).
// Semantic checks (a runtime this build cannot run, reserved environment keys, ...) are the
// handlers', after decoding.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/base/error.h"
#include "triggers/request_shape.h"

namespace stratus::triggers {

// The deepest Lambda request body the model allows nests 5 containers (CreateFunction ->
// CapacityProviderConfig -> LambdaManagedInstancesCapacityProviderConfig, FileSystemConfigs ->
// [ {..} ]); anything past 128 cannot be a valid body, and stopping there keeps every
// document shallow for code that recurses over it (dump, comparisons). Jackson, which AWS
// parses with, would stop at 1000 (kJsonDefaultMaxDepth); past the model's depth both answer
// 400, it is only the error type that differs (InvalidRequestContentException here).
constexpr size_t kBodyMaxDepth = 128;

// Parses and checks `body` (empty means {}) against `shape`. The result holds only the shape's
// members, each of its shape's JSON type, nulls dropped: typed reads of it cannot fail.
Result<nlohmann::json> decodeBody(std::string_view body, const Shape& shape);

// The same three steps for an operation's query-string and header members (request_shape.h
// requestParameters), which arrive as text: each is converted to its shape's type first (an
// integer or boolean that is not one: 400 SerializationException, which Smithy's restJson1
// malformed-request tests expect of query strings and headers too: RestJsonQueryInteger-
// MalformedValueRejected, RestJsonHeaderBooleanMalformedValueRejected), a list member takes
// every value of its repeated key ("tagKeys=a&tagKeys=b"), then the constraints are checked as
// a body's are ("Value '0' at 'maxItems' failed to satisfy constraint: ..."). The result is an
// object of the members present, each of its shape's JSON type. `headers` are lower-cased.
Result<nlohmann::json> decodeParameters(const OperationParameters& operation,
                                        const std::multimap<std::string, std::string>& query,
                                        const std::map<std::string, std::string>& headers);

// Step 2 and 3 on an already parsed document (tests, and decodeBody itself).
Result<nlohmann::json> decodeDocument(nlohmann::json document, const Shape& shape);

}  // namespace stratus::triggers
