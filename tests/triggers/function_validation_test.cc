#include "triggers/function_validation.h"

#include <gtest/gtest.h>

#include "triggers/error_mapper.h"
#include "triggers/function_shapes.h"

namespace stratus::triggers {
namespace {

nlohmann::json validCreate() {
  return {{"FunctionName", "fn"},
          {"Runtime", "nodejs20.x"},
          {"Handler", "index.handler"},
          {"Role", "arn:aws:iam::000000000000:role/r"},
          {"Code", {{"ZipFile", ""}}}};
}

// CreateFunction's path through the decoder and Lambda's own checks.
Status create(const nlohmann::json& body, scheduler::FunctionRecord& r) {
  auto in = decodeCreateFunction(body.dump());
  if (!in.ok()) return in.error();
  Status s = validateFunctionName(in->function_name);
  if (!s.ok()) return s;
  r.name = in->function_name;
  return applyConfiguration(in->config, true, r);
}

Status update(const nlohmann::json& body, scheduler::FunctionRecord& r) {
  auto in = decodeUpdateFunctionConfiguration(body.dump());
  if (!in.ok()) return in.error();
  return applyConfiguration(in->config, false, r);
}

Error createError(nlohmann::json body) {
  scheduler::FunctionRecord r;
  Status s = create(body, r);
  EXPECT_FALSE(s.ok()) << body.dump();
  return s.ok() ? Error{} : s.error();
}

TEST(Validation, DefaultsAreLambdas) {
  scheduler::FunctionRecord r;
  ASSERT_TRUE(create(validCreate(), r).ok());
  EXPECT_EQ(r.name, "fn");
  EXPECT_EQ(r.timeout_s, 3);
  EXPECT_EQ(r.memory_mb, 128);
  EXPECT_FALSE(r.environment.has_value());
}

TEST(Validation, ModelConstraintsAreValidationExceptions) {
  auto body = validCreate();
  body["MemorySize"] = 127;
  Error e = createError(body);
  EXPECT_EQ(e.code, ErrorCode::kValidation);
  EXPECT_EQ(e.message,
            "1 validation error detected: Value '127' at 'memorySize' failed to satisfy "
            "constraint: Member must have value greater than or equal to 128");
  body["MemorySize"] = 10241;
  body["Timeout"] = 0;
  e = createError(body);
  EXPECT_EQ(e.message.rfind("2 validation errors detected: ", 0), 0u) << e.message;
  EXPECT_NE(e.message.find("at 'timeout'"), std::string::npos);
  body = validCreate();
  body["Timeout"] = 901;
  EXPECT_NE(createError(body).message.find("less than or equal to 900"), std::string::npos);
  body = validCreate();
  body["FunctionName"] = "bad name!";
  EXPECT_EQ(createError(body).code, ErrorCode::kValidation);
  body = validCreate();
  body["Role"] = "not-a-role";
  EXPECT_EQ(createError(body).code, ErrorCode::kValidation);
  body = validCreate();
  body["Handler"] = std::string(129, 'h');
  EXPECT_EQ(createError(body).code, ErrorCode::kValidation);
}

TEST(Validation, LongNameIsInvalidParameter) {
  auto body = validCreate();
  body["FunctionName"] = std::string(65, 'a');
  Error e = createError(body);
  EXPECT_EQ(e.code, ErrorCode::kInvalidParameterValue);
  EXPECT_NE(e.message.find("Member must have length less than or equal to 64"), std::string::npos);
}

TEST(Validation, RuntimeMustBeKnownAndRunnable) {
  auto body = validCreate();
  body["Runtime"] = "nodejs99.x";
  Error e = createError(body);
  EXPECT_EQ(e.code, ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(e.message.rfind("Value nodejs99.x at 'runtime' failed to satisfy constraint: Member "
                            "must satisfy enum value set: [",
                            0),
            0u);
  body["Runtime"] = "java21";  // a real runtime this build cannot run yet
  EXPECT_EQ(createError(body).code, ErrorCode::kInvalidParameterValue);
  body.erase("Runtime");
  EXPECT_EQ(createError(body).code, ErrorCode::kInvalidParameterValue);
}

TEST(Validation, EnvironmentLimits) {
  auto body = validCreate();
  body["Environment"] = {{"Variables", {{"AWS_REGION", "x"}, {"OK_KEY", "y"}}}};
  Error e = createError(body);
  EXPECT_EQ(e.code, ErrorCode::kInvalidParameterValue);
  EXPECT_NE(e.message.find("Reserved keys used in this request: AWS_REGION"), std::string::npos);

  body["Environment"] = {{"Variables", {{"BIG", std::string(4100, 'v')}}}};
  e = createError(body);
  EXPECT_EQ(e.code, ErrorCode::kInvalidParameterValue);
  EXPECT_NE(e.message.find("exceeded the 4KB limit. String measured: {\"BIG\":\"vvv"),
            std::string::npos);

  body["Environment"] = {{"Variables", {{"1BAD", "x"}}}};
  EXPECT_EQ(createError(body).code, ErrorCode::kValidation);

  body["Environment"] = {{"Variables", nlohmann::json::object()}};
  scheduler::FunctionRecord r;
  ASSERT_TRUE(create(body, r).ok());
  ASSERT_TRUE(r.environment.has_value());
}

TEST(Validation, UpdateAppliesOnlyWhatIsGiven) {
  scheduler::FunctionRecord r;
  ASSERT_TRUE(create(validCreate(), r).ok());
  ASSERT_TRUE(update({{"MemorySize", 1024}, {"Description", "d"}}, r).ok());
  EXPECT_EQ(r.memory_mb, 1024);
  EXPECT_EQ(r.description, "d");
  EXPECT_EQ(r.handler, "index.handler");
  EXPECT_EQ(r.runtime, "nodejs20.x");
}

TEST(Validation, Tags) {
  using Tags = std::map<std::string, std::string>;
  EXPECT_TRUE(validateTags(Tags{{"a", "b"}}, 0).ok());
  EXPECT_EQ(validateTags(Tags{{"a", "b"}}, 50).error().message, "Number of tags exceeds resource tag limit.");
  EXPECT_FALSE(validateTags(Tags{{std::string(129, 'k'), "b"}}, 0).ok());
}

TEST(ErrorMapper, AwsShapes) {
  HttpResponse r = errorResponse(Error::notFound("Function not found: x"), "rid");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(nlohmann::json::parse(r.body),
            (nlohmann::json{{"Type", "User"}, {"Message", "Function not found: x"}}));
  bool has_type = false;
  for (auto& [k, v] : r.headers) has_type |= (k == "x-amzn-ErrorType" && v == "ResourceNotFoundException");
  EXPECT_TRUE(has_type);
  r = errorResponse(Error::invalidParameter("bad"), "rid");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body), (nlohmann::json{{"Type", "User"}, {"message", "bad"}}));
  r = errorResponse(Error::tooLarge("big"), "rid");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(nlohmann::json::parse(r.body), (nlohmann::json{{"Message", "big"}}));
  Error throttled{ErrorCode::kTooManyRequests, "Rate Exceeded.", "ConcurrentInvocationLimitExceeded"};
  r = errorResponse(throttled, "rid");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(nlohmann::json::parse(r.body)["Reason"], "ConcurrentInvocationLimitExceeded");
  EXPECT_EQ(statusFor(ErrorCode::kResourceConflict), 409);
  EXPECT_EQ(statusFor(ErrorCode::kPreconditionFailed), 412);
}

TEST(Shapes, FunctionConfigurationAsAwsReturnsIt) {
  scheduler::FunctionRecord r;
  ASSERT_TRUE(create(validCreate(), r).ok());
  r.code = {"hex", "b64=", 10};
  r.last_modified_ms = 1586545592563;
  r.revision_id = "rev";
  AccountScope scope{"us-east-1", "000000000000"};
  auto created = functionConfiguration(r, scope, {ShapeMoment::kCreated, "rev0", ""});
  EXPECT_EQ(created["State"], "Pending");
  EXPECT_EQ(created["StateReasonCode"], "Creating");
  EXPECT_FALSE(created.contains("LastUpdateStatus"));
  EXPECT_EQ(created["RevisionId"], "rev0");
  EXPECT_EQ(created["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:fn");
  EXPECT_EQ(created["LastModified"], "2020-04-10T19:06:32.563+0000");
  EXPECT_EQ(created["CodeSha256"], "b64=");
  EXPECT_EQ(created["Version"], "$LATEST");
  EXPECT_FALSE(created.contains("Environment"));
  auto settled = functionConfiguration(r, scope, {});
  EXPECT_EQ(settled["State"], "Active");
  EXPECT_EQ(settled["LastUpdateStatus"], "Successful");
  EXPECT_EQ(settled["RevisionId"], "rev");
  auto listed = functionConfiguration(r, scope, {ShapeMoment::kListed, "", "$LATEST"});
  EXPECT_FALSE(listed.contains("State"));
  EXPECT_FALSE(listed.contains("RuntimeVersionConfig"));
  EXPECT_EQ(listed["FunctionArn"], "arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST");
}

}  // namespace
}  // namespace stratus::triggers
