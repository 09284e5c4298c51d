#include "triggers/request_decoder.h"

#include <gtest/gtest.h>

#include <string>

#include "triggers/lambda_requests.h"
#include "triggers/request_shape.h"

namespace stratus::triggers {
namespace {

using Json = nlohmann::json;

const char* kRole = "arn:aws:iam::000000000000:role/r";

Json validCreate() {
  return {{"FunctionName", "fn"},
          {"Runtime", "nodejs20.x"},
          {"Handler", "index.handler"},
          {"Role", kRole},
          {"Code", {{"ZipFile", "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}}};
}

Json with(Json body, const std::string& key, Json value) {
  body[key] = std::move(value);
  return body;
}

Error createError(const std::string& body) {
  auto r = decodeCreateFunction(body);
  EXPECT_FALSE(r.ok()) << body.substr(0, 200);
  return r.ok() ? Error{} : r.error();
}

Error createError(const Json& body) { return createError(body.dump()); }

TEST(RequestShapes, EveryBodyOperationHasItsModelShape) {
  for (const char* op : {"CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration",
                         "PublishVersion", "CreateAlias", "UpdateAlias", "PutFunctionConcurrency",
                         "PutProvisionedConcurrencyConfig", "TagResource"}) {
    const Shape* s = requestShape(op);
    ASSERT_NE(s, nullptr) << op;
    EXPECT_EQ(s->type, ShapeType::kStructure);
    EXPECT_FALSE(s->members.empty()) << op;
    for (const ShapeMember& m : s->members) {
      // URI members are not body members (CreateFunction's FunctionName is in its body).
      if (std::string(op) != "CreateFunction") EXPECT_STRNE(m.name, "FunctionName") << op;
    }
  }
  EXPECT_EQ(requestShape("Invoke"), nullptr);
  EXPECT_NE(std::string(kShapesBotocoreVersion), "");
}

TEST(RequestDecoder, ValidCreateDecodesToTypedValues) {
  Json body = validCreate();
  body["Timeout"] = 30;
  body["MemorySize"] = 256;
  body["Publish"] = true;
  body["Environment"] = {{"Variables", {{"KEY", "v"}}}};
  body["TracingConfig"] = Json::object();
  body["Architectures"] = {"arm64"};
  body["Tags"] = {{"team", "a"}};
  body["SomethingNew"] = {{"any", "thing"}};  // unknown members are ignored
  auto in = decodeCreateFunction(body.dump());
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->function_name, "fn");
  EXPECT_EQ(in->config.timeout, 30);
  EXPECT_EQ(in->config.memory_size, 256);
  EXPECT_TRUE(in->publish);
  EXPECT_EQ(in->config.environment->at("KEY"), "v");
  EXPECT_EQ(in->config.tracing_mode, "PassThrough");
  EXPECT_EQ(*in->architectures, std::vector<std::string>{"arm64"});
  EXPECT_EQ(in->tags->at("team"), "a");
  EXPECT_EQ(in->code.zip_file, "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==");
  EXPECT_FALSE(in->code.s3);
}

TEST(RequestDecoder, NullIsAbsent) {
  // {"Publish": null} ended the process before (an exception in a pool completion).
  for (const char* member : {"Publish", "Timeout", "Description", "Environment", "Tags",
                             "Architectures", "TracingConfig", "VpcConfig"}) {
    auto in = decodeCreateFunction(with(validCreate(), member, nullptr).dump());
    ASSERT_TRUE(in.ok()) << member << ": " << in.error().message;
  }
  auto in = decodeCreateFunction(with(validCreate(), "Publish", nullptr).dump());
  EXPECT_FALSE(in->publish);
  EXPECT_FALSE(in->config.timeout.has_value());
  // Required members null are missing.
  Error e = createError(with(validCreate(), "Role", nullptr));
  EXPECT_EQ(e.code, ErrorCode::kValidation);
  EXPECT_EQ(e.message, "1 validation error detected: Value null at 'role' failed to satisfy "
                       "constraint: Member must not be null");
}

TEST(RequestDecoder, WrongTypesAreSerializationExceptions) {
  struct Case {
    const char* member;
    Json value;
    const char* message;
  };
  const Case cases[] = {
      {"Publish", 0, "NUMBER_VALUE can not be converted to a Boolean (at 'publish')"},
      {"Publish", "true", "STRING_VALUE can not be converted to a Boolean (at 'publish')"},
      {"Timeout", "5", "STRING_VALUE can not be converted to an Integer (at 'timeout')"},
      {"Timeout", 1.5, "NUMBER_VALUE can not be converted to an Integer (at 'timeout')"},
      {"Timeout", 2147483648LL, "NUMBER_VALUE can not be converted to an Integer (at 'timeout')"},
      {"MemorySize", true, "TRUE_VALUE can not be converted to an Integer (at 'memorySize')"},
      {"Handler", Json::array(), "Start of list found where not expected (at 'handler')"},
      {"Description", Json::object(),
       "Start of structure or map found where not expected. (at 'description')"},
      {"TracingConfig", 5, "NUMBER_VALUE can not be converted to a Structure (at 'tracingConfig')"},
      {"TracingConfig", {{"Mode", 5}},
       "NUMBER_VALUE can not be converted to a String (at 'tracingConfig.mode')"},
      {"PackageType", false, "FALSE_VALUE can not be converted to a String (at 'packageType')"},
      {"Architectures", "x86_64", "STRING_VALUE can not be converted to a List (at 'architectures')"},
      {"Architectures", {nullptr},
       "null can not be converted to a String (at 'architectures.1.member')"},
      {"Environment", {{"Variables", {{"A", 1}}}},
       "NUMBER_VALUE can not be converted to a String (at 'environment.variables.A.member')"},
      {"Tags", {{"a", nullptr}}, "null can not be converted to a String (at 'tags.a.member')"},
      {"Code", "zip", "STRING_VALUE can not be converted to a Structure (at 'code')"},
  };
  for (const Case& c : cases) {
    Error e = createError(with(validCreate(), c.member, c.value));
    EXPECT_EQ(e.code, ErrorCode::kSerialization) << c.member << " " << c.value.dump();
    EXPECT_EQ(e.message, c.message);
  }
  EXPECT_EQ(createError(std::string(R"({"Timeout": 1e999})")).code, ErrorCode::kSerialization);
  EXPECT_EQ(createError(std::string(R"({"Timeout": 99999999999999999999})")).code, ErrorCode::kSerialization);
  // Type errors come before validation: nothing else in the body is looked at.
  EXPECT_EQ(createError(std::string(R"({"Timeout": "x"})")).code, ErrorCode::kSerialization);
}

TEST(RequestDecoder, BodiesThatAreNotObjects) {
  for (const char* body : {"[]", "null", "42", "\"s\"", "true"}) {
    EXPECT_EQ(createError(std::string(body)).code, ErrorCode::kSerialization) << body;
  }
  for (const char* body : {"{", "{\"a\":}", "nope", "{} {}", "{\"Timeout\": 01}"}) {
    Error e = createError(std::string(body));
    EXPECT_EQ(e.code, ErrorCode::kInvalidRequestContent) << body;
    EXPECT_EQ(e.message.rfind("Could not parse request body into json: ", 0), 0u) << e.message;
  }
  // An empty body is {}: only the required members are missing.
  Error e = createError(std::string(""));
  EXPECT_EQ(e.code, ErrorCode::kValidation);
  EXPECT_EQ(e.message.rfind("3 validation errors detected: Value null at 'functionName'", 0), 0u)
      << e.message;
}

TEST(RequestDecoder, DeepNestingIsRefusedByTheParser) {
  for (const char* member : {"Timeout", "Handler", "MemorySize", "Description", "Role",
                             "Architectures"}) {
    for (char open : {'[', '{'}) {
      std::string deep;
      for (int i = 0; i < 50000; ++i) deep += open == '[' ? "[" : "{\"a\":";
      deep += open == '[' ? "" : "1";
      deep.append(50000, open == '[' ? ']' : '}');
      std::string body = "{\"" + std::string(member) + "\": " + deep + "}";
      Error e = createError(body);
      EXPECT_EQ(e.code, ErrorCode::kInvalidRequestContent) << member;
      EXPECT_NE(e.message.find("Document nesting depth (129) exceeds the maximum allowed (128"),
                std::string::npos) << e.message.substr(0, 300);
      EXPECT_EQ(decodeUpdateFunctionConfiguration(body).error().code,
                ErrorCode::kInvalidRequestContent);
    }
  }
}

TEST(RequestDecoder, ABrokenListOfStructuresIsQuotedNotACrash) {
  // Found by tests/fuzz (request_decoder): quoting a list of structures in the violation once
  // dereferenced the map-value shape a structure does not have.
  Json body = with(validCreate(), "FileSystemConfigs",
                   Json::array({{{"Arn", "a"}, {"LocalMountPath", "/mnt/x"}},
                                {{"Arn", "b"}, {"LocalMountPath", "/mnt/y"}}}));
  Error e = createError(body.dump());
  EXPECT_EQ(e.code, ErrorCode::kValidation) << e.message;
  EXPECT_NE(e.message.find("Value '[{Arn=a, LocalMountPath=/mnt/x}, {Arn=b, LocalMountPath=/mnt/y}]' "
                           "at 'fileSystemConfigs' failed to satisfy constraint: Member must have "
                           "length less than or equal to 1"),
            std::string::npos)
      << e.message;
}

TEST(RequestDecoder, ConstraintsAreOneValidationException) {
  Json body = validCreate();
  body["Timeout"] = 0;
  body["MemorySize"] = 64;
  Error e = createError(body);
  EXPECT_EQ(e.code, ErrorCode::kValidation);
  EXPECT_EQ(e.message,
            "2 validation errors detected: Value '0' at 'timeout' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1; Value '64' at 'memorySize' "
            "failed to satisfy constraint: Member must have value greater than or equal to 128");
  // Lambda's limits, not the model's (which are Managed Instances').
  EXPECT_EQ(createError(with(validCreate(), "Timeout", 901)).message,
            "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: "
            "Member must have value less than or equal to 900");
  EXPECT_NE(createError(with(validCreate(), "MemorySize", 10241)).message.find("less than or equal to 10240"),
            std::string::npos);
  EXPECT_EQ(createError(with(validCreate(), "Architectures", {"sparc"})).message,
            "1 validation error detected: Value '[sparc]' at 'architectures' failed to satisfy "
            "constraint: Member must satisfy constraint: [Member must satisfy enum value set: "
            "[x86_64, arm64]]");
  EXPECT_NE(createError(with(validCreate(), "Architectures", Json::array())).message.find(
                "Member must have length greater than or equal to 1"),
            std::string::npos);
  EXPECT_EQ(createError(with(validCreate(), "TracingConfig", {{"Mode", "Sometimes"}})).message,
            "1 validation error detected: Value 'Sometimes' at 'tracingConfig.mode' failed to "
            "satisfy constraint: Member must satisfy enum value set: [Active, PassThrough]");
  EXPECT_EQ(createError(with(validCreate(), "Role", "not-a-role")).message,
            "1 validation error detected: Value 'not-a-role' at 'role' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  EXPECT_EQ(createError(with(validCreate(), "Handler", "has space.handler")).code, ErrorCode::kValidation);
  // Sensitive members are not quoted.
  EXPECT_EQ(createError(with(validCreate(), "Environment", {{"Variables", {{"1BAD", "x"}}}})).message,
            "1 validation error detected: Value at 'environment.variables' failed to satisfy "
            "constraint: Map keys must satisfy constraint: [Member must satisfy regular "
            "expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
  // Lengths count UTF-16 units, as Java does: 200 emoji are 400.
  std::string emoji;
  for (int i = 0; i < 200; ++i) emoji += "\xf0\x9f\x98\x80";
  EXPECT_NE(createError(with(validCreate(), "Description", emoji)).message.find(
                "Member must have length less than or equal to 256"),
            std::string::npos);
  std::string accents;
  for (int i = 0; i < 256; ++i) accents += "\xc3\xa9";
  EXPECT_TRUE(decodeCreateFunction(with(validCreate(), "Description", accents).dump()).ok());
}

TEST(RequestDecoder, HugeStringsAreCheckedInLinearTime) {
  std::string mb(1 << 20, 'a');
  for (const char* member : {"Role", "Handler", "Description", "KMSKeyArn", "FunctionName", "Runtime"}) {
    auto r = decodeCreateFunction(with(validCreate(), member, mb).dump());
    if (std::string(member) == "FunctionName" || std::string(member) == "Runtime") {
      EXPECT_TRUE(r.ok()) << member;  // checked by the handler (function_validation.h)
      continue;
    }
    ASSERT_FALSE(r.ok()) << member;
    EXPECT_EQ(r.error().code, ErrorCode::kValidation) << member;
  }
  std::string role = std::string(kRole) + std::string(1 << 20, 'x');
  EXPECT_TRUE(decodeCreateFunction(with(validCreate(), "Role", role).dump()).ok());
}

TEST(RequestDecoder, Aliases) {
  auto in = decodeCreateAlias(R"({"Name": "live", "FunctionVersion": "1",
                                  "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.25}}})");
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->name, "live");
  EXPECT_EQ(in->additional_weights->at("2"), 0.25);
  // FunctionVersion as a number was stored as "" before.
  EXPECT_EQ(decodeCreateAlias(R"({"Name": "live", "FunctionVersion": 1})").error().code,
            ErrorCode::kSerialization);
  EXPECT_EQ(decodeCreateAlias(R"({"Name": 5, "FunctionVersion": "1"})").error().code,
            ErrorCode::kSerialization);
  EXPECT_EQ(decodeCreateAlias(R"({"Name": "123", "FunctionVersion": "1"})").error().message,
            "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
  EXPECT_EQ(decodeCreateAlias(R"({"FunctionVersion": "1"})").error().message,
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: "
            "Member must not be null");
  EXPECT_EQ(decodeUpdateAlias(R"({"RoutingConfig": {"AdditionalVersionWeights": {"2": 1.5}}})")
                .error()
                .message,
            "1 validation error detected: Value '{2=1.5}' at "
            "'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value "
            "must satisfy constraint: [Member must have value less than or equal to 1.0, Member "
            "must have value greater than or equal to 0.0]");
  EXPECT_EQ(decodeUpdateAlias(R"({"RoutingConfig": {"AdditionalVersionWeights": {"2": "x"}}})")
                .error()
                .code,
            ErrorCode::kSerialization);
  auto cleared = decodeUpdateAlias(R"({"RoutingConfig": {}})");
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(cleared->additional_weights->empty());
  EXPECT_FALSE(decodeUpdateAlias("{}")->additional_weights.has_value());
}

TEST(RequestDecoder, CodeConcurrencyVersionsTags) {
  EXPECT_EQ(decodeUpdateFunctionCode(R"({"DryRun": "yes"})").error().code, ErrorCode::kSerialization);
  auto code = decodeUpdateFunctionCode(R"({"S3Bucket": "bucket", "S3Key": "k", "Publish": true})");
  ASSERT_TRUE(code.ok()) << code.error().message;
  EXPECT_TRUE(code->code.s3);
  EXPECT_TRUE(code->publish);
  EXPECT_EQ(decodePutFunctionConcurrency("{}").error().message,
            "1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to "
            "satisfy constraint: Member must not be null");
  EXPECT_EQ(decodePutFunctionConcurrency(R"({"ReservedConcurrentExecutions": -1})").error().code,
            ErrorCode::kValidation);
  EXPECT_EQ(decodePutFunctionConcurrency(R"({"ReservedConcurrentExecutions": 7})")->count, 7);
  EXPECT_EQ(decodePutProvisionedConcurrencyConfig(R"({"ProvisionedConcurrentExecutions": 0})").error().code,
            ErrorCode::kValidation);
  EXPECT_EQ(decodePublishVersion(R"({"CodeSha256": 5})").error().code, ErrorCode::kSerialization);
  EXPECT_EQ(decodePublishVersion(R"({"Description": "d"})")->description, "d");
  EXPECT_EQ(decodeTagResource(R"({"Tags": {"a": 1}})").error().code, ErrorCode::kSerialization);
  EXPECT_EQ(decodeTagResource(R"({"Tags": []})").error().code, ErrorCode::kSerialization);
  EXPECT_EQ(decodeTagResource(R"({})").error().code, ErrorCode::kValidation);
  EXPECT_EQ(decodeTagResource(R"({"Tags": {"a": "b"}})")->tags.at("a"), "b");
}


// ---- query-string and header parameters ------------------------------------------------

using Query = std::multimap<std::string, std::string>;
using Headers = std::map<std::string, std::string>;

Result<Json> params(const char* operation, Query query, Headers headers = {}) {
  const OperationParameters* op = requestParameters(operation);
  EXPECT_NE(op, nullptr) << operation;
  if (op == nullptr) return Error::service("no table");
  return decodeParameters(*op, query, headers);
}

TEST(RequestParameters, EveryServedOperationHasATable) {
  for (const char* op : {"CreateFunction", "ListFunctions", "GetFunction", "Invoke", "InvokeAsync",
                         "ListAliases", "GetProvisionedConcurrencyConfig",
                         "ListProvisionedConcurrencyConfigs", "UntagResource", "GetAccountSettings"}) {
    EXPECT_NE(requestParameters(op), nullptr) << op;
  }
  EXPECT_EQ(requestParameters("NoSuchOperation"), nullptr);
}

TEST(RequestParameters, TypedValuesFromQueryAndHeaders) {
  auto r = params("ListFunctions", {{"MaxItems", "25"}, {"FunctionVersion", "ALL"}, {"Marker", "abc"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["MaxItems"], 25);
  EXPECT_TRUE((*r)["MaxItems"].is_number_integer());
  EXPECT_EQ((*r)["FunctionVersion"], "ALL");
  auto inv = params("Invoke", {{"Qualifier", "$LATEST"}},
                    {{"x-amz-invocation-type", "Event"}, {"x-amz-log-type", "Tail"}});
  ASSERT_TRUE(inv.ok()) << inv.error().message;
  EXPECT_EQ((*inv)["InvocationType"], "Event");
  EXPECT_EQ((*inv)["LogType"], "Tail");
  EXPECT_EQ((*inv)["Qualifier"], "$LATEST");
  auto none = params("Invoke", {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(RequestParameters, RepeatedKeysFillAList) {
  auto r = params("UntagResource", {{"tagKeys", "a"}, {"tagKeys", "b"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["TagKeys"], Json::array({"a", "b"}));
  auto missing = params("UntagResource", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message,
            "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: "
            "Member must not be null");
}

TEST(RequestParameters, MalformedNumbersAreSerializationExceptions) {
  for (const char* bad : {"abc", "", "1.5", "+1", " 1", "1e3", "0x10", "99999999999", "-",
                          "123456789012345678901234567890"}) {
    auto r = params("ListFunctions", {{"MaxItems", bad}});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kSerialization) << bad;
    EXPECT_NE(r.error().message.find("'maxItems'"), std::string::npos) << r.error().message;
  }
}

TEST(RequestParameters, ConstraintsAreOneValidationException) {
  auto zero = params("ListFunctions", {{"MaxItems", "0"}, {"FunctionVersion", "SOME"}});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code, ErrorCode::kValidation);
  EXPECT_EQ(zero.error().message,
            "2 validation errors detected: Value 'SOME' at 'functionVersion' failed to satisfy "
            "constraint: Member must satisfy enum value set: [ALL]; Value '0' at 'maxItems' "
            "failed to satisfy constraint: Member must have value greater than or equal to 1");
  auto type = params("Invoke", {}, {{"x-amz-invocation-type", "Sometimes"}});
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.error().message,
            "1 validation error detected: Value 'Sometimes' at 'invocationType' failed to "
            "satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
  auto qualifier = params("GetFunction", {{"Qualifier", "bad!qualifier"}});
  ASSERT_FALSE(qualifier.ok());
  EXPECT_NE(qualifier.error().message.find("at 'qualifier' failed to satisfy constraint: Member "
                                           "must satisfy regular expression pattern"),
            std::string::npos)
      << qualifier.error().message;
  auto provisioned = params("ListProvisionedConcurrencyConfigs", {{"MaxItems", "51"}});
  ASSERT_FALSE(provisioned.ok());
  EXPECT_NE(provisioned.error().message.find("less than or equal to 50"), std::string::npos);
  auto required = params("GetProvisionedConcurrencyConfig", {});
  ASSERT_FALSE(required.ok());
  EXPECT_NE(required.error().message.find("Value null at 'qualifier'"), std::string::npos);
  auto region = params("ListFunctions", {{"MasterRegion", "us-gov-west-1"}});
  EXPECT_TRUE(region.ok());
  auto bad_region = params("ListFunctions", {{"MasterRegion", "mars"}});
  EXPECT_FALSE(bad_region.ok());
}

}  // namespace
}  // namespace stratus::triggers
