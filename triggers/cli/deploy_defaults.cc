#include "triggers/cli/deploy_defaults.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

namespace stratus::triggers::cli {

namespace fs = std::filesystem;

namespace {

std::string readText(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

bool isFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// The exported function a Node.js file offers Lambda: "handler" when it exports that name,
// else the first exported function name, else "handler".
std::string nodeExport(const std::string& source) {
  static const std::regex kHandler(R"((exports\.handler\b|export\s+(const|let|var|async\s+function|function)\s+handler\b|handler\s*[,}]))");
  if (std::regex_search(source, kHandler)) return "handler";
  static const std::regex kNamed(R"((?:exports\.(\w+)\s*=|export\s+(?:const|let|var|async\s+function|function)\s+(\w+)))");
  std::smatch m;
  if (std::regex_search(source, m, kNamed)) return m[1].matched ? m[1].str() : m[2].str();
  return "handler";
}

std::string pythonFunction(const std::string& source) {
  for (const char* name : {"lambda_handler", "handler"}) {
    if (std::regex_search(source, std::regex(std::string(R"((^|\n)\s*(async\s+)?def\s+)") + name + R"(\s*\()"))) {
      return name;
    }
  }
  std::smatch m;
  if (std::regex_search(source, m, std::regex(R"((?:^|\n)def\s+(\w+)\s*\()"))) return m[1].str();
  return "lambda_handler";
}

std::string stripExtension(const std::string& file) {
  size_t dot = file.rfind('.');
  size_t slash = file.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return file;
  return file.substr(0, dot);
}

std::string nodeRuntime(const nlohmann::json& package) {
  if (package.is_object() && package.contains("engines") && package["engines"].is_object()) {
    std::string range = package["engines"].value("node", std::string());
    std::smatch m;
    if (std::regex_search(range, m, std::regex(R"((\d+))"))) {
      int major = std::stoi(m[1].str());
      for (int known : {18, 20, 22, 24}) {
        if (major == known) return "nodejs" + std::to_string(known) + ".x";
      }
    }
  }
  return "nodejs20.x";
}

}  // namespace

DeployDefaults inferDefaults(const std::string& folder) {
  fs::path dir(folder);
  DeployDefaults d;
  if (isFile(dir / "bootstrap")) {
    d.runtime = "provided.al2023";
    d.handler = "bootstrap";
    d.why = "a bootstrap file";
    return d;
  }
  nlohmann::json package = isFile(dir / "package.json")
                               ? nlohmann::json::parse(readText(dir / "package.json"), nullptr, false)
                               : nlohmann::json();
  std::string entry;
  if (package.is_object() && package.contains("main") && package["main"].is_string() &&
      isFile(dir / package["main"].get<std::string>())) {
    entry = package["main"].get<std::string>();
    d.why = "package.json's main";
  }
  for (const char* candidate : {"index.mjs", "index.js", "index.cjs", "app.mjs", "app.js", "handler.mjs",
                                "handler.js", "lambda.mjs", "lambda.js", "src/index.mjs", "src/index.js",
                                "dist/index.mjs", "dist/index.js"}) {
    if (!entry.empty()) break;
    if (isFile(dir / candidate)) entry = candidate, d.why = candidate;
  }
  if (!entry.empty()) {
    d.runtime = nodeRuntime(package);
    d.handler = stripExtension(entry) + "." + nodeExport(readText(dir / entry));
    return d;
  }
  for (const char* candidate : {"lambda_function.py", "app.py", "handler.py", "main.py", "index.py"}) {
    if (isFile(dir / candidate)) {
      d.runtime = "python3.12";
      d.handler = stripExtension(candidate) + "." + pythonFunction(readText(dir / candidate));
      d.why = candidate;
      return d;
    }
  }
  return d;
}

std::string nameFromFolder(const std::string& folder) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::path(folder), ec);
  std::string base = (ec ? fs::path(folder) : p).filename().string();
  std::string out;
  for (char c : base) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    out += ok ? c : '-';
  }
  if (out.size() > 64) out.resize(64);
  return out.empty() ? "function" : out;
}

}  // namespace stratus::triggers::cli
