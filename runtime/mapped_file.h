// A read-only memory mapping of a whole file; the model's weights are read through it in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "runtime/status.h"

namespace litescope {

class MappedFile {
  public:
    MappedFile() = default;
    ~MappedFile();
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    // Maps `path` read-only. An empty file gives an empty mapping, not an error.
    static Result<MappedFile> open(const std::string& path);

    std::span<const uint8_t> bytes() const { return {data_, size_}; }
    size_t size() const { return size_; }

  private:
    void release();
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
    bool mapped_ = false;
};

}  // namespace litescope
