#include "profiler/npy.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string_view>

namespace litescope {

// '=' (native) is read as little-endian and data is handed to tensors without swapping.
static_assert(std::endian::native == std::endian::little, "the .npy reader assumes a little-endian host");

namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr size_t kArrayAlign = 64;
// numpy.save leaves room for the growing axis' length to reach this many digits without moving the data.
constexpr size_t kGrowthAxisMaxDigits = 21;
// NumPy 2 allows 64 dimensions; anything beyond is not an array NumPy could have written.
constexpr size_t kMaxRank = 64;

struct DtypeInfo {
    TensorType type;
    char kind;  // 'b', 'i', 'u', 'f'
    size_t itemSize;
    const char* numpyName;
};

constexpr DtypeInfo kDtypes[] = {
    {TensorType::Bool, 'b', 1, "bool"},       {TensorType::Int8, 'i', 1, "int8"},
    {TensorType::UInt8, 'u', 1, "uint8"},     {TensorType::Int16, 'i', 2, "int16"},
    {TensorType::UInt16, 'u', 2, "uint16"},   {TensorType::Int32, 'i', 4, "int32"},
    {TensorType::UInt32, 'u', 4, "uint32"},   {TensorType::Int64, 'i', 8, "int64"},
    {TensorType::UInt64, 'u', 8, "uint64"},   {TensorType::Float16, 'f', 2, "float16"},
    {TensorType::Float32, 'f', 4, "float32"}, {TensorType::Float64, 'f', 8, "float64"},
};

const DtypeInfo* dtypeForType(TensorType type) {
    for (const auto& d : kDtypes)
        if (d.type == type) return &d;
    return nullptr;
}

const DtypeInfo* dtypeFor(char kind, size_t itemSize) {
    for (const auto& d : kDtypes)
        if (d.kind == kind && d.itemSize == itemSize) return &d;
    return nullptr;
}

std::string descrOf(const DtypeInfo& d) {
    return std::string(1, d.itemSize == 1 ? '|' : '<') + d.kind + std::to_string(d.itemSize);
}

// Header text comes from the file: keep control bytes and runaway lengths out of error messages.
std::string printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 40))
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (s.size() > 40) out += "...";
    return out;
}

std::string shapeText(std::span<const int64_t> shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? "," : "") + std::to_string(shape[i]);
    return s + "]";
}

// Python's repr of a tuple, as the header holds it.
std::string shapeRepr(std::span<const int64_t> shape) {
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

// Element count and byte size, or nullopt when either overflows. A zero dimension makes the array empty
// however large the others are, as it does in NumPy.
std::optional<uint64_t> byteSize(std::span<const int64_t> shape, size_t itemSize) {
    if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
    uint64_t n = 1;
    for (int64_t d : shape)
        if (d < 0 || __builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) return std::nullopt;
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(itemSize), &n)) return std::nullopt;
    return n;
}

struct NpyHeader {
    const DtypeInfo* dtype = nullptr;
    bool swap = false;
    std::vector<int64_t> shape;
    bool fortranOrder = false;
    uint64_t dataOffset = 0;
    uint64_t dataBytes = 0;
};

// The header is a Python dict literal. Rather than evaluate Python, accept exactly the literals a .npy
// writer produces: string keys in either quote, a string descr, True/False, and a tuple of non-negative
// integers (with Python 2's 'L' suffix), separated by any whitespace, with optional trailing commas.
class HeaderParser {
  public:
    HeaderParser(std::string_view text, const std::string& name) : text_(text), name_(name) {}

    Result<NpyHeader> parse() {
        NpyHeader h;
        bool haveDescr = false, haveOrder = false, haveShape = false;
        skipSpace();
        if (!take('{')) return fail("the header is not a Python dict (expected '{')");
        for (;;) {
            skipSpace();
            if (take('}')) break;
            std::string key;
            if (!parseString(key)) return fail("expected a quoted key or '}'");
            skipSpace();
            if (!take(':')) return fail("expected ':' after '" + printable(key) + "'");
            skipSpace();
            bool* seen = nullptr;
            Status s;
            if (key == "descr") {
                seen = &haveDescr;
                s = parseDescr(h);
            } else if (key == "fortran_order") {
                seen = &haveOrder;
                s = parseBool(h.fortranOrder);
            } else if (key == "shape") {
                seen = &haveShape;
                s = parseShape(h.shape);
            } else {
                return fail("unexpected key '" + printable(key) +
                            "' (a .npy header has only 'descr', 'fortran_order' and 'shape')");
            }
            if (!s) return s;
            if (*seen) return fail("key '" + key + "' appears twice");
            *seen = true;
            skipSpace();
            if (take(',')) continue;
            skipSpace();
            if (take('}')) break;
            return fail("expected ',' or '}' after the value of '" + key + "'");
        }
        skipSpace();
        if (pos_ != text_.size()) return fail("unexpected text after the dict");
        if (!haveDescr || !haveOrder || !haveShape)
            return fail(std::string("the header lacks ") + (!haveDescr   ? "'descr'"
                                                            : !haveOrder ? "'fortran_order'"
                                                                         : "'shape'"));
        return h;
    }

  private:
    Status fail(const std::string& what) const {
        return {ErrorCode::InvalidArgument,
                name_ + ": bad .npy header at character " + std::to_string(pos_) + ": " + what};
    }
    Status failWith(ErrorCode code, const std::string& what) const { return {code, name_ + ": " + what}; }

    void skipSpace() {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }
    bool take(char c) {
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool takeWord(std::string_view word) {
        if (text_.substr(pos_, word.size()) != word) return false;
        const size_t end = pos_ + word.size();
        if (end < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_'))
            return false;
        pos_ = end;
        return true;
    }

    // No escapes: neither keys nor plain dtype strings need them.
    bool parseString(std::string& out) {
        if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) return false;
        const char quote = text_[pos_];
        const size_t end = text_.find(quote, pos_ + 1);
        if (end == std::string_view::npos) return false;
        const std::string_view body = text_.substr(pos_ + 1, end - pos_ - 1);
        if (body.find_first_of("\\\n\r") != std::string_view::npos) return false;
        out.assign(body);
        pos_ = end + 1;
        return true;
    }

    Status parseBool(bool& out) {
        if (takeWord("True")) {
            out = true;
            return Status::ok();
        }
        if (takeWord("False")) {
            out = false;
            return Status::ok();
        }
        return fail("'fortran_order' must be True or False");
    }

    Status parseShape(std::vector<int64_t>& shape) {
        if (!take('(')) return fail("'shape' must be a tuple such as (2, 3)");
        bool comma = false;  // (5) is the integer 5 in Python, not a tuple
        for (;;) {
            skipSpace();
            if (take(')')) break;
            if (!shape.empty() && !comma) return fail("expected ',' or ')' in 'shape'");
            if (take('-')) return fail("'shape' has a negative dimension");
            const size_t start = pos_;
            uint64_t value = 0;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
                const uint64_t digit = static_cast<uint64_t>(text_[pos_] - '0');
                if (value > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - digit) / 10)
                    return fail("a dimension in 'shape' is too large");
                value = value * 10 + digit;
                ++pos_;
            }
            if (pos_ == start) return fail("'shape' must hold only non-negative integers");
            take('L');
            if (shape.size() == kMaxRank)
                return fail("'shape' has more than " + std::to_string(kMaxRank) + " dimensions");
            shape.push_back(static_cast<int64_t>(value));
            skipSpace();
            comma = take(',');
        }
        if (shape.size() == 1 && !comma)
            return fail("'shape' (n) is not a tuple; a 1-D shape is written (n,)");
        return Status::ok();
    }

    Status parseDescr(NpyHeader& h) {
        if (pos_ < text_.size() && text_[pos_] == '[')
            return failWith(ErrorCode::Unsupported, "structured (record) dtypes are not supported");
        if (pos_ < text_.size() && text_[pos_] == '(')
            return failWith(ErrorCode::Unsupported, "sub-array dtypes are not supported");
        std::string descr;
        if (!parseString(descr)) return fail("'descr' must be a dtype string such as '<f4'");
        std::string_view d = descr;
        char order = '=';
        if (!d.empty() && (d[0] == '<' || d[0] == '>' || d[0] == '=' || d[0] == '|')) {
            order = d[0];
            d.remove_prefix(1);
        }
        const auto unsupported = [&](const char* what) {
            return failWith(ErrorCode::Unsupported,
                            "dtype '" + printable(descr) + "' (" + what +
                                ") is not supported; inputs must be bool, int8..int64, uint8..uint64 or "
                                "float16/32/64");
        };
        if (d.empty()) return fail("empty dtype in 'descr'");
        const char kind = d[0];
        switch (kind) {
            case 'O':
                return unsupported("Python objects");
            case 'U':
            case 'S':
            case 'a':
                return unsupported("strings");
            case 'V':
                return unsupported("raw bytes");
            case 'c':
                return unsupported("complex");
            case 'M':
            case 'm':
                return unsupported("datetime");
            case 'b':
            case 'i':
            case 'u':
            case 'f':
                break;
            default:
                return unsupported("unknown kind");
        }
        const std::string_view digits = d.substr(1);
        if (digits.empty() || digits.size() > 2 ||
            !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return unsupported("unknown size");
        size_t itemSize = 0;
        for (char c : digits)
            itemSize = itemSize * 10 + static_cast<size_t>(c - '0');
        h.dtype = dtypeFor(kind, itemSize);
        if (!h.dtype) return unsupported("unknown size");
        h.swap = order == '>' && itemSize > 1;
        return Status::ok();
    }

    std::string_view text_;
    const std::string& name_;
    size_t pos_ = 0;
};

struct Preamble {
    uint64_t headerStart = 0;
    uint64_t headerLength = 0;
};

// Magic, version and header length from the first bytes of the file (12 are enough for every version).
Result<Preamble> parsePreamble(std::span<const uint8_t> head, uint64_t fileSize, const std::string& name) {
    const auto fail = [&](const std::string& what) {
        return Result<Preamble>(ErrorCode::InvalidArgument, name + ": " + what);
    };
    if (head.size() < 8 || std::memcmp(head.data(), kMagic, sizeof kMagic) != 0)
        return fail("not a .npy file (no \\x93NUMPY magic)");
    const int major = head[6], minor = head[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return Result<Preamble>(ErrorCode::Unsupported,
                                name + ": .npy format version " + std::to_string(major) + "." +
                                    std::to_string(minor) + " is not supported (only 1.0, 2.0 and 3.0)");
    const size_t lengthBytes = major == 1 ? 2 : 4;
    if (head.size() < 8 + lengthBytes) return fail("the file ends inside the .npy header length");
    Preamble p;
    p.headerStart = 8 + lengthBytes;
    for (size_t i = 0; i < lengthBytes; ++i)
        p.headerLength |= static_cast<uint64_t>(head[8 + i]) << (8 * i);
    if (p.headerLength > fileSize - p.headerStart)
        return fail("the .npy header claims " + std::to_string(p.headerLength) +
                    " bytes, but the file has only " + std::to_string(fileSize - p.headerStart) +
                    " after the header length");
    return p;
}

// Parses the header text and checks the data that follows it is exactly as long as the header says.
Result<NpyHeader> parseHeader(std::string_view text, const Preamble& p, uint64_t fileSize,
                              const std::string& name) {
    auto header = HeaderParser(text, name).parse();
    if (!header) return header;
    const auto fail = [&](const std::string& what) {
        return Result<NpyHeader>(ErrorCode::InvalidArgument, name + ": " + what);
    };
    const auto bytes = byteSize(header->shape, header->dtype->itemSize);
    if (!bytes)
        return fail("shape " + shapeText(header->shape) + " of " + header->dtype->numpyName +
                    " has too many elements");
    header->dataOffset = p.headerStart + p.headerLength;
    header->dataBytes = *bytes;
    const uint64_t available = fileSize - header->dataOffset;
    if (available != *bytes)
        return fail("shape " + shapeText(header->shape) + " of " + header->dtype->numpyName + " expects " +
                    std::to_string(*bytes) + " bytes of data, has " + std::to_string(available));
    return header;
}

void swapBytes(std::vector<uint8_t>& data, size_t itemSize) {
    for (size_t i = 0; i + itemSize <= data.size(); i += itemSize)
        std::reverse(data.begin() + static_cast<std::ptrdiff_t>(i),
                     data.begin() + static_cast<std::ptrdiff_t>(i + itemSize));
}

// Fortran order stores the first index fastest. Walk the file's elements in that order while keeping the
// matching C-order offset, so each element is written once to its C position.
std::vector<uint8_t> fortranToC(const std::vector<uint8_t>& src, std::span<const int64_t> shape,
                                size_t itemSize) {
    std::vector<uint8_t> dst(src.size());
    const size_t rank = shape.size();
    std::vector<uint64_t> stride(rank), index(rank, 0);
    uint64_t s = itemSize;
    for (size_t k = rank; k-- > 0;) {
        stride[k] = s;
        s *= static_cast<uint64_t>(shape[k]);
    }
    uint64_t offset = 0;
    for (size_t from = 0; from < src.size(); from += itemSize) {
        std::memcpy(dst.data() + offset, src.data() + from, itemSize);
        for (size_t k = 0; k < rank; ++k) {
            offset += stride[k];
            if (++index[k] < static_cast<uint64_t>(shape[k])) break;
            offset -= stride[k] * index[k];
            index[k] = 0;
        }
    }
    return dst;
}

Result<NpyArray> finish(const NpyHeader& h, std::vector<uint8_t> data, const std::string& name) {
    NpyArray a;
    a.dtype = descrOf(*h.dtype);
    a.type = h.dtype->type;
    a.shape = h.shape;
    a.fortranOrder = h.fortranOrder;
    if (h.swap) swapBytes(data, h.dtype->itemSize);
    if (h.dtype->type == TensorType::Bool) {
        // Kernels read bools as bytes that are 0 or 1; anything else would be a different value per kernel.
        const auto bad = std::find_if(data.begin(), data.end(), [](uint8_t b) { return b > 1; });
        if (bad != data.end())
            return Result<NpyArray>(ErrorCode::InvalidArgument,
                                    name + ": bool element " + std::to_string(bad - data.begin()) +
                                        " holds byte " + std::to_string(*bad) + ", not 0 or 1");
    }
    if (h.fortranOrder && h.shape.size() > 1 && !data.empty())
        a.data = fortranToC(data, h.shape, h.dtype->itemSize);
    else
        a.data = std::move(data);
    return a;
}

bool readExactly(std::ifstream& in, uint8_t* to, uint64_t bytes) {
    return bytes == 0 ||
           static_cast<bool>(in.read(reinterpret_cast<char*>(to), static_cast<std::streamsize>(bytes)));
}

}  // namespace

Result<NpyArray> parseNpy(std::span<const uint8_t> bytes, const std::string& name) {
    auto preamble = parsePreamble(bytes.first(std::min<size_t>(bytes.size(), 12)), bytes.size(), name);
    if (!preamble) return preamble.status();
    const auto text = bytes.subspan(static_cast<size_t>(preamble->headerStart),
                                    static_cast<size_t>(preamble->headerLength));
    auto header =
        parseHeader({reinterpret_cast<const char*>(text.data()), text.size()}, *preamble, bytes.size(), name);
    if (!header) return header.status();
    const auto data = bytes.subspan(static_cast<size_t>(header->dataOffset));
    return finish(*header, std::vector<uint8_t>(data.begin(), data.end()), name);
}

Result<NpyArray> readNpy(const std::string& path) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) return Result<NpyArray>(ErrorCode::Io, path + ": " + ec.message());
    std::ifstream in(path, std::ios::binary);
    if (!in) return Result<NpyArray>(ErrorCode::Io, path + ": cannot open");
    const auto cannotRead = [&] { return Result<NpyArray>(ErrorCode::Io, path + ": cannot read"); };
    // Piece by piece, so that each buffer is sized by a length already checked against the file size rather
    // than by whatever the file claims, and the data is read once, straight into the array.
    std::vector<uint8_t> head(static_cast<size_t>(std::min<uint64_t>(size, 12)));
    if (!readExactly(in, head.data(), head.size())) return cannotRead();
    auto preamble = parsePreamble(head, size, path);
    if (!preamble) return preamble.status();
    std::string text(static_cast<size_t>(preamble->headerLength), '\0');
    in.seekg(static_cast<std::streamoff>(preamble->headerStart));
    if (!readExactly(in, reinterpret_cast<uint8_t*>(text.data()), text.size())) return cannotRead();
    auto header = parseHeader(text, *preamble, size, path);
    if (!header) return header.status();
    std::vector<uint8_t> data(static_cast<size_t>(header->dataBytes));
    in.seekg(static_cast<std::streamoff>(header->dataOffset));
    if (!readExactly(in, data.data(), data.size())) return cannotRead();
    return finish(*header, std::move(data), path);
}

Status writeNpy(const std::string& path, TensorType type, std::span<const int64_t> shape,
                std::span<const uint8_t> data) {
    const DtypeInfo* d = dtypeForType(type);
    if (!d)
        return {ErrorCode::Unsupported,
                path + ": " + std::string(tensorTypeName(type)) + " tensors cannot be written as .npy"};
    const auto bytes = byteSize(shape, d->itemSize);
    if (!bytes) return {ErrorCode::InvalidArgument, path + ": invalid shape " + shapeText(shape)};
    if (*bytes != data.size())
        return {ErrorCode::InvalidArgument, path + ": shape " + shapeText(shape) + " of " + d->numpyName +
                                                " needs " + std::to_string(*bytes) + " bytes, got " +
                                                std::to_string(data.size())};
    std::string header =
        "{'descr': '" + descrOf(*d) + "', 'fortran_order': False, 'shape': " + shapeRepr(shape) + ", }";
    if (!shape.empty()) header.append(kGrowthAxisMaxDigits - std::to_string(shape[0]).size(), ' ');
    // As NumPy computes it: always at least one space, a whole block of 64 when the text already fits.
    const size_t pad = kArrayAlign - (10 + header.size() + 1) % kArrayAlign;
    header.append(pad, ' ');
    header += '\n';
    if (header.size() > 0xffff) return {ErrorCode::InvalidArgument, path + ": .npy header too long"};
    std::string prefix(reinterpret_cast<const char*>(kMagic), sizeof kMagic);
    prefix += '\x01';
    prefix += '\x00';
    prefix += static_cast<char>(header.size() & 0xff);
    prefix += static_cast<char>(header.size() >> 8);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return {ErrorCode::Io, path + ": cannot create"};
    out.write(prefix.data(), static_cast<std::streamsize>(prefix.size()));
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    out.close();
    return out ? Status::ok() : Status(ErrorCode::Io, path + ": cannot write");
}

Status copyNpyToTensor(const NpyArray& array, RuntimeTensor& tensor, const std::string& inputName) {
    const DtypeInfo* d = dtypeForType(array.type);
    const std::string fileType = d ? d->numpyName : std::string(tensorTypeName(array.type));
    const std::string mismatch = "input '" + inputName + "' is " + std::string(tensorTypeName(tensor.type)) +
                                 " " + tensor.shape.toString() + ", the file holds " + fileType + " " +
                                 shapeText(array.shape);
    if (tensor.type == TensorType::String)
        return {ErrorCode::Unsupported,
                "input '" + inputName + "' is STRING: use a packed .bin file, not .npy"};
    if (array.type != tensor.type) return {ErrorCode::InvalidArgument, mismatch};
    const auto dims = tensor.shape.dims();
    const auto same = [](std::span<const int64_t> a, std::span<const int32_t> b) {
        return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                          [](int64_t x, int32_t y) { return x == static_cast<int64_t>(y); });
    };
    const std::span<const int64_t> fileDims(array.shape);
    const bool matches = same(fileDims, dims) ||
                         (!fileDims.empty() && fileDims[0] == 1 && same(fileDims.subspan(1), dims)) ||
                         (!dims.empty() && dims[0] == 1 && same(fileDims, dims.subspan(1)));
    if (!matches)
        return {ErrorCode::InvalidArgument,
                mismatch + " (only a leading batch dimension of 1 may be left out or added)"};
    if (array.data.size() != tensor.bytes || (tensor.data == nullptr && tensor.bytes > 0))
        return {ErrorCode::Runtime, "input '" + inputName + "' has " + std::to_string(tensor.bytes) +
                                        " bytes of memory for " + std::to_string(array.data.size()) +
                                        " bytes of data"};
    if (!array.data.empty()) std::memcpy(tensor.data, array.data.data(), array.data.size());
    return Status::ok();
}

}  // namespace litescope
