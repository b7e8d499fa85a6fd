// Reads the central directory of a ZIP archive appended to a model file, without trusting any of its sizes.
#include <algorithm>
#include <cstring>

#include "runtime/tflite_metadata.h"

namespace litescope {

namespace {

uint32_t le32(const uint8_t* p) {
    return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint16_t le16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kCentralDirectoryEntry = 0x02014b50;
constexpr size_t kEocdSize = 22;

}  // namespace

std::vector<AssociatedFileEntry> listPackedFiles(std::span<const uint8_t> bytes) {
    std::vector<AssociatedFileEntry> files;
    if (bytes.size() < kEocdSize) return files;
    // The end record sits in the last 22 bytes plus at most a 64 KiB comment.
    const size_t earliest = bytes.size() > kEocdSize + 0xffff ? bytes.size() - kEocdSize - 0xffff : 0;
    size_t eocd = bytes.size() - kEocdSize;
    bool found = false;
    for (;; --eocd) {
        if (le32(bytes.data() + eocd) == kEndOfCentralDirectory &&
            eocd + kEocdSize + le16(bytes.data() + eocd + 20) == bytes.size()) {
            found = true;
            break;
        }
        if (eocd == earliest) break;
    }
    if (!found) return files;
    const uint8_t* end = bytes.data() + eocd;
    const uint16_t entries = le16(end + 10);
    const uint32_t cdSize = le32(end + 12);
    if (cdSize > eocd) return files;
    // Locate the directory from the end record itself: the archive may have been appended to the model, so
    // the offsets it stores can be relative to the archive's start rather than the file's.
    size_t pos = eocd - cdSize;
    for (uint16_t i = 0; i < entries; ++i) {
        if (pos + 46 > eocd || le32(bytes.data() + pos) != kCentralDirectoryEntry) break;
        const uint8_t* h = bytes.data() + pos;
        const size_t nameLen = le16(h + 28), extraLen = le16(h + 30), commentLen = le16(h + 32);
        if (pos + 46 + nameLen > eocd) break;
        AssociatedFileEntry e;
        e.compressedSize = le32(h + 20);
        e.uncompressedSize = le32(h + 24);
        e.name.assign(reinterpret_cast<const char*>(h + 46), nameLen);
        files.push_back(std::move(e));
        pos += 46 + nameLen + extraLen + commentLen;
    }
    return files;
}

}  // namespace litescope
