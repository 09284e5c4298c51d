// `stratus coldstart NAME [-n 20] [--memory 128,512,1024] [--out report.svg]` and
// `stratus coldstart --compare NAME1 NAME2`: forces N cold starts per function and memory size
// (the server's idle sandboxes of the function are recycled before each invoke), and reports
// percentiles of the end-to-end cold invoke seen by the client, of Init Duration and Duration
// from REPORT, and of the rest (the server's own share plus the round trip); a histogram per
// group in the terminal, and an SVG of the distributions when --out is given. Restores the
// function's memory size afterwards. Blocking; the main thread.
#pragma once

#include <string>
#include <vector>

#include "triggers/cli/deploy.h"

namespace stratus::triggers::cli {

struct ColdstartArgs {
  std::vector<std::string> names;
  int n = 20;
  std::vector<int> memory;  // empty: the function's own
  std::string out;          // an SVG file, or ""
  std::string payload = "{}";
};

// One group's samples, in milliseconds.
struct ColdSamples {
  std::string label;
  std::vector<double> end_to_end, init, duration;
  int warm = 0;  // invokes whose REPORT had no Init Duration (something kept a sandbox)
};

// Percentile (0-100) by linear interpolation between closest ranks; 0 for no samples.
double percentile(std::vector<double> values, double p);
// The SVG picture of the groups' end-to-end distributions (histograms sharing one axis).
std::string coldstartSvg(const std::vector<ColdSamples>& groups);

int runColdstart(const Common& common, const ColdstartArgs& args);

}  // namespace stratus::triggers::cli
