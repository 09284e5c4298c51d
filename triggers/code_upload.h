// Storing an uploaded zip (function code, a layer) in the code store, off the loop: the text
// runs to 70 MB, and decoding, hashing, extracting and fsyncing it must not stall the loop.
#pragma once

#include <functional>
#include <string>

#include "layers/code_store.h"
#include "triggers/api_context.h"

namespace stratus::triggers {

// Lambda's limit on a directly uploaded zip.
inline constexpr size_t kMaxZippedBytes = 52428800;

enum class ZipEncoding { kBase64, kRaw };

// Decodes `bytes` (the base64 text of ZipFile, or the raw zip) and stores it on the loop's thread
// pool, then calls `then` on the loop with the stored content; an error (not a zip, over
// 50 MB, the store's own InvalidParameterValueException) answers `call` instead. `what` names
// the upload in fault logs ("stored code", "stored layer").
void storeUploadedZip(ApiContext& ctx, const ApiCallPtr& call, std::string bytes,
                      ZipEncoding encoding, const char* what,
                      std::function<void(layers::StoredCode)> then);

}  // namespace stratus::triggers
