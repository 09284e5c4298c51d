#include "triggers/logs/log_lines.h"

#include <cctype>

namespace stratus::logs {

namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil), so no timegm and no time zone state.
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Lines the platform writes when the invocation ends.
bool isClosingLine(std::string_view line) {
  return startsWith(line, "END RequestId:") || startsWith(line, "REPORT RequestId:") ||
         startsWith(line, "XRAY TraceId:");
}

}  // namespace

std::optional<int64_t> lineTimestamp(std::string_view line) {
  if (auto at = leadingIsoTimestamp(line)) return at;
  // Python's text format: "[INFO]\t2019-06-07T19:11:20.562Z\t<id>\t...".
  if (!line.empty() && line[0] == '[') {
    size_t close = line.find("]\t");
    if (close != std::string_view::npos && close < 12) return leadingIsoTimestamp(line.substr(close + 2));
  }
  // The JSON format (node and python): {"timestamp":"2019-06-07T19:11:20.562Z", ...}.
  if (!line.empty() && line[0] == '{') {
    size_t key = line.substr(0, 256).find("\"timestamp\":");
    if (key != std::string_view::npos) {
      size_t v = key + 12;
      while (v < line.size() && line[v] == ' ') ++v;
      if (v < line.size() && line[v] == '"') return leadingIsoTimestamp(line.substr(v + 1));
    }
  }
  return std::nullopt;
}

std::optional<int64_t> leadingIsoTimestamp(std::string_view s) {
  int y, mo, d, h, mi, sec, ms = 0;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || s[10] != 'T' || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  if (s.size() > 19 && s[19] == '.') {
    size_t i = 20, n = 0;
    int scale = 100;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (n++ < 3) {
        ms += (s[i] - '0') * scale;
        scale /= 10;
      }
      ++i;
    }
    if (n == 0) return std::nullopt;
  }
  int64_t days = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60000 + static_cast<int64_t>(sec) * 1000 + ms;
}

std::vector<TimedLine> timedLines(std::string_view text, int64_t start_ms, int64_t end_ms) {
  std::vector<TimedLine> out;
  int64_t last = start_ms;
  size_t i = 0;
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(i, end - i);
    i = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.empty()) continue;  // CloudWatch stores no empty events
    int64_t ts = last;
    if (isClosingLine(line)) {
      ts = end_ms;
    } else if (std::optional<int64_t> own = lineTimestamp(line)) {
      ts = *own;
    }
    last = ts;
    out.push_back({ts, std::string(line) + "\n"});
  }
  return out;
}

}  // namespace stratus::logs
