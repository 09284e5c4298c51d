#include "triggers/layer_import_cli.h"

#include <curl/curl.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "layers/file_util.h"

namespace stratus::triggers {

namespace {

void usage() {
  std::cerr << "usage: stratus layer import LAYER_VERSION_ARN ZIP [--endpoint URL]\n"
               "  Stores ZIP in a running server as that layer version (another account's\n"
               "  layer included), so functions can name it offline. URL defaults to\n"
               "  $AWS_ENDPOINT_URL_LAMBDA, $AWS_ENDPOINT_URL, then http://127.0.0.1:9000.\n";
}

size_t collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string defaultEndpoint() {
  for (const char* name : {"AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL"}) {
    const char* v = std::getenv(name);
    if (v && *v) return v;
  }
  return "http://127.0.0.1:9000";
}

}  // namespace

int layerCommand(int argc, char** argv) {
  if (argc < 5 || std::string(argv[2]) != "import") {
    usage();
    return 2;
  }
  std::string arn = argv[3];
  std::string zip_path = argv[4];
  std::string endpoint = defaultEndpoint();
  for (int i = 5; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--endpoint" && i + 1 < argc) {
      endpoint = argv[++i];
    } else {
      usage();
      return 2;
    }
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  auto zip = layers::readWholeFile(zip_path);
  if (!zip.ok()) {
    std::cerr << "stratus: cannot read " << zip_path << ": " << zip.error().message << "\n";
    return 1;
  }
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    std::cerr << "stratus: cannot start an HTTP client\n";
    return 1;
  }
  std::unique_ptr<char, void (*)(void*)> escaped(
      curl_easy_escape(curl.get(), arn.c_str(), static_cast<int>(arn.size())), curl_free);
  std::string url = endpoint + "/_stratus/layers/import?Arn=" + escaped.get();
  std::string answer;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/zip");
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POST, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, zip->data());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(zip->size()));
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer);
  CURLcode rc = curl_easy_perform(curl.get());
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    std::cerr << "stratus: " << url << ": " << curl_easy_strerror(rc) << "\n";
    return 1;
  }
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  std::cout << answer << "\n";
  return status == 201 ? 0 : 1;
}

}  // namespace stratus::triggers
