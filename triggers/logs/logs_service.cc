#include "triggers/logs/logs_service.h"

#include <algorithm>
#include <set>

#include "triggers/logs/filter_pattern.h"

namespace stratus::logs {

namespace {

constexpr int kDefaultDescribeLimit = 50;
constexpr int kDefaultEventsLimit = 10000;
constexpr size_t kMaxResponseBytes = 1 << 20;  // GetLogEvents / FilterLogEvents: 1 MB a page
constexpr int64_t kDayMs = 24LL * 3600 * 1000;
// FilterLogEvents tests at most this many events against the pattern per call, so one request
// holds the loop for milliseconds, not for a whole group's worth of JSON parsing: past it the
// page ends early with a nextToken where the scan stopped (CloudWatch also answers partial,
// even empty, pages with a nextToken).
constexpr size_t kMaxScannedPerPage = 20000;
const std::set<int> kRetentionDays = {1,   3,   5,   7,    14,   30,   60,   90,   120,  150,  180,
                                      365, 400, 545, 731,  1096, 1827, 2192, 2557, 2922, 3288, 3653};

LogsReply fail(std::string type, std::string message) {
  LogsReply r;
  r.ok = false;
  r.error = {std::move(type), std::move(message), 400};
  return r;
}
LogsReply invalid(std::string message) { return fail("InvalidParameterException", std::move(message)); }
LogsReply noGroup() { return fail("ResourceNotFoundException", "The specified log group does not exist."); }
LogsReply noStream() { return fail("ResourceNotFoundException", "The specified log stream does not exist."); }
LogsReply okReply(nlohmann::json body = nlohmann::json::object()) {
  LogsReply r;
  r.body = std::move(body);
  return r;
}
// A change that did not reach the disk.
LogsReply unavailable() {
  LogsReply r = fail("ServiceUnavailableException", "The service cannot complete the request.");
  r.error.status = 500;
  return r;
}

std::string str(const nlohmann::json& in, const char* key) { return in.value(key, std::string()); }

// A typed page window shared by the event reads.
struct TimeRange {
  std::optional<int64_t> start, end;  // [start, end)
  bool contains(int64_t ts) const { return (!start || ts >= *start) && (!end || ts < *end); }
};
TimeRange timeRange(const nlohmann::json& in) {
  TimeRange t;
  if (in.contains("startTime")) t.start = in["startTime"].get<int64_t>();
  if (in.contains("endTime")) t.end = in["endTime"].get<int64_t>();
  return t;
}

// logGroupName, or logGroupIdentifier (a name or an ARN "arn:aws:logs:R:A:log-group:NAME[:*]").
std::optional<std::string> groupNameOf(const nlohmann::json& in, LogsReply& error) {
  bool has_name = in.contains("logGroupName"), has_id = in.contains("logGroupIdentifier");
  if (has_name && has_id) {
    error = invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
    return std::nullopt;
  }
  if (has_name) return str(in, "logGroupName");
  if (!has_id) {
    error = invalid("Either logGroupName or logGroupIdentifier must be specified.");
    return std::nullopt;
  }
  std::string id = str(in, "logGroupIdentifier");
  size_t at = id.find(":log-group:");
  if (id.rfind("arn:", 0) == 0 && at != std::string::npos) {
    std::string name = id.substr(at + 11);
    if (name.size() >= 2 && name.compare(name.size() - 2, 2, ":*") == 0) name.resize(name.size() - 2);
    return name;
  }
  return id;
}

bool parseInt64(const std::string& s, int64_t& out) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoll(s);
  return true;
}

nlohmann::json eventJson(const LogEvent& e) {
  return {{"timestamp", e.timestamp}, {"message", e.message}, {"ingestionTime", e.ingestion}};
}

}  // namespace

bool LogsService::knowsOperation(const std::string& op) {
  static const std::set<std::string> kOps = {
      "CreateLogGroup", "DeleteLogGroup",  "DescribeLogGroups", "DescribeLogStreams",
      "CreateLogStream", "DeleteLogStream", "PutLogEvents",      "GetLogEvents",
      "FilterLogEvents", "PutRetentionPolicy", "DeleteRetentionPolicy"};
  return kOps.count(op) > 0;
}

std::string LogsService::groupArn(const std::string& group) const {
  return "arn:aws:logs:" + options_.region + ":" + options_.account_id + ":log-group:" + group;
}

void LogsService::call(const std::string& op, const nlohmann::json& in, std::function<void(LogsReply)> done) {
  auto whenDurable = [done](Status s) { done(s.ok() ? okReply() : unavailable()); };
  const std::string group = str(in, "logGroupName");
  if (op == "CreateLogGroup") {
    if (!store_.createGroup(group, whenDurable)) {
      return done(fail("ResourceAlreadyExistsException", "The specified log group already exists"));
    }
    return;
  }
  if (op == "DeleteLogGroup") {
    if (!store_.deleteGroup(group, whenDurable)) return done(noGroup());
    return;
  }
  if (op == "PutRetentionPolicy") {
    int days = in["retentionInDays"].get<int>();
    if (!kRetentionDays.count(days)) {
      return done(invalid("1 validation error detected: Value '" + std::to_string(days) +
                          "' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: "
                          "[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, "
                          "2922, 3288, 3653]"));
    }
    if (!store_.setRetention(group, days, whenDurable)) return done(noGroup());
    return;
  }
  if (op == "DeleteRetentionPolicy") {
    if (!store_.setRetention(group, std::nullopt, whenDurable)) return done(noGroup());
    return;
  }
  if (op == "CreateLogStream") {
    int r = store_.createStream(group, str(in, "logStreamName"), whenDurable);
    if (r == 1) return done(noGroup());
    if (r == 2) return done(fail("ResourceAlreadyExistsException", "The specified log stream already exists"));
    return;
  }
  if (op == "DeleteLogStream") {
    int r = store_.deleteStream(group, str(in, "logStreamName"), whenDurable);
    if (r == 1) return done(noGroup());
    if (r == 2) return done(noStream());
    return;
  }
  if (op == "PutLogEvents") {
    const LogGroup* g = store_.group(group);
    if (!g) return done(noGroup());
    std::string stream = str(in, "logStreamName");
    if (!g->streams.count(stream)) return done(noStream());
    // CloudWatch's rules: in time order, within 24 hours of each other; too old (past 14
    // days or the retention) and too new (over 2 hours ahead) events are rejected, not stored.
    std::vector<std::pair<int64_t, std::string>> events;
    const nlohmann::json& list = in["logEvents"];
    int64_t now = store_.nowMs();
    int64_t oldest_ok = now - 14 * kDayMs;
    if (g->retention_days) oldest_ok = std::max(oldest_ok, now - *g->retention_days * kDayMs);
    int64_t newest_ok = now + 2 * 3600 * 1000;
    nlohmann::json rejected = nlohmann::json::object();
    int64_t prev = INT64_MIN;
    for (size_t i = 0; i < list.size(); ++i) {
      int64_t ts = list[i]["timestamp"].get<int64_t>();
      if (ts < prev) return done(invalid("Log events in a single PutLogEvents request must be in chronological order."));
      prev = ts;
      if (ts < oldest_ok) {
        rejected["tooOldLogEventEndIndex"] = static_cast<int64_t>(i) + 1;
      } else if (ts > newest_ok) {
        if (!rejected.contains("tooNewLogEventStartIndex")) rejected["tooNewLogEventStartIndex"] = static_cast<int64_t>(i);
      } else {
        events.emplace_back(ts, list[i]["message"].get<std::string>());
      }
    }
    if (!list.empty() && list.back()["timestamp"].get<int64_t>() - list.front()["timestamp"].get<int64_t>() > kDayMs) {
      return done(invalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours."));
    }
    nlohmann::json body = nlohmann::json::object();
    if (!rejected.empty()) body["rejectedLogEventsInfo"] = rejected;
    store_.append(group, stream, events, [done, body](Status s) { done(s.ok() ? okReply(body) : unavailable()); });
    return;
  }
  if (op == "DescribeLogGroups") return done(describeLogGroups(in));
  if (op == "DescribeLogStreams") return done(describeLogStreams(in));
  if (op == "GetLogEvents") return done(getLogEvents(in));
  if (op == "FilterLogEvents") return done(filterLogEvents(in));
  done(fail("UnknownOperationException", "The operation " + op + " is not served here."));
}

LogsReply LogsService::describeLogGroups(const nlohmann::json& in) const {
  int limit = in.value("limit", kDefaultDescribeLimit);
  std::string prefix = str(in, "logGroupNamePrefix");
  std::string pattern = str(in, "logGroupNamePattern");
  if (!prefix.empty() && in.contains("logGroupNamePattern")) {
    return invalid("LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.");
  }
  std::string after = str(in, "nextToken");
  nlohmann::json groups = nlohmann::json::array();
  std::string next;
  for (auto it = store_.groups().upper_bound(after); it != store_.groups().end(); ++it) {
    const LogGroup& g = it->second;
    if (!prefix.empty() && g.name.rfind(prefix, 0) != 0) continue;
    if (!pattern.empty() && g.name.find(pattern) == std::string::npos) continue;
    if (static_cast<int>(groups.size()) == limit) {
      next = groups.back()["logGroupName"].get<std::string>();
      break;
    }
    nlohmann::json j = {{"logGroupName", g.name},
                        {"creationTime", g.creation_ms},
                        {"metricFilterCount", 0},
                        {"arn", groupArn(g.name) + ":*"},
                        {"logGroupArn", groupArn(g.name)},
                        {"storedBytes", g.bytes},
                        {"logGroupClass", "STANDARD"}};
    if (g.retention_days) j["retentionInDays"] = *g.retention_days;
    groups.push_back(std::move(j));
  }
  nlohmann::json body = {{"logGroups", std::move(groups)}};
  if (!next.empty()) body["nextToken"] = next;
  return okReply(std::move(body));
}

LogsReply LogsService::describeLogStreams(const nlohmann::json& in) const {
  LogsReply error;
  std::optional<std::string> name = groupNameOf(in, error);
  if (!name) return error;
  const LogGroup* g = store_.group(*name);
  if (!g) return noGroup();
  std::string order = in.value("orderBy", std::string("LogStreamName"));
  std::string prefix = str(in, "logStreamNamePrefix");
  if (order == "LastEventTime" && in.contains("logStreamNamePrefix")) {
    return invalid("Cannot order by LastEventTime with a logStreamNamePrefix.");
  }
  bool descending = in.value("descending", false);
  int limit = in.value("limit", kDefaultDescribeLimit);
  int64_t offset = 0;
  if (in.contains("nextToken") && !parseInt64(str(in, "nextToken"), offset)) {
    return invalid("The specified nextToken is invalid.");
  }
  std::vector<const LogStream*> streams;
  for (const auto& [sname, s] : g->streams) {
    if (prefix.empty() || sname.rfind(prefix, 0) == 0) streams.push_back(&s);
  }
  if (order == "LastEventTime") {
    // Streams with no events yet sort as time 0; names break ties so pages are stable.
    std::stable_sort(streams.begin(), streams.end(), [](const LogStream* a, const LogStream* b) {
      return a->last_ts() < b->last_ts();
    });
  }
  if (descending) std::reverse(streams.begin(), streams.end());
  nlohmann::json out = nlohmann::json::array();
  size_t i = static_cast<size_t>(offset);
  for (; i < streams.size() && static_cast<int>(out.size()) < limit; ++i) {
    const LogStream& s = *streams[i];
    nlohmann::json j = {{"logStreamName", s.name},
                        {"creationTime", s.creation_ms},
                        {"arn", groupArn(g->name) + ":log-stream:" + s.name},
                        {"storedBytes", 0}};
    if (!s.events.empty()) {
      j["firstEventTimestamp"] = s.first_ts();
      j["lastEventTimestamp"] = s.last_ts();
      j["lastIngestionTime"] = s.last_ingestion();
    }
    out.push_back(std::move(j));
  }
  nlohmann::json body = {{"logStreams", std::move(out)}};
  if (i < streams.size()) body["nextToken"] = std::to_string(i);
  return okReply(std::move(body));
}

LogsReply LogsService::getLogEvents(const nlohmann::json& in) const {
  LogsReply error;
  std::optional<std::string> name = groupNameOf(in, error);
  if (!name) return error;
  const LogGroup* g = store_.group(*name);
  if (!g) return noGroup();
  auto st = g->streams.find(str(in, "logStreamName"));
  if (st == g->streams.end()) return noStream();
  const std::deque<LogEvent>& events = st->second.events;
  int limit = in.value("limit", kDefaultEventsLimit);
  TimeRange range = timeRange(in);
  // The page's direction and where it starts: a token says both; without one, startFromHead
  // reads from the oldest event forwards, else from the newest backwards.
  bool forward = in.value("startFromHead", false);
  std::optional<int64_t> after, before;  // seq bounds (exclusive)
  std::string token = str(in, "nextToken");
  if (!token.empty()) {
    int64_t seq = 0;
    if (token.size() < 3 || (token[0] != 'f' && token[0] != 'b') || token[1] != '/' || !parseInt64(token.substr(2), seq)) {
      return invalid("The specified nextToken is invalid.");
    }
    forward = token[0] == 'f';
    (forward ? after : before) = seq;
  }
  std::vector<const LogEvent*> page;
  size_t bytes = 0;
  auto take = [&](const LogEvent& e) {
    if (!range.contains(e.timestamp)) return true;
    if (static_cast<int>(page.size()) >= limit || bytes + e.bytes() > kMaxResponseBytes) return false;
    bytes += e.bytes();
    page.push_back(&e);
    return true;
  };
  if (forward) {
    for (const LogEvent& e : events) {
      if (after && e.seq <= *after) continue;
      if (!take(e)) break;
    }
  } else {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (before && it->seq >= *before) continue;
      if (!take(*it)) break;
    }
    std::reverse(page.begin(), page.end());
  }
  nlohmann::json out = nlohmann::json::array();
  for (const LogEvent* e : page) out.push_back(eventJson(*e));
  std::string next_forward, next_backward;
  if (!page.empty()) {
    next_forward = "f/" + std::to_string(page.back()->seq);
    next_backward = "b/" + std::to_string(page.front()->seq);
  } else if (forward) {
    // At the end of the stream the same forward token comes back (what pollers stop on).
    int64_t at = after ? *after : (events.empty() ? 0 : events.front().seq - 1);
    next_forward = "f/" + std::to_string(at);
    next_backward = "b/" + std::to_string(at + 1);
  } else {
    int64_t at = before ? *before : (events.empty() ? 1 : events.back().seq + 1);
    next_forward = "f/" + std::to_string(at - 1);
    next_backward = "b/" + std::to_string(at);
  }
  return okReply({{"events", std::move(out)}, {"nextForwardToken", next_forward}, {"nextBackwardToken", next_backward}});
}

LogsReply LogsService::filterLogEvents(const nlohmann::json& in) const {
  LogsReply error;
  std::optional<std::string> name = groupNameOf(in, error);
  if (!name) return error;
  const LogGroup* g = store_.group(*name);
  if (!g) return noGroup();
  if (in.contains("logStreamNames") && in.contains("logStreamNamePrefix")) {
    return invalid("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
  }
  std::string why;
  std::optional<FilterPattern> pattern = FilterPattern::parse(str(in, "filterPattern"), &why);
  if (!pattern) return invalid("Invalid filter pattern: " + why);
  std::set<std::string> names;
  if (in.contains("logStreamNames")) {
    for (const auto& n : in["logStreamNames"]) names.insert(n.get<std::string>());
  }
  std::string prefix = str(in, "logStreamNamePrefix");
  int limit = in.value("limit", kDefaultEventsLimit);
  TimeRange range = timeRange(in);
  // The cursor: the (timestamp, seq) of the last event already returned.
  std::optional<std::pair<int64_t, int64_t>> after;
  std::string token = str(in, "nextToken");
  if (!token.empty()) {
    size_t slash = token.find('/');
    int64_t ts = 0, seq = 0;
    if (slash == std::string::npos || !parseInt64(token.substr(0, slash), ts) || !parseInt64(token.substr(slash + 1), seq)) {
      return invalid("The specified nextToken is invalid.");
    }
    after = std::make_pair(ts, seq);
  }
  struct Candidate {
    const LogEvent* event;
    const std::string* stream;
  };
  std::vector<Candidate> candidates;
  for (const auto& [sname, s] : g->streams) {
    if (!names.empty() && !names.count(sname)) continue;
    if (!prefix.empty() && sname.rfind(prefix, 0) != 0) continue;
    for (const LogEvent& e : s.events) {
      if (!range.contains(e.timestamp)) continue;
      if (after && std::make_pair(e.timestamp, e.seq) <= *after) continue;
      candidates.push_back({&e, &sname});
    }
  }
  // Interleaved: in time order across the streams (ingestion order breaks ties).
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::make_pair(a.event->timestamp, a.event->seq) < std::make_pair(b.event->timestamp, b.event->seq);
  });
  nlohmann::json out = nlohmann::json::array();
  size_t bytes = 0, i = 0;
  for (; i < candidates.size() && static_cast<int>(out.size()) < limit && i < kMaxScannedPerPage; ++i) {
    const LogEvent& e = *candidates[i].event;
    if (!pattern->matches(e.message)) continue;
    if (bytes + e.bytes() > kMaxResponseBytes && !out.empty()) break;
    bytes += e.bytes();
    nlohmann::json j = eventJson(e);
    j["logStreamName"] = *candidates[i].stream;
    j["eventId"] = std::to_string(e.seq);
    out.push_back(std::move(j));
  }
  nlohmann::json body = {{"events", std::move(out)}, {"searchedLogStreams", nlohmann::json::array()}};
  if (i < candidates.size() && i > 0) {
    // Resume after the last event looked at (returned or not).
    const LogEvent& last = *candidates[i - 1].event;
    body["nextToken"] = std::to_string(last.timestamp) + "/" + std::to_string(last.seq);
  }
  return okReply(std::move(body));
}

}  // namespace stratus::logs
