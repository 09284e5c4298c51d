// The JSON shapes of Lambda request bodies as botocore's service model describes them
// (data/lambda/2015-03-31/service-2.json): member names and types, required members and the
// constraints the decoder checks. The tables are generated (triggers/gen_lambda_shapes.py ->
// lambda_shapes.cc), so they follow the model rather than anyone's reading of it. Constant
// data, built before main; any thread.
#pragma once

#include <span>
#include <string_view>

namespace stratus::triggers {

enum class ShapeType {
  kString,
  kInteger,  // JSON integer in int32
  kLong,     // JSON integer in int64
  kBoolean,
  kDouble,   // any JSON number (also float)
  kBlob,     // base64 text in a JSON string
  kTimestamp,  // epoch seconds as a JSON number (rest-json's default in bodies)
  kList,
  kMap,
  kStructure,
};

struct Shape;

struct ShapeMember {
  const char* name;  // as it appears in the JSON body, e.g. "MemorySize"
  const Shape* shape;
  bool required;
};

struct Shape {
  const char* name;  // the model's shape name, e.g. "MemorySize"
  ShapeType type;
  // Bounds: length for strings and blobs, element count for lists and maps, value for numbers.
  bool has_min = false;
  double min = 0;
  bool has_max = false;
  double max = 0;
  std::span<const char* const> enum_values = {};  // strings only; empty: any value
  const char* pattern = nullptr;  // the model's regular expression (see shape_patterns.h)
  bool sensitive = false;  // values never quoted in error messages ("Value at 'x' ...")
  // The handler checks this shape's constraints itself, because Lambda answers them with an
  // error of its own (FunctionName, Runtime): the decoder checks only its type.
  bool checked_by_handler = false;
  std::span<const ShapeMember> members = {};  // structures
  const Shape* member = nullptr;              // lists: the element
  const Shape* key = nullptr;                 // maps
  const Shape* value = nullptr;               // maps
};

// The JSON body of an operation's input ("CreateFunction"): its members bound to the body
// (those the model puts in the URI, query string or headers are left out). nullptr when the
// operation takes no JSON body or is not in the table.
const Shape* requestShape(std::string_view operation);

// Where a parameter travels outside the body. Header wire names are lower case (HttpRequest's
// header map is).
enum class ParamLocation { kQuery, kHeader };

struct ParameterBinding {
  const char* member;  // the model's member name, e.g. "MaxItems"
  const char* wire;    // the query-string key or header name, e.g. "x-amz-invocation-type"
  ParamLocation location;
};

// An operation's query-string and header members: a structure shape of them (validated like a
// body, paths camelCased: 'maxItems') and, member by member, where each is read from.
struct OperationParameters {
  const Shape* shape;
  std::span<const ParameterBinding> bindings;  // in shape->members' order
};

// nullptr when the front door does not serve `operation` ("ListFunctions").
const OperationParameters* requestParameters(std::string_view operation);

// The botocore version the tables were generated from (tests compare it with theirs).
extern const char* const kShapesBotocoreVersion;

}  // namespace stratus::triggers
