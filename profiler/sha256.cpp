// SHA-256 as FIPS 180-4 section 6.2 defines it, written out plainly: the history only hashes a model file
// once per saved profile, so clarity matters more than speed here.
#include "profiler/sha256.h"

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace litescope {

namespace {

// The first 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4, 4.2.2).
constexpr std::array<uint32_t, 64> kRoundConstants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// The first 32 bits of the fractional parts of the square roots of the first 8 primes (FIPS 180-4, 5.3.3).
constexpr std::array<uint32_t, 8> kInitialHash = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

constexpr uint32_t rotr(uint32_t x, int n) {
    return (x >> n) | (x << (32 - n));
}

// Streams bytes in any chunking, so that a file can be hashed without holding it in memory.
class Sha256 {
  public:
    void update(const uint8_t* data, size_t size) {
        totalBytes_ += size;
        if (pending_ > 0) {
            const size_t take = std::min(size, block_.size() - pending_);
            std::memcpy(block_.data() + pending_, data, take);
            pending_ += take;
            data += take;
            size -= take;
            if (pending_ < block_.size()) return;
            compress(block_.data());
            pending_ = 0;
        }
        for (; size >= 64; data += 64, size -= 64)
            compress(data);
        if (size > 0) std::memcpy(block_.data(), data, size);
        pending_ = size;
    }

    std::string hexDigest() {
        // Padding (5.1.1): a 1 bit, zeros up to 56 bytes mod 64, then the message length in bits, big-endian.
        const uint64_t bitLength = totalBytes_ * 8;
        uint8_t padding[72] = {0x80};
        const size_t zeros = (pending_ < 56 ? 56 - pending_ : 120 - pending_);
        for (int i = 0; i < 8; ++i)
            padding[zeros + static_cast<size_t>(i)] = static_cast<uint8_t>(bitLength >> (56 - 8 * i));
        update(padding, zeros + 8);

        static constexpr char kHex[] = "0123456789abcdef";
        std::string hex;
        hex.reserve(64);
        for (uint32_t word : hash_) {
            for (int shift = 28; shift >= 0; shift -= 4)
                hex.push_back(kHex[(word >> shift) & 0xf]);
        }
        return hex;
    }

  private:
    void compress(const uint8_t* block) {
        std::array<uint32_t, 64> w;
        for (size_t t = 0; t < 16; ++t)
            w[t] = (uint32_t{block[4 * t]} << 24) | (uint32_t{block[4 * t + 1]} << 16) |
                   (uint32_t{block[4 * t + 2]} << 8) | uint32_t{block[4 * t + 3]};
        for (size_t t = 16; t < 64; ++t) {
            const uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            const uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = hash_[0], b = hash_[1], c = hash_[2], d = hash_[3];
        uint32_t e = hash_[4], f = hash_[5], g = hash_[6], h = hash_[7];
        for (size_t t = 0; t < 64; ++t) {
            const uint32_t sigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
            const uint32_t choose = (e & f) ^ (~e & g);
            const uint32_t t1 = h + sigma1 + choose + kRoundConstants[t] + w[t];
            const uint32_t sigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
            const uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
            const uint32_t t2 = sigma0 + majority;
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        hash_[0] += a, hash_[1] += b, hash_[2] += c, hash_[3] += d;
        hash_[4] += e, hash_[5] += f, hash_[6] += g, hash_[7] += h;
    }

    std::array<uint32_t, 8> hash_ = kInitialHash;
    std::array<uint8_t, 64> block_{};
    size_t pending_ = 0;  // bytes of an incomplete block waiting in block_
    uint64_t totalBytes_ = 0;
};

}  // namespace

std::string sha256Hex(const void* data, size_t size) {
    Sha256 sha;
    if (size > 0) sha.update(static_cast<const uint8_t*>(data), size);
    return sha.hexDigest();
}

Result<std::string> sha256OfFile(const std::string& path) {
    struct FileCloser {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file)
        return Status(ErrorCode::Io,
                      path + ": cannot open: " + (errno ? std::strerror(errno) : "unknown error"));
    Sha256 sha;
    std::vector<uint8_t> buffer(64 * 1024);
    for (;;) {
        const size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
        if (n > 0) sha.update(buffer.data(), n);
        if (n < buffer.size()) {
            if (std::ferror(file.get()))
                return Status(ErrorCode::Io,
                              path + ": cannot read: " + (errno ? std::strerror(errno) : "unknown error"));
            break;
        }
    }
    return sha.hexDigest();
}

}  // namespace litescope
