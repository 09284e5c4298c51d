#include "triggers/code_upload.h"

#include <memory>
#include <optional>

#include "runtime/base/crypto.h"
#include "triggers/decoded_call.h"

namespace stratus::triggers {

void storeUploadedZip(ApiContext& ctx, const ApiCallPtr& call, std::string bytes,
                      ZipEncoding encoding, const char* what,
                      std::function<void(layers::StoredCode)> then) {
  auto text = std::make_shared<std::string>(std::move(bytes));
  auto out = std::make_shared<Result<layers::StoredCode>>(Error::service("not run"));
  layers::CodeStore* store = &ctx.code;
  ctx.loop.runInPool(
      [store, text, out, encoding, what] {
        try {
          std::optional<std::string> zip;
          if (encoding == ZipEncoding::kBase64) {
            zip = base64Decode(*text);
          } else {
            zip = std::move(*text);
          }
          std::string().swap(*text);
          if (!zip) {
            *out = Error::invalidParameter(
                "Could not unzip uploaded file. Please check your file, then try to upload again.");
          } else if (zip->size() > kMaxZippedBytes) {
            *out = Error::tooLarge("Zipped size must be smaller than 52428800 bytes");
          } else {
            *out = store->put(*zip);
          }
        } catch (const std::exception& e) {
          *out = Error::service(std::string(what) + ": storing the upload failed: " + e.what());
        }
      },
      [call, out, what, then = std::move(then)] {
        answeringFaults(call, what, [&] {
          if (!out->ok()) return call->fail(out->error());
          then(std::move(out->value()));
        });
      });
}

}  // namespace stratus::triggers
