// Reads what an HTTP/1.1 server sent on one connection back into responses, with libhttp-parser
// (the server's own parser, in response mode), so a harness can check the framing it received
// instead of trusting the server's. Pure.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace stratus::fuzz {

struct ParsedResponse {
  int status = 0;
  int http_major = 0;
  int http_minor = 0;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool complete = false;  // its last byte arrived

  // The value of a header that must appear once; "" if absent.
  std::string header(const std::string& name) const;
  size_t headerCount(const std::string& name) const;
};

struct ParsedStream {
  std::vector<ParsedResponse> responses;  // interim 1xx responses included, in order
  std::string error;  // "" if every byte parsed as responses (the last may be incomplete)
};

// `skip_body(i, status)` says whether the i-th final (non-1xx) response answers a HEAD request, whose
// Content-Length announces a body that is not sent.
ParsedStream parseResponses(std::string_view bytes, const std::function<bool(size_t, int)>& skip_body);

// The methods of the requests in `bytes`, in order, as http_parser (the server's parser) reads
// them, up to the first byte it refuses: which of a server's answers are to HEAD requests.
std::vector<std::string> requestMethods(std::string_view bytes);

}  // namespace stratus::fuzz
