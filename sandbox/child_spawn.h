// Small pieces every child process the sandbox module spawns with uv_spawn needs (process
// sandboxes, isolate hosts). Loop thread only.
#pragma once

#include <uv.h>

#include <string>
#include <vector>

namespace stratus::sandbox {

// NUL-terminated pointers into `strings`, for uv_spawn's args and env.
std::vector<char*> cStrings(const std::vector<std::string>& strings);

// Closes a handle allocated with `new T` and deletes it in the close callback.
template <typename T>
void closeAndDelete(T* handle) {
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) { delete reinterpret_cast<T*>(h); });
}

}  // namespace stratus::sandbox
