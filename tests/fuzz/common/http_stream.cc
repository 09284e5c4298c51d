#include "tests/fuzz/common/http_stream.h"

#include <http_parser.h>

#include <cctype>

namespace stratus::fuzz {

std::string ParsedResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

size_t ParsedResponse::headerCount(const std::string& name) const { return headers.count(name); }

namespace {

struct ParseState {
  ParsedStream* out = nullptr;
  const std::function<bool(size_t, int)>* skip_body = nullptr;
  size_t finals = 0;
  std::string field;
  std::string value;
  bool in_value = false;

  ParsedResponse& current() { return out->responses.back(); }
  void flushHeader() {
    if (!in_value) return;
    for (char& ch : field) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    current().headers.emplace(field, value);
    field.clear();
    value.clear();
    in_value = false;
  }
};

ParseState* state(http_parser* p) { return static_cast<ParseState*>(p->data); }

const http_parser_settings kSettings = [] {
  http_parser_settings s{};
  s.on_message_begin = [](http_parser* p) {
    state(p)->out->responses.emplace_back();
    return 0;
  };
  s.on_header_field = [](http_parser* p, const char* at, size_t len) {
    ParseState* st = state(p);
    st->flushHeader();
    st->field.append(at, len);
    return 0;
  };
  s.on_header_value = [](http_parser* p, const char* at, size_t len) {
    ParseState* st = state(p);
    st->in_value = true;
    st->value.append(at, len);
    return 0;
  };
  s.on_headers_complete = [](http_parser* p) {
    ParseState* st = state(p);
    st->flushHeader();
    ParsedResponse& r = st->current();
    r.status = static_cast<int>(p->status_code);
    r.http_major = p->http_major;
    r.http_minor = p->http_minor;
    if (r.status >= 100 && r.status < 200) return 0;
    bool skip = (*st->skip_body)(st->finals++, r.status);
    return skip ? 1 : 0;  // 1: this message has no body
  };
  s.on_body = [](http_parser* p, const char* at, size_t len) {
    state(p)->current().body.append(at, len);
    return 0;
  };
  s.on_message_complete = [](http_parser* p) {
    state(p)->current().complete = true;
    return 0;
  };
  return s;
}();

}  // namespace

ParsedStream parseResponses(std::string_view bytes, const std::function<bool(size_t, int)>& skip_body) {
  ParsedStream out;
  ParseState st;
  st.out = &out;
  st.skip_body = &skip_body;
  http_parser parser;
  http_parser_init(&parser, HTTP_RESPONSE);
  parser.data = &st;
  size_t n = http_parser_execute(&parser, &kSettings, bytes.data(), bytes.size());
  if (HTTP_PARSER_ERRNO(&parser) != HPE_OK) {
    out.error = std::string(http_errno_name(HTTP_PARSER_ERRNO(&parser))) + " at byte " +
                std::to_string(n);
  }
  return out;
}

std::vector<std::string> requestMethods(std::string_view bytes) {
  std::vector<std::string> methods;
  http_parser_settings settings{};
  settings.on_headers_complete = [](http_parser* p) {
    static_cast<std::vector<std::string>*>(p->data)->push_back(
        http_method_str(static_cast<http_method>(p->method)));
    return 0;
  };
  http_parser parser;
  http_parser_init(&parser, HTTP_REQUEST);
  parser.data = &methods;
  http_parser_execute(&parser, &settings, bytes.data(), bytes.size());
  return methods;
}

}  // namespace stratus::fuzz
