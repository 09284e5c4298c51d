#include "triggers/cli/coldstart_command.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <iomanip>
#include <thread>

#include "runtime/base/crypto.h"

namespace stratus::triggers::cli {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

Result<json> configuration(LambdaClient& client, const std::string& name) {
  ClientResponse r = client.call("GET", functionPath(name) + "/configuration");
  if (r.status != 200) return Error::service(describeFailure(r, client.endpoint()));
  return json::parse(r.body, nullptr, false);
}

Status setMemory(LambdaClient& client, const std::string& name, int memory_mb) {
  ClientResponse r =
      client.call("PUT", functionPath(name) + "/configuration", json{{"MemorySize", memory_mb}}.dump());
  if (r.status != 200) return Error::service(describeFailure(r, client.endpoint()));
  for (int attempt = 0; attempt < 600; ++attempt) {
    auto c = configuration(client, name);
    if (!c.ok()) return c.error();
    if (c->value("LastUpdateStatus", "Successful") == "Successful") return okStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Error::service("the memory update of " + name + " did not finish within 30 s");
}

double reportField(const std::string& log, const char* field) {
  std::smatch m;
  if (std::regex_search(log, m, std::regex(std::string("REPORT RequestId: .*\\t") + field + ": ([0-9.]+) ms"))) {
    return std::stod(m[1].str());
  }
  return -1;
}

Result<ColdSamples> measure(LambdaClient& client, const std::string& name, const ColdstartArgs& a,
                            const std::string& label) {
  ColdSamples s;
  s.label = label;
  for (int i = 0; i < a.n; ++i) {
    ClientResponse recycled = client.call("POST", "/_stratus/functions/" + percentEncode(name) + "/recycle");
    if (recycled.status != 204) return Error::service("recycle " + name + ": " + describeFailure(recycled, client.endpoint()));
    auto t0 = Clock::now();
    ClientResponse r = client.call("POST", functionPath(name) + "/invocations", a.payload, {{"X-Amz-Log-Type", "Tail"}});
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (r.status != 200) return Error::service("invoke " + name + ": " + describeFailure(r, client.endpoint()));
    std::string log = base64Decode(r.headers["x-amz-log-result"]).value_or("");
    double init = reportField(log, "Init Duration"), duration = reportField(log, "Duration");
    if (init < 0) {
      ++s.warm;
      continue;
    }
    s.end_to_end.push_back(ms);
    s.init.push_back(init);
    s.duration.push_back(std::max(duration, 0.0));
    if (isatty(2)) std::cerr << "\r" << label << ": " << (i + 1) << "/" << a.n << std::flush;
  }
  if (isatty(2)) std::cerr << "\r" << std::string(label.size() + 16, ' ') << "\r";
  return s;
}

void printHistogram(const ColdSamples& s) {
  if (s.end_to_end.empty()) return;
  double lo = *std::min_element(s.end_to_end.begin(), s.end_to_end.end());
  double hi = *std::max_element(s.end_to_end.begin(), s.end_to_end.end());
  constexpr int kBins = 10;
  double width = std::max((hi - lo) / kBins, 0.001);
  std::vector<int> counts(kBins, 0);
  for (double v : s.end_to_end) counts[std::min(kBins - 1, static_cast<int>((v - lo) / width))]++;
  int most = *std::max_element(counts.begin(), counts.end());
  for (int b = 0; b < kBins; ++b) {
    int bar = most ? counts[b] * 40 / most : 0;
    std::printf("  %8.2f - %8.2f ms | %-40s %d\n", lo + b * width, lo + (b + 1) * width, std::string(bar, '#').c_str(),
                counts[b]);
  }
}

void printGroup(const ColdSamples& s) {
  std::vector<double> rest;
  for (size_t i = 0; i < s.end_to_end.size(); ++i) rest.push_back(s.end_to_end[i] - s.init[i] - s.duration[i]);
  std::printf("\n%s: %zu cold starts%s\n", s.label.c_str(), s.end_to_end.size(),
              s.warm ? (" (" + std::to_string(s.warm) + " invokes were warm and left out)").c_str() : "");
  std::printf("  %-28s %9s %9s %9s %9s %9s\n", "ms", "min", "p50", "p90", "p99", "max");
  auto row = [](const char* what, const std::vector<double>& v) {
    std::printf("  %-28s %9.2f %9.2f %9.2f %9.2f %9.2f\n", what, percentile(v, 0), percentile(v, 50),
                percentile(v, 90), percentile(v, 99), percentile(v, 100));
  };
  row("cold invoke, end to end", s.end_to_end);
  row("Init Duration (REPORT)", s.init);
  row("Duration (REPORT)", s.duration);
  row("the rest (server + network)", rest);
  printHistogram(s);
}

}  // namespace

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  double rank = p / 100.0 * static_cast<double>(v.size() - 1);
  size_t below = static_cast<size_t>(std::floor(rank));
  size_t above = std::min(below + 1, v.size() - 1);
  return v[below] + (v[above] - v[below]) * (rank - static_cast<double>(below));
}

std::string coldstartSvg(const std::vector<ColdSamples>& groups) {
  static const char* kColours[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"};
  double lo = 1e18, hi = 0;
  for (const auto& g : groups) {
    for (double v : g.end_to_end) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (hi <= lo) hi = lo + 1;
  constexpr int kW = 720, kPanel = 120, kLeft = 60, kBins = 30;
  int height = 40 + static_cast<int>(groups.size()) * (kPanel + 30) + 30;
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kW << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<text x=\"" << kLeft << "\" y=\"20\" font-size=\"14\">Cold invoke, end to end (ms)</text>\n";
  double plot_w = kW - kLeft - 20;
  auto x_of = [&](double v) { return kLeft + (v - lo) / (hi - lo) * plot_w; };
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const ColdSamples& g = groups[gi];
    int top = 40 + static_cast<int>(gi) * (kPanel + 30);
    std::vector<int> counts(kBins, 0);
    for (double v : g.end_to_end) counts[std::min(kBins - 1, static_cast<int>((v - lo) / (hi - lo) * kBins))]++;
    int most = std::max(1, *std::max_element(counts.begin(), counts.end()));
    svg << "<text x=\"" << kLeft << "\" y=\"" << top + 12 << "\">" << g.label << " (n=" << g.end_to_end.size()
        << ", p50 " << std::fixed << std::setprecision(2) << percentile(g.end_to_end, 50) << ", p99 "
        << percentile(g.end_to_end, 99) << ")</text>\n";
    for (int b = 0; b < kBins; ++b) {
      double h = static_cast<double>(counts[b]) / most * (kPanel - 20);
      svg << "<rect x=\"" << kLeft + b * plot_w / kBins << "\" y=\"" << top + kPanel - h << "\" width=\""
          << plot_w / kBins - 1 << "\" height=\"" << h << "\" fill=\"" << kColours[gi % 6] << "\"/>\n";
    }
    for (double p : {50.0, 99.0}) {
      double x = x_of(percentile(g.end_to_end, p));
      svg << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << top + 18 << "\" y2=\"" << top + kPanel
          << "\" stroke=\"#333\" stroke-dasharray=\"3,3\"/>\n";
    }
    svg << "<line x1=\"" << kLeft << "\" x2=\"" << kLeft + plot_w << "\" y1=\"" << top + kPanel << "\" y2=\""
        << top + kPanel << "\" stroke=\"#333\"/>\n";
  }
  int axis = height - 20;
  for (int t = 0; t <= 4; ++t) {
    double v = lo + (hi - lo) * t / 4;
    svg << "<text x=\"" << x_of(v) << "\" y=\"" << axis << "\" text-anchor=\"middle\">" << std::fixed
        << std::setprecision(1) << v << "</text>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

int runColdstart(const Common& common, const ColdstartArgs& a) {
  LambdaClient client(common.endpoint, common.region);
  std::vector<ColdSamples> groups;
  for (const std::string& name : a.names) {
    auto config = configuration(client, name);
    if (!config.ok()) {
      std::cerr << "stratus: " << config.error().message << "\n";
      return 1;
    }
    int original = config->value("MemorySize", 128);
    std::vector<int> sizes = a.memory.empty() ? std::vector<int>{original} : a.memory;
    for (int memory : sizes) {
      if (memory != original || !a.memory.empty()) {
        if (Status s = setMemory(client, name, memory); !s.ok()) {
          std::cerr << "stratus: " << s.error().message << "\n";
          return 1;
        }
      }
      auto samples = measure(client, name, a, name + " @ " + std::to_string(memory) + " MB");
      if (!samples.ok()) {
        std::cerr << "stratus: " << samples.error().message << "\n";
        (void)setMemory(client, name, original);
        return 1;
      }
      printGroup(*samples);
      groups.push_back(std::move(samples).value());
    }
    if (!a.memory.empty()) {
      if (Status s = setMemory(client, name, original); !s.ok()) std::cerr << "stratus: " << s.error().message << "\n";
    }
  }
  if (!a.out.empty()) {
    std::ofstream f(a.out);
    f << coldstartSvg(groups);
    if (!f) {
      std::cerr << "stratus: cannot write " << a.out << "\n";
      return 1;
    }
    std::cerr << "wrote " << a.out << "\n";
  }
  return 0;
}

}  // namespace stratus::triggers::cli
