// SHA-256 against the FIPS 180-4 example vectors (and the NIST long-message one), the padding cases at the
// block boundaries, and file hashing that must agree with hashing the same bytes in memory.
#include "profiler/sha256.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace litescope::test {
namespace {

std::string hashOf(const std::string& s) {
    return sha256Hex(s.data(), s.size());
}

TEST(Sha256, EmptyMessage) {
    EXPECT_EQ(hashOf(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256Hex(nullptr, 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, OneBlockMessage) {
    EXPECT_EQ(hashOf("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, TwoBlockMessage) {
    // 448 bits: the length no longer fits in the first block, so padding spills into a second one.
    EXPECT_EQ(hashOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, OneMillionA) {
    EXPECT_EQ(hashOf(std::string(1'000'000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, BlockBoundaries) {
    // Exactly one block of data: the padding is a whole block of its own.
    EXPECT_EQ(hashOf(std::string(64, 'a')),
              "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    // 55 bytes is the most that still takes its padding and length in the same block; 56 needs another.
    EXPECT_EQ(hashOf(std::string(55, 'a')),
              "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    EXPECT_EQ(hashOf(std::string(56, 'a')),
              "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}

TEST(Sha256, FileMatchesBytesInMemory) {
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("litescope_sha256_test_" + std::to_string(::getpid()));
    // Larger than one 64 KiB read, and not a multiple of it, so the last block is partial.
    std::string bytes(200'003, '\0');
    for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<char>((i * 131 + 7) % 251);
    {
        std::ofstream out(path, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    auto fileHash = sha256OfFile(path.string());
    std::error_code ec;
    std::filesystem::remove(path, ec);
    ASSERT_TRUE(fileHash) << fileHash.message();
    EXPECT_EQ(*fileHash, sha256Hex(bytes.data(), bytes.size()));
}

TEST(Sha256, MissingFileIsAnErrorNamingIt) {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("litescope_sha256_missing_" + std::to_string(::getpid()) + ".tflite"))
                                 .string();
    auto result = sha256OfFile(path);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.code(), ErrorCode::Io);
    EXPECT_NE(result.message().find(path), std::string::npos) << result.message();
}

}  // namespace
}  // namespace litescope::test
