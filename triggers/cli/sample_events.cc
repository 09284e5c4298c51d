#include "triggers/cli/sample_events.h"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "runtime/base/crypto.h"
#include "runtime/base/ids.h"

namespace stratus::triggers::cli {

namespace {

using nlohmann::json;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string isoTime(int64_t ms, const char* format) {
  std::time_t s = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&s, &utc);
  char text[64];
  std::strftime(text, sizeof text, format, &utc);
  return text;
}

json apiGatewayV2(const std::string& body, const std::string& account) {
  int64_t now = nowMs();
  return {{"version", "2.0"},
          {"routeKey", "$default"},
          {"rawPath", "/"},
          {"rawQueryString", ""},
          {"headers",
           {{"accept", "*/*"}, {"content-type", "application/json"}, {"host", "example.execute-api.localhost"},
            {"user-agent", "stratus-cli"}, {"x-forwarded-proto", "http"}}},
          {"requestContext",
           {{"accountId", account},
            {"apiId", "example"},
            {"domainName", "example.execute-api.localhost"},
            {"domainPrefix", "example"},
            {"http",
             {{"method", body.empty() ? "GET" : "POST"}, {"path", "/"}, {"protocol", "HTTP/1.1"},
              {"sourceIp", "127.0.0.1"}, {"userAgent", "stratus-cli"}}},
            {"requestId", uuid4()},
            {"routeKey", "$default"},
            {"stage", "$default"},
            {"time", isoTime(now, "%d/%b/%Y:%H:%M:%S +0000")},
            {"timeEpoch", now}}},
          {"body", body},
          {"isBase64Encoded", false}};
}

json apiGatewayV1(const std::string& body, const std::string& account) {
  int64_t now = nowMs();
  return {{"resource", "/{proxy+}"},
          {"path", "/"},
          {"httpMethod", body.empty() ? "GET" : "POST"},
          {"headers", {{"Accept", "*/*"}, {"Content-Type", "application/json"}, {"Host", "example.execute-api.localhost"}}},
          {"multiValueHeaders",
           {{"Accept", {"*/*"}}, {"Content-Type", {"application/json"}}, {"Host", {"example.execute-api.localhost"}}}},
          {"queryStringParameters", nullptr},
          {"multiValueQueryStringParameters", nullptr},
          {"pathParameters", {{"proxy", ""}}},
          {"stageVariables", nullptr},
          {"requestContext",
           {{"accountId", account},
            {"resourceId", "123456"},
            {"stage", "prod"},
            {"requestId", uuid4()},
            {"requestTime", isoTime(now, "%d/%b/%Y:%H:%M:%S +0000")},
            {"requestTimeEpoch", now},
            {"identity", {{"sourceIp", "127.0.0.1"}, {"userAgent", "stratus-cli"}}},
            {"path", "/prod/"},
            {"resourcePath", "/{proxy+}"},
            {"httpMethod", body.empty() ? "GET" : "POST"},
            {"apiId", "example"},
            {"protocol", "HTTP/1.1"}}},
          {"body", body.empty() ? json(nullptr) : json(body)},
          {"isBase64Encoded", false}};
}

json sqs(const std::string& body, const std::string& region, const std::string& account) {
  std::string text = body.empty() ? "Hello from SQS!" : body;
  std::string now = std::to_string(nowMs());
  return {{"Records",
           {{{"messageId", uuid4()},
             {"receiptHandle", "MessageReceiptHandle"},
             {"body", text},
             {"attributes",
              {{"ApproximateReceiveCount", "1"}, {"SentTimestamp", now}, {"SenderId", account},
               {"ApproximateFirstReceiveTimestamp", now}}},
             {"messageAttributes", json::object()},
             {"md5OfBody", md5Hex(text)},
             {"eventSource", "aws:sqs"},
             {"eventSourceARN", "arn:aws:sqs:" + region + ":" + account + ":MyQueue"},
             {"awsRegion", region}}}}};
}

json s3(const std::string& region) {
  return {{"Records",
           {{{"eventVersion", "2.1"},
             {"eventSource", "aws:s3"},
             {"awsRegion", region},
             {"eventTime", isoTime(nowMs(), "%Y-%m-%dT%H:%M:%S.000Z")},
             {"eventName", "ObjectCreated:Put"},
             {"userIdentity", {{"principalId", "EXAMPLE"}}},
             {"requestParameters", {{"sourceIPAddress", "127.0.0.1"}}},
             {"responseElements", {{"x-amz-request-id", "EXAMPLE123456789"}, {"x-amz-id-2", "EXAMPLE123/abcdefgh"}}},
             {"s3",
              {{"s3SchemaVersion", "1.0"},
               {"configurationId", "testConfigRule"},
               {"bucket",
                {{"name", "example-bucket"}, {"ownerIdentity", {{"principalId", "EXAMPLE"}}},
                 {"arn", "arn:aws:s3:::example-bucket"}}},
               {"object",
                {{"key", "test/key"}, {"size", 1024}, {"eTag", "0123456789abcdef0123456789abcdef"},
                 {"sequencer", "0A1B2C3D4E5F678901"}}}}}}}}};
}

json sns(const std::string& body, const std::string& region, const std::string& account) {
  std::string topic = "arn:aws:sns:" + region + ":" + account + ":ExampleTopic";
  return {{"Records",
           {{{"EventSource", "aws:sns"},
             {"EventVersion", "1.0"},
             {"EventSubscriptionArn", topic + ":" + uuid4()},
             {"Sns",
              {{"Type", "Notification"},
               {"MessageId", uuid4()},
               {"TopicArn", topic},
               {"Subject", "example subject"},
               {"Message", body.empty() ? "example message" : body},
               {"Timestamp", isoTime(nowMs(), "%Y-%m-%dT%H:%M:%S.000Z")},
               {"SignatureVersion", "1"},
               {"Signature", "EXAMPLE"},
               {"SigningCertUrl", "EXAMPLE"},
               {"UnsubscribeUrl", "EXAMPLE"},
               {"MessageAttributes", json::object()}}}}}}};
}

json eventBridge(const std::string& body, const std::string& region, const std::string& account) {
  json detail = json::object();
  if (!body.empty()) {
    json given = json::parse(body, nullptr, false);
    detail = given.is_object() ? given : json{{"message", body}};
  }
  return {{"version", "0"},
          {"id", uuid4()},
          {"detail-type", "Scheduled Event"},
          {"source", "aws.events"},
          {"account", account},
          {"time", isoTime(nowMs(), "%Y-%m-%dT%H:%M:%SZ")},
          {"region", region},
          {"resources", {"arn:aws:events:" + region + ":" + account + ":rule/ExampleRule"}},
          {"detail", detail}};
}

json dynamodb(const std::string& region, const std::string& account) {
  return {{"Records",
           {{{"eventID", "1"},
             {"eventVersion", "1.1"},
             {"dynamodb",
              {{"Keys", {{"Id", {{"N", "101"}}}}},
               {"NewImage", {{"Message", {{"S", "New item!"}}}, {"Id", {{"N", "101"}}}}},
               {"ApproximateCreationDateTime", nowMs() / 1000},
               {"StreamViewType", "NEW_AND_OLD_IMAGES"},
               {"SequenceNumber", "111"},
               {"SizeBytes", 26}}},
             {"awsRegion", region},
             {"eventName", "INSERT"},
             {"eventSourceARN", "arn:aws:dynamodb:" + region + ":" + account +
                                    ":table/ExampleTable/stream/2015-06-27T00:48:05.899"},
             {"eventSource", "aws:dynamodb"}}}}};
}

}  // namespace

const std::vector<std::string>& sampleEventTypes() {
  static const std::vector<std::string> kTypes = {"apigw-v2", "apigw", "sqs", "s3", "sns", "eventbridge", "dynamodb"};
  return kTypes;
}

std::optional<std::string> sampleEvent(const std::string& type, const std::string& body, const std::string& region,
                                       const std::string& account) {
  if (type == "apigw-v2") return apiGatewayV2(body, account).dump();
  if (type == "apigw") return apiGatewayV1(body, account).dump();
  if (type == "sqs") return sqs(body, region, account).dump();
  if (type == "s3") return s3(region).dump();
  if (type == "sns") return sns(body, region, account).dump();
  if (type == "eventbridge") return eventBridge(body, region, account).dump();
  if (type == "dynamodb") return dynamodb(region, account).dump();
  return std::nullopt;
}

}  // namespace stratus::triggers::cli
