// triggers/request_decoder + lambda_requests: the first input byte picks one of the operations
// that take a JSON body (their shapes come from botocore's model, triggers/lambda_shapes.cc),
// the rest is the request body. Checks, besides no crash and no UB:
//  - an error is one of the three a body can earn (InvalidRequestContent, Serialization,
//    Validation) with a message; a Validation message counts its violations ("N validation
//    error(s) detected: ")
//  - what decodes holds only the shape's members, each of its shape's JSON type all the way down
//    (no nulls, integers in int32/int64), every required member, every enum value known, every
//    number within its bounds, every string matching its pattern and within its length
//  - decoding is idempotent: the decoded document decodes to itself
//  - the typed decoder of the operation agrees with decodeBody (same verdict, same error) and
//    carries the document's values.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "triggers/lambda_requests.h"
#include "triggers/request_decoder.h"
#include "triggers/request_shape.h"
#include "triggers/shape_patterns.h"

namespace {

using nlohmann::json;
using namespace stratus;
using namespace stratus::triggers;

const char* const kOperations[] = {
    "CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration",
    "PublishVersion", "CreateAlias", "UpdateAlias", "PutFunctionConcurrency",
    "PutProvisionedConcurrencyConfig", "TagResource"};
constexpr size_t kOperationCount = sizeof(kOperations) / sizeof(kOperations[0]);

std::string_view g_body;
const char* g_operation = "";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "request_decoder invariant broken (%s): %s\nbody (%zu bytes): %.*s\n",
               g_operation, what.c_str(), g_body.size(),
               static_cast<int>(std::min<size_t>(g_body.size(), 2000)), g_body.data());
  std::abort();
}

size_t utf16Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
  }
  return n;
}

double numberOf(const json& v) {
  if (v.is_number_unsigned()) return static_cast<double>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<double>(v.get<int64_t>());
  return v.get<double>();
}

void checkScalarConstraints(const json& v, const Shape& s, const std::string& path) {
  if (s.checked_by_handler) return;
  if (v.is_string()) {
    const std::string& text = v.get_ref<const std::string&>();
    size_t len = utf16Length(text);
    if ((s.has_min && len < s.min) || (s.has_max && len > s.max)) fail("length out of bounds at " + path);
    if (!s.enum_values.empty()) {
      bool known = false;
      for (const char* e : s.enum_values) known = known || text == e;
      if (!known) fail("unknown enum value at " + path);
    }
    if (s.type == ShapeType::kString && checkPattern(s, text) == PatternCheck::kFails) {
      fail("pattern broken at " + path);
    }
  } else if (v.is_number()) {
    double d = numberOf(v);
    if ((s.has_min && !(d >= s.min)) || (s.has_max && !(d <= s.max))) fail("number out of bounds at " + path);
  }
}

// The decoded document against the shape, as the decoder promises it (depth: the model's).
void checkDecoded(const json& v, const Shape& s, const std::string& path, int depth) {
  if (depth > 32) fail("decoded document deeper than any shape at " + path);
  switch (s.type) {
    case ShapeType::kString:
    case ShapeType::kBlob:
      if (!v.is_string()) fail("not a string at " + path);
      return checkScalarConstraints(v, s, path);
    case ShapeType::kInteger:
      if (!(v.is_number_integer() && numberOf(v) >= INT32_MIN && numberOf(v) <= INT32_MAX)) {
        fail("not an int32 at " + path);
      }
      return checkScalarConstraints(v, s, path);
    case ShapeType::kLong:
      if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX)) {
        fail("not an int64 at " + path);
      }
      return checkScalarConstraints(v, s, path);
    case ShapeType::kBoolean:
      if (!v.is_boolean()) fail("not a boolean at " + path);
      return;
    case ShapeType::kDouble:
    case ShapeType::kTimestamp:
      if (!v.is_number()) fail("not a number at " + path);
      return checkScalarConstraints(v, s, path);
    case ShapeType::kList:
      if (!v.is_array()) fail("not a list at " + path);
      if ((s.has_min && v.size() < s.min) || (s.has_max && v.size() > s.max)) fail("list size at " + path);
      for (size_t i = 0; i < v.size(); ++i) checkDecoded(v[i], *s.member, path + "[" + std::to_string(i) + "]", depth + 1);
      return;
    case ShapeType::kMap:
      if (!v.is_object()) fail("not a map at " + path);
      if ((s.has_min && v.size() < s.min) || (s.has_max && v.size() > s.max)) fail("map size at " + path);
      for (auto& [k, value] : v.items()) {
        checkDecoded(json(k), *s.key, path + " key", depth + 1);
        checkDecoded(value, *s.value, path + "." + k, depth + 1);
      }
      return;
    case ShapeType::kStructure: {
      if (!v.is_object()) fail("not a structure at " + path);
      size_t known = 0;
      for (const ShapeMember& m : s.members) {
        auto it = v.find(m.name);
        if (it == v.end()) {
          if (m.required) fail(std::string("required member missing: ") + m.name + " at " + path);
          continue;
        }
        ++known;
        checkDecoded(*it, *m.shape, path + "." + m.name, depth + 1);
      }
      if (known != v.size()) fail("a member the shape does not name survived at " + path);
      return;
    }
  }
}

void checkError(const Error& e) {
  if (e.message.empty()) fail("error without a message");
  switch (e.code) {
    case ErrorCode::kInvalidRequestContent:
      if (e.message.rfind("Could not parse request body into json: ", 0) != 0) fail("InvalidRequestContent wording");
      return;
    case ErrorCode::kSerialization:
      return;
    case ErrorCode::kValidation: {
      size_t n = 0, i = 0;
      while (i < e.message.size() && e.message[i] >= '0' && e.message[i] <= '9') n = n * 10 + (e.message[i++] - '0');
      std::string rest = e.message.substr(i);
      const char* expected = n == 1 ? " validation error detected: " : " validation errors detected: ";
      if (n == 0 || rest.rfind(expected, 0) != 0) fail("Validation wording: " + e.message);
      // One "; " between violations (a value may contain "; " too, so only a lower bound).
      size_t separators = 0;
      for (size_t p = rest.find("; "); p != std::string::npos; p = rest.find("; ", p + 2)) ++separators;
      if (separators + 1 < n) fail("fewer violations listed than counted: " + e.message);
      return;
    }
    default:
      fail("unexpected error code " + std::to_string(static_cast<int>(e.code)) + ": " + e.message);
  }
}

template <typename T>
void agree(const Result<T>& typed, const Result<json>& generic) {
  if (typed.ok() != generic.ok()) fail("the typed decoder and decodeBody disagree");
  if (!typed.ok() && (typed.error().code != generic.error().code ||
                      typed.error().message != generic.error().message)) {
    fail("the typed decoder's error differs from decodeBody's");
  }
}

std::optional<std::string> str(const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<int> integer(const json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end()) return std::nullopt;
  return static_cast<int>(it->get<int64_t>());
}

bool flag(const json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->get<bool>();
}

void checkConfig(const FunctionConfigInput& c, const json& doc) {
  if (c.runtime != str(doc, "Runtime") || c.role != str(doc, "Role") || c.handler != str(doc, "Handler") ||
      c.description != str(doc, "Description") || c.timeout != integer(doc, "Timeout") ||
      c.memory_size != integer(doc, "MemorySize")) {
    fail("typed configuration differs from the document");
  }
  if (c.environment.has_value() != doc.contains("Environment")) fail("typed Environment presence");
  if (c.layers.has_value() != doc.contains("Layers")) fail("typed Layers presence");
  if (c.layers && c.layers->size() != doc["Layers"].size()) fail("typed Layers count");
}

void checkTyped(size_t op, std::string_view body, const Result<json>& generic) {
  const json* doc = generic.ok() ? &generic.value() : nullptr;
  switch (op) {
    case 0: {
      auto in = decodeCreateFunction(body);
      agree(in, generic);
      if (!in.ok()) return;
      if (in->function_name != str(*doc, "FunctionName").value_or("")) fail("FunctionName");
      if (in->publish != flag(*doc, "Publish")) fail("Publish");
      if (in->package_type != str(*doc, "PackageType")) fail("PackageType");
      checkConfig(in->config, *doc);
      return;
    }
    case 1: {
      auto in = decodeUpdateFunctionCode(body);
      agree(in, generic);
      if (!in.ok()) return;
      if (in->publish != flag(*doc, "Publish") || in->dry_run != flag(*doc, "DryRun")) fail("Publish/DryRun");
      if (in->code.zip_file != str(*doc, "ZipFile")) fail("ZipFile");
      return;
    }
    case 2: {
      auto in = decodeUpdateFunctionConfiguration(body);
      agree(in, generic);
      if (in.ok()) checkConfig(in->config, *doc);
      return;
    }
    case 3: {
      auto in = decodePublishVersion(body);
      agree(in, generic);
      if (in.ok() && in->code_sha256 != str(*doc, "CodeSha256")) fail("CodeSha256");
      return;
    }
    case 4:
    case 5: {
      auto in = op == 4 ? decodeCreateAlias(body) : decodeUpdateAlias(body);
      agree(in, generic);
      if (!in.ok()) return;
      if (in->function_version != str(*doc, "FunctionVersion")) fail("FunctionVersion");
      if (op == 4 && (!in->name || !in->function_version)) fail("CreateAlias without its required members");
      if (in->additional_weights) {
        for (const auto& [version, weight] : *in->additional_weights) {
          if (!(weight >= 0 && weight <= 1)) fail("a weight outside [0, 1]");
        }
      }
      return;
    }
    case 6:
    case 7: {
      auto in = op == 6 ? decodePutFunctionConcurrency(body) : decodePutProvisionedConcurrencyConfig(body);
      agree(in, generic);
      if (in.ok() && in->count < (op == 6 ? 0 : 1)) fail("concurrency below its minimum");
      return;
    }
    case 8: {
      auto in = decodeTagResource(body);
      agree(in, generic);
      if (in.ok() && in->tags.size() != (*doc)["Tags"].size()) fail("Tags count");
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t op = data[0] % kOperationCount;
  g_operation = kOperations[op];
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  g_body = body;
  const Shape* shape = requestShape(g_operation);
  if (shape == nullptr) fail("no shape");

  Result<json> decoded = decodeBody(body, *shape);
  if (!decoded.ok()) {
    checkError(decoded.error());
  } else {
    checkDecoded(*decoded, *shape, "", 0);
    Result<json> again = decodeDocument(*decoded, *shape);
    if (!again.ok()) fail("the decoded document does not decode: " + again.error().message);
    if (*again != *decoded) fail("decoding is not idempotent");
  }
  checkTyped(op, body, decoded);
  return 0;
}
