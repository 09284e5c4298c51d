#include "triggers/sqs/sqs_query_protocol.h"

#include <map>

#include "triggers/request_decoder.h"
#include "triggers/sqs/sqs_shapes.h"

namespace stratus::sqs {

namespace {

using Params = std::map<std::string, std::string>;
using triggers::Shape;
using triggers::ShapeType;

constexpr const char* kXmlns = "http://queue.amazonaws.com/doc/2012-11-05/";

void parseForm(const std::string& text, Params& out) {
  size_t i = 0;
  while (i <= text.size()) {
    size_t amp = text.find('&', i);
    if (amp == std::string::npos) amp = text.size();
    std::string pair = text.substr(i, amp - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = percentDecode(pair.substr(0, eq), true);
      std::string value = eq == std::string::npos ? "" : percentDecode(pair.substr(eq + 1), true);
      out.emplace(std::move(key), std::move(value));
    }
    i = amp + 1;
  }
}

// The query protocol's name for a member: the flattened element name of lists and maps.
std::string queryName(const std::string& member, const std::string& operation) {
  static const std::map<std::string, std::string> kNames = {
      {"Attributes", "Attribute"},
      {"tags", "Tag"},
      {"Tags", "Tag"},
      {"TagKeys", "TagKey"},
      {"AttributeNames", "AttributeName"},
      {"MessageSystemAttributeNames", "MessageSystemAttributeName"},
      {"MessageAttributeNames", "MessageAttributeName"},
      {"MessageAttributes", "MessageAttribute"},
      {"MessageSystemAttributes", "MessageSystemAttribute"},
      {"StringListValues", "StringListValue"},
      {"BinaryListValues", "BinaryListValue"},
      {"AWSAccountIds", "AWSAccountId"},
      {"Actions", "ActionName"},
  };
  if (member == "Entries") return operation + "RequestEntry";
  auto it = kNames.find(member);
  return it == kNames.end() ? member : it->second;
}

bool hasPrefix(const Params& p, const std::string& prefix) {
  auto it = p.lower_bound(prefix);
  return it != p.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

SqsResult<nlohmann::json> scalar(const Shape& s, const std::string& key, const std::string& text) {
  switch (s.type) {
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      size_t start = (!text.empty() && text[0] == '-') ? 1 : 0;
      if (text.size() == start || text.size() > 18 || text.find_first_not_of("0123456789", start) != std::string::npos) {
        return invalidParameter("Value " + text + " for parameter " + key + " is invalid. Reason: Must be an integer.");
      }
      return nlohmann::json(std::stoll(text));
    }
    case ShapeType::kBoolean:
      if (text == "true") return nlohmann::json(true);
      if (text == "false") return nlohmann::json(false);
      return invalidParameter("Value " + text + " for parameter " + key + " is invalid. Reason: Must be a boolean.");
    default:
      return nlohmann::json(text);
  }
}

// The JSON document `shape` describes, read from the parameters under `prefix`.
SqsResult<nlohmann::json> fromParams(const Shape& shape, const std::string& prefix, const Params& p,
                                     const std::string& operation, int depth) {
  nlohmann::json out = nlohmann::json::object();
  if (depth > 4) return out;  // the model nests three deep (entries -> attributes -> value)
  for (const auto& member : shape.members) {
    const Shape& ms = *member.shape;
    std::string name = queryName(member.name, operation);
    std::string key = prefix + name;
    if (ms.type == ShapeType::kList) {
      nlohmann::json list = nlohmann::json::array();
      for (size_t i = 1; i <= p.size(); ++i) {
        std::string element = key + "." + std::to_string(i);
        if (ms.member->type == ShapeType::kStructure) {
          if (!hasPrefix(p, element + ".")) break;
          auto e = fromParams(*ms.member, element + ".", p, operation, depth + 1);
          if (!e.ok()) return e;
          list.push_back(std::move(e).value());
        } else {
          auto it = p.find(element);
          if (it == p.end()) break;
          auto v = scalar(*ms.member, element, it->second);
          if (!v.ok()) return v;
          list.push_back(std::move(v).value());
        }
      }
      if (!list.empty()) out[member.name] = std::move(list);
    } else if (ms.type == ShapeType::kMap) {
      const char* key_name = name == "Tag" ? "Key" : "Name";
      nlohmann::json map = nlohmann::json::object();
      for (size_t i = 1; i <= p.size(); ++i) {
        std::string entry = key + "." + std::to_string(i) + ".";
        auto k = p.find(entry + key_name);
        if (k == p.end()) break;
        if (ms.value->type == ShapeType::kStructure) {
          auto v = fromParams(*ms.value, entry + "Value.", p, operation, depth + 1);
          if (!v.ok()) return v;
          map[k->second] = std::move(v).value();
        } else {
          auto v = p.find(entry + "Value");
          map[k->second] = v == p.end() ? "" : v->second;
        }
      }
      if (!map.empty()) out[member.name] = std::move(map);
    } else if (ms.type == ShapeType::kStructure) {
      if (!hasPrefix(p, key + ".")) continue;
      auto v = fromParams(ms, key + ".", p, operation, depth + 1);
      if (!v.ok()) return v;
      out[member.name] = std::move(v).value();
    } else {
      auto it = p.find(key);
      if (it == p.end()) continue;
      auto v = scalar(ms, key, it->second);
      if (!v.ok()) return v;
      out[member.name] = std::move(v).value();
    }
  }
  return out;
}

void escapeInto(std::string& out, const std::string& text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\r': out += "&#xD;"; break;
      default: out += c;
    }
  }
}

void element(std::string& out, const std::string& name, const std::string& text) {
  out += "<" + name + ">";
  escapeInto(out, text);
  out += "</" + name + ">";
}

std::string scalarText(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

// The output members as the query protocol's XML names them (the model's locationName and
// flattened lists of the 2012-11-05 query model).
void renderMembers(std::string& out, const nlohmann::json& object, const std::string& operation) {
  for (const auto& [key, value] : object.items()) {
    if (key == "QueueUrls" || key == "queueUrls") {
      for (const auto& url : value) element(out, "QueueUrl", scalarText(url));
    } else if (key == "Attributes") {
      for (const auto& [k, v] : value.items()) {
        out += "<Attribute>";
        element(out, "Name", k);
        element(out, "Value", scalarText(v));
        out += "</Attribute>";
      }
    } else if (key == "Tags") {
      for (const auto& [k, v] : value.items()) {
        out += "<Tag>";
        element(out, "Key", k);
        element(out, "Value", scalarText(v));
        out += "</Tag>";
      }
    } else if (key == "MessageAttributes") {
      for (const auto& [k, v] : value.items()) {
        out += "<MessageAttribute>";
        element(out, "Name", k);
        out += "<Value>";
        renderMembers(out, v, operation);
        out += "</Value></MessageAttribute>";
      }
    } else if (key == "Messages" || key == "Successful" || key == "Failed" || key == "Results") {
      std::string name = key == "Messages"     ? "Message"
                         : key == "Successful" ? operation + "ResultEntry"
                         : key == "Results"    ? "ListMessageMoveTasksResultEntry"
                                               : "BatchResultErrorEntry";
      for (const auto& entry : value) {
        out += "<" + name + ">";
        renderMembers(out, entry, operation);
        out += "</" + name + ">";
      }
    } else if (!value.is_structured()) {
      element(out, key, scalarText(value));
    }
  }
}

HttpResponse xmlResponse(int status, std::string body, const std::string& request_id) {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", request_id}};
  r.body = std::move(body);
  return r;
}

HttpResponse xmlError(const SqsError& error, const std::string& request_id) {
  std::string message = error.kind == SqsErrorKind::kQueueDoesNotExist
                            ? "The specified queue does not exist for this wsdl version."
                            : error.message;
  std::string body = std::string("<?xml version=\"1.0\"?><ErrorResponse xmlns=\"") + kXmlns + "\"><Error><Type>" +
                     (error.senderFault() ? "Sender" : "Receiver") + "</Type>";
  element(body, "Code", error.queryCode());
  element(body, "Message", message);
  body += "<Detail/></Error>";
  element(body, "RequestId", request_id);
  body += "</ErrorResponse>";
  return xmlResponse(error.status(), std::move(body), request_id);
}

}  // namespace

bool isSqsQueryPath(const std::string& path) {
  if (path == "/") return true;
  // A queue URL's path, /ACCOUNT/NAME: never a Lambda path (those start with a date).
  size_t slash = path.find('/', 1);
  if (slash != 13 || path.find('/', slash + 1) != std::string::npos) return false;
  return path.find_first_not_of("0123456789", 1) == slash;
}

bool isSqsQueryRequest(const HttpRequest& request) {
  if (!isSqsQueryPath(request.path)) return false;
  if (request.query.find("Action=") != std::string::npos) return true;
  return request.method == "POST" &&
         request.header("content-type").find("application/x-www-form-urlencoded") != std::string::npos &&
         (request.body.rfind("Action=", 0) == 0 || request.body.find("&Action=") != std::string::npos);
}

SqsResult<SqsInput> decodeSqsQuery(const HttpRequest& request, const std::string& endpoint) {
  Params params;
  parseForm(request.query, params);
  if (request.method == "POST") parseForm(request.body, params);
  std::string operation = params.count("Action") ? params["Action"] : "";
  const Shape* shape = triggers::sqsRequestShape(operation);
  if (shape == nullptr || !SqsService::knowsOperation(operation)) {
    return sqsError(SqsErrorKind::kInvalidAction, "The action " + operation + " is not valid for this endpoint.");
  }
  // POSTed to the queue's own URL (older SDKs): the path names the queue.
  if (!params.count("QueueUrl") && request.path.size() > 1) params["QueueUrl"] = endpoint + request.path;
  auto document = fromParams(*shape, "", params, operation, 0);
  if (!document.ok()) return document.error();
  auto input = triggers::decodeDocument(std::move(document).value(), *shape);
  if (!input.ok()) return invalidParameter(input.error().message);
  return SqsInput{operation, std::move(input).value()};
}

std::string renderSqsQueryResult(const std::string& operation, const nlohmann::json& output,
                                 const std::string& request_id) {
  std::string body = std::string("<?xml version=\"1.0\"?><") + operation + "Response xmlns=\"" + kXmlns + "\"><" +
                     operation + "Result>";
  if (output.is_object()) renderMembers(body, output, operation);
  body += "</" + operation + "Result><ResponseMetadata>";
  element(body, "RequestId", request_id);
  body += "</ResponseMetadata></" + operation + "Response>";
  return body;
}

void serveSqsQuery(SqsService& service, HttpRequest&& request, HttpRespond respond, const std::string& endpoint,
                   const std::string& request_id) {
  auto decoded = decodeSqsQuery(request, endpoint);
  if (!decoded.ok()) return respond(xmlError(decoded.error(), request_id));
  std::string operation = decoded.value().operation;
  service.call(operation, decoded.value().input, endpoint,
               [respond = std::move(respond), request_id, operation](SqsResult<nlohmann::json> out) {
                 if (!out.ok()) return respond(xmlError(out.error(), request_id));
                 respond(xmlResponse(200, renderSqsQueryResult(operation, out.value(), request_id), request_id));
               });
}

}  // namespace stratus::sqs
