// Listing the ZIP archive that TFLite Support appends to a model, on archives built byte by byte here
// (stored entries, with the offsets relative to the archive or to the file) and on broken ones.
#include <gtest/gtest.h>

#include "runtime/tflite_metadata.h"

namespace litescope::test {
namespace {

void le16(std::vector<uint8_t>& b, uint32_t v) {
    b.push_back(v & 0xff);
    b.push_back((v >> 8) & 0xff);
}
void le32(std::vector<uint8_t>& b, uint32_t v) {
    le16(b, v & 0xffff);
    le16(b, v >> 16);
}

// A ZIP archive of stored files, appended to `prefix`; `absolute` writes the directory offset from the
// start of the whole file (as Python's zipfile does in append mode), otherwise from the archive's start.
std::vector<uint8_t> withZip(std::vector<uint8_t> prefix,
                             const std::vector<std::pair<std::string, std::string>>& files, bool absolute) {
    std::vector<uint8_t> b = prefix;
    const uint32_t base = absolute ? 0 : static_cast<uint32_t>(prefix.size());
    std::vector<uint32_t> localOffsets;
    for (const auto& [name, content] : files) {
        localOffsets.push_back(static_cast<uint32_t>(b.size()) - base);
        le32(b, 0x04034b50);
        le16(b, 10), le16(b, 0), le16(b, 0), le16(b, 0), le16(b, 0);
        le32(b, 0), le32(b, static_cast<uint32_t>(content.size())),
            le32(b, static_cast<uint32_t>(content.size()));
        le16(b, static_cast<uint32_t>(name.size())), le16(b, 0);
        b.insert(b.end(), name.begin(), name.end());
        b.insert(b.end(), content.begin(), content.end());
    }
    const uint32_t cdStart = static_cast<uint32_t>(b.size());
    for (size_t i = 0; i < files.size(); ++i) {
        const auto& [name, content] = files[i];
        le32(b, 0x02014b50);
        le16(b, 20), le16(b, 10), le16(b, 0), le16(b, 0), le16(b, 0), le16(b, 0);
        le32(b, 0), le32(b, static_cast<uint32_t>(content.size())),
            le32(b, static_cast<uint32_t>(content.size()));
        le16(b, static_cast<uint32_t>(name.size())), le16(b, 0), le16(b, 0), le16(b, 0), le16(b, 0);
        le32(b, 0), le32(b, localOffsets[i]);
        b.insert(b.end(), name.begin(), name.end());
    }
    const uint32_t cdSize = static_cast<uint32_t>(b.size()) - cdStart;
    le32(b, 0x06054b50);
    le16(b, 0), le16(b, 0), le16(b, static_cast<uint32_t>(files.size())),
        le16(b, static_cast<uint32_t>(files.size()));
    le32(b, cdSize), le32(b, cdStart - base);
    le16(b, 0);
    return b;
}

TEST(PackedFiles, ListsFilesWithEitherOffsetConvention) {
    for (bool absolute : {true, false}) {
        auto bytes = withZip(std::vector<uint8_t>(1000, 0x5a),
                             {{"labels.txt", "cat\ndog\n"}, {"vocab.txt", "a b c"}}, absolute);
        auto files = listPackedFiles(bytes);
        ASSERT_EQ(files.size(), 2u) << absolute;
        EXPECT_EQ(files[0].name, "labels.txt");
        EXPECT_EQ(files[0].uncompressedSize, 8u);
        EXPECT_EQ(files[1].name, "vocab.txt");
        EXPECT_EQ(files[1].compressedSize, 5u);
    }
}

TEST(PackedFiles, NoArchiveGivesNothing) {
    EXPECT_TRUE(listPackedFiles(std::vector<uint8_t>(100, 0)).empty());
    EXPECT_TRUE(listPackedFiles({}).empty());
}

TEST(PackedFiles, DamagedDirectoryStopsWithoutReadingOutside) {
    auto bytes = withZip(std::vector<uint8_t>(64, 1), {{"labels.txt", "x"}}, true);
    // Claim 1000 entries and a directory larger than the file: only what is really there is listed.
    auto damaged = bytes;
    const size_t end = damaged.size() - 22;
    damaged[end + 8] = damaged[end + 10] = 0xe8;
    damaged[end + 9] = damaged[end + 11] = 0x03;
    auto files = listPackedFiles(damaged);
    EXPECT_LE(files.size(), 1u);
    damaged = bytes;
    damaged[end + 12] = damaged[end + 13] = damaged[end + 14] = 0xff;  // directory size past the start
    EXPECT_TRUE(listPackedFiles(damaged).empty());
    // A name length running past the end record.
    damaged = bytes;
    const size_t cd = end - (46 + 10);
    damaged[cd + 28] = 0xff;
    damaged[cd + 29] = 0xff;
    EXPECT_TRUE(listPackedFiles(damaged).empty());
}

}  // namespace
}  // namespace litescope::test
