// SHA-256 (FIPS 180-4), to identify a model file by its bytes in the profile history.
#pragma once

#include <cstddef>
#include <string>

#include "runtime/status.h"

namespace litescope {

// Lowercase hex of the digest, as sha256sum prints it.
std::string sha256Hex(const void* data, size_t size);
// Reads the file in blocks (never whole into memory).
Result<std::string> sha256OfFile(const std::string& path);

}  // namespace litescope
