// .npy reading and writing against bytes laid out by hand as NumPy writes them: the exact 1.0 header, round
// trips for every supported dtype, versions 2.0 and 3.0, and the files that must be refused with a clear
// message (truncated, garbage, overflowing, unsupported dtypes) rather than crash or over-allocate.
#include "profiler/npy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace litescope::test {
namespace {

using Bytes = std::vector<uint8_t>;

// One folder per test process, removed at exit.
const std::filesystem::path& tempDir() {
    struct Folder {
        std::filesystem::path path =
            std::filesystem::temp_directory_path() / ("litescope_npy_test_" + std::to_string(::getpid()));
        Folder() { std::filesystem::create_directories(path); }
        ~Folder() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    };
    static const Folder folder;
    return folder.path;
}

std::string tempPath(const std::string& name) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return (tempDir() / (std::string(info->name()) + "_" + name)).string();
}

Bytes readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

void writeAll(const std::string& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

Bytes text(const std::string& s) {
    return Bytes(s.begin(), s.end());
}

template <typename T>
Bytes toBytes(const std::vector<T>& values) {
    Bytes b(values.size() * sizeof(T));
    if (!b.empty()) std::memcpy(b.data(), values.data(), b.size());
    return b;
}

// A file with a version 1.0 or 2.0+ prefix around `dict`, padded to 64 bytes as NumPy pads it.
Bytes npyFile(const std::string& dict, const Bytes& data, int major = 1) {
    const size_t prefix = major == 1 ? 10 : 12;
    std::string header = dict;
    header.append(64 - (prefix + header.size() + 1) % 64, ' ');
    header += '\n';
    Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
    for (size_t i = 0; i < prefix - 8; ++i)
        b.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
    b.insert(b.end(), header.begin(), header.end());
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

Result<NpyArray> parse(const Bytes& b) {
    return parseNpy(b, "test.npy");
}

RuntimeTensor makeTensor(TensorType type, Shape shape, AlignedBytes& storage) {
    RuntimeTensor t;
    t.type = type;
    t.shape = shape;
    t.bytes = static_cast<size_t>(tensorBytes(type, shape));
    storage = allocateAligned(std::max<size_t>(t.bytes, 64));
    t.data = storage.get();
    t.allocation = Allocation::Arena;
    return t;
}

const std::vector<float> kSix = {0.f, 1.f, 2.f, 3.f, 4.f, 5.f};

TEST(Npy, WritesTheExactHeaderNumPyWrites) {
    // np.save of np.arange(6, dtype=np.float32).reshape(2, 3): magic, version 1.0, header length 0x76 = 118,
    // so that 10 + 118 = 128 is a multiple of 64 (ARRAY_ALIGN, 64 since NumPy 1.14; 16 before), then the
    // dict with sorted keys, spaces and a final '\n'. NumPy >= 1.23 also reserves 21 - len("2") spaces for
    // the growing axis; here the 128-byte total is the same with or without them.
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    std::string expected = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict;
    expected.append(127 - expected.size(), ' ');
    expected += '\n';
    const Bytes data = toBytes(kSix);
    Bytes file = text(expected);
    file.insert(file.end(), data.begin(), data.end());

    const std::string path = tempPath("a.npy");
    const std::vector<int64_t> shape = {2, 3};
    ASSERT_TRUE(writeNpy(path, TensorType::Float32, shape, data));
    const Bytes written = readAll(path);
    ASSERT_EQ(written.size(), 128u + 24u);
    EXPECT_EQ(written, file);

    auto a = parse(file);
    ASSERT_TRUE(a) << a.message();
    EXPECT_EQ(a->dtype, "<f4");
    EXPECT_EQ(a->type, TensorType::Float32);
    EXPECT_EQ(a->shape, shape);
    EXPECT_FALSE(a->fortranOrder);
    EXPECT_EQ(a->data, data);
}

TEST(Npy, PadsAFullBlockWhenTheTextAlreadyEndsOnABoundary) {
    // NumPy pads with 64 - (10 + len + 1) % 64 spaces: never zero, so text that would end exactly on a
    // boundary gets a whole block more. Here the dict plus the 20 growth spaces for shape[0] = 1 is 117
    // characters: 10 + 117 + 1 = 128, so 64 spaces follow and the data starts at 192.
    const std::string path = tempPath("b.npy");
    const std::vector<int64_t> shape = {1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 100000000000};
    ASSERT_TRUE(writeNpy(path, TensorType::UInt8, shape, {}));
    const Bytes written = readAll(path);
    ASSERT_EQ(written.size(), 192u);
    EXPECT_EQ(written[8] | (written[9] << 8), 182);
    EXPECT_EQ(std::string(written.begin() + 127, written.begin() + 191), std::string(64, ' '));
    EXPECT_EQ(written[191], '\n');
    auto a = readNpy(path);
    ASSERT_TRUE(a) << a.message();
    EXPECT_EQ(a->shape, shape);
}

template <typename T>
void roundTrip(TensorType type, const std::string& descr, std::vector<int64_t> shape, std::vector<T> values) {
    SCOPED_TRACE(descr + " " + std::to_string(shape.size()) + "-D");
    const std::string path = tempPath(descr.substr(1) + "_" + std::to_string(shape.size()) + ".npy");
    const Bytes data = toBytes(values);
    ASSERT_TRUE(writeNpy(path, type, shape, data));
    const Bytes file = readAll(path);
    const size_t headerEnd = 10 + static_cast<size_t>(file[8] | (file[9] << 8));
    EXPECT_EQ(headerEnd % 64, 0u);
    EXPECT_EQ(file[headerEnd - 1], '\n');
    auto a = readNpy(path);
    ASSERT_TRUE(a) << a.message();
    EXPECT_EQ(a->dtype, descr);
    EXPECT_EQ(a->type, type);
    EXPECT_EQ(a->shape, shape);
    EXPECT_EQ(a->data, data);
}

TEST(Npy, RoundTripsEveryDtypeAndShape) {
    roundTrip<uint8_t>(TensorType::Bool, "|b1", {5}, {1, 0, 0, 1, 1});
    roundTrip<int8_t>(TensorType::Int8, "|i1", {}, {-7});
    roundTrip<uint8_t>(TensorType::UInt8, "|u1", {2, 2}, {0, 1, 254, 255});
    roundTrip<int16_t>(TensorType::Int16, "<i2", {5}, {-300, 0, 1, 2, 32767});
    roundTrip<uint16_t>(TensorType::UInt16, "<u2", {1, 3}, {1, 2, 65535});
    roundTrip<int32_t>(TensorType::Int32, "<i4", {}, {-123456});
    roundTrip<uint32_t>(TensorType::UInt32, "<u4", {5}, {0, 1, 2, 3, 4000000000u});
    roundTrip<int64_t>(TensorType::Int64, "<i8", {1, 1, 2}, {-1, int64_t{1} << 40});
    roundTrip<uint64_t>(TensorType::UInt64, "<u8", {1}, {~uint64_t{0}});
    roundTrip<uint16_t>(TensorType::Float16, "<f2", {2}, {0x3c00, 0xc000});
    roundTrip<float>(TensorType::Float32, "<f4", {}, {3.5f});
    roundTrip<float>(TensorType::Float32, "<f4", {5}, {0.f, -1.f, 2.5f, 1e30f, -0.f});
    roundTrip<double>(TensorType::Float64, "<f8", {2, 1, 3}, {1, 2, 3, 4, 5, 6});
    roundTrip<float>(TensorType::Float32, "<f4", {0, 3}, {});
}

TEST(Npy, WriteRefusesWhatItCannotRepresent) {
    const std::vector<int64_t> shape = {2, 3};
    const Bytes data(20);
    auto s = writeNpy(tempPath("x.npy"), TensorType::Float32, shape, data);
    EXPECT_FALSE(s);
    EXPECT_NE(s.message().find("needs 24 bytes, got 20"), std::string::npos) << s.message();
    s = writeNpy(tempPath("y.npy"), TensorType::String, shape, data);
    EXPECT_EQ(s.code(), ErrorCode::Unsupported);
    const std::vector<int64_t> negative = {-1};
    EXPECT_FALSE(writeNpy(tempPath("z.npy"), TensorType::UInt8, negative, data));
}

TEST(Npy, ReadsVersions2And3AndLenientSpelling) {
    const Bytes data = toBytes(kSix);
    // Keys in any order, double quotes, no trailing comma, extra spaces and a Python 2 'L' suffix.
    const std::string dict = "{ \"shape\" : (2L,3L) ,'fortran_order':False,  'descr' : '<f4' }";
    for (int major : {1, 2, 3}) {
        auto a = parse(npyFile(dict, data, major));
        ASSERT_TRUE(a) << major << ": " << a.message();
        EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
        EXPECT_EQ(a->data, data);
    }
    // Native order and NumPy's '|' on multi-byte types both read as little-endian here.
    EXPECT_TRUE(parse(npyFile("{'descr': '=f4', 'fortran_order': False, 'shape': (6,), }", data)));
    EXPECT_TRUE(parse(npyFile("{'descr': 'f4', 'fortran_order': False, 'shape': (6,), }", data)));
    // Scalars and empty arrays: () holds one element, (0,) none.
    auto scalar =
        parse(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", toBytes(std::vector{2.f})));
    ASSERT_TRUE(scalar) << scalar.message();
    EXPECT_TRUE(scalar->shape.empty());
    EXPECT_TRUE(parse(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", {})));
}

TEST(Npy, RefusesUnknownVersionsAndMagic) {
    Bytes b = npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", toBytes(kSix));
    b[6] = 4;
    auto a = parse(b);
    EXPECT_EQ(a.code(), ErrorCode::Unsupported);
    EXPECT_NE(a.message().find("version 4.0"), std::string::npos) << a.message();
    b[6] = 1;
    b[0] = 'x';
    a = parse(b);
    EXPECT_NE(a.message().find("not a .npy file"), std::string::npos) << a.message();
    for (size_t n : {0, 5, 8, 9}) {
        a = parse(Bytes(b.begin() + 1, b.begin() + 1 + static_cast<long>(n)));
        EXPECT_FALSE(a) << n;
    }
}

TEST(Npy, RefusesGarbageHeaders) {
    const Bytes data = toBytes(kSix);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"hello world", "not a Python dict"},
        {"{'descr': '<f4', 'fortran_order': False}", "lacks 'shape'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1}", "unexpected key 'extra'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", "appears twice"},
        {"{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}", "True or False"},
        {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (6,)}", "True or False"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6)}", "not a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': [6]}", "must be a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)}", "expected ',' or ')'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-6,)}", "negative"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6.0,)}", "expected ',' or ')'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} junk", "after the dict"},
        {"{'descr': '<f4' 'fortran_order': False, 'shape': (6,)}", "expected ',' or '}'"},
        {"{'descr: '<f4', 'fortran_order': False, 'shape': (6,)}", "expected ':'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,)",
         "expected ',' or '}' after the value of 'shape'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), ", "expected a quoted key or '}'"},
        {"{'descr': f4, 'fortran_order': False, 'shape': (6,)}", "dtype string"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "too large"},
    };
    for (const auto& [dict, expected] : cases) {
        auto a = parse(npyFile(dict, data));
        ASSERT_FALSE(a) << dict;
        EXPECT_NE(a.message().find(expected), std::string::npos) << dict << " -> " << a.message();
        EXPECT_EQ(a.message().rfind("test.npy: ", 0), 0u) << a.message();
    }
}

TEST(Npy, RefusesUnsupportedDtypes) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"'|O'", "Python objects"},     {"'<U5'", "strings"},
        {"'|S3'", "strings"},           {"'|V4'", "raw bytes"},
        {"'<c8'", "complex"},           {"'<M8[ns]'", "datetime"},
        {"'<f16'", "unknown size"},     {"'<i3'", "unknown size"},
        {"'<x4'", "unknown kind"},      {"[('a', '<f4'), ('b', '<i4')]", "structured"},
        {"('<f4', (2,))", "sub-array"},
    };
    for (const auto& [descr, expected] : cases) {
        auto a =
            parse(npyFile("{'descr': " + descr + ", 'fortran_order': False, 'shape': (1,), }", Bytes(8)));
        ASSERT_FALSE(a) << descr;
        EXPECT_EQ(a.code(), ErrorCode::Unsupported) << descr << " -> " << a.message();
        EXPECT_NE(a.message().find(expected), std::string::npos) << descr << " -> " << a.message();
    }
}

TEST(Npy, DataMustBeExactlyAsLongAsTheShapeSays) {
    const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    Bytes data = toBytes(kSix);
    data.resize(20);
    auto a = parse(npyFile(dict, data));
    ASSERT_FALSE(a);
    EXPECT_EQ(a.message(), "test.npy: shape [2,3] of float32 expects 24 bytes of data, has 20");
    data.resize(28);
    a = parse(npyFile(dict, data));
    EXPECT_NE(a.message().find("expects 24 bytes of data, has 28"), std::string::npos) << a.message();

    const std::string path = tempPath("short.npy");
    data.resize(20);
    writeAll(path, npyFile(dict, data));
    a = readNpy(path);
    EXPECT_EQ(a.message(), path + ": shape [2,3] of float32 expects 24 bytes of data, has 20");
}

TEST(Npy, HeaderLengthPastTheEndIsRefused) {
    Bytes b = npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", toBytes(kSix));
    b[8] = 0xff;
    b[9] = 0xff;
    auto a = parse(b);
    ASSERT_FALSE(a);
    EXPECT_NE(a.message().find("header claims 65535 bytes"), std::string::npos) << a.message();

    // Version 2.0's 4-byte length near 4 GiB must be refused from the file size, not allocated.
    Bytes v2 = npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", toBytes(kSix), 2);
    v2[8] = v2[9] = v2[10] = v2[11] = 0xff;
    const std::string path = tempPath("long.npy");
    writeAll(path, v2);
    a = readNpy(path);
    ASSERT_FALSE(a);
    EXPECT_NE(a.message().find("header claims 4294967295 bytes"), std::string::npos) << a.message();
}

TEST(Npy, HugeShapesAreRefusedWithoutAllocating) {
    for (const std::string shape : {"(4294967296, 4294967296, 16)", "(9223372036854775807, 2)",
                                    "(4611686018427387904,)", "(3037000500, 3037000500)"}) {
        auto a =
            parse(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }", Bytes(16)));
        ASSERT_FALSE(a) << shape;
        EXPECT_TRUE(a.message().find("too many elements") != std::string::npos ||
                    a.message().find("bytes of data, has 16") != std::string::npos)
            << shape << " -> " << a.message();
    }
    auto a = parse(npyFile(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }", Bytes(16)));
    EXPECT_NE(a.message().find("too many elements"), std::string::npos) << a.message();
    // A zero dimension makes the array empty however large the others are, as in NumPy.
    a = parse(
        npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 9223372036854775807, 4), }", {}));
    ASSERT_TRUE(a) << a.message();
    EXPECT_TRUE(a->data.empty());
}

TEST(Npy, FortranOrderIsTransposedToC) {
    // np.asfortranarray(np.arange(6).reshape(2, 3)) is stored column by column: 0 3 1 4 2 5.
    auto a = parse(npyFile("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }",
                           toBytes(std::vector<int32_t>{0, 3, 1, 4, 2, 5})));
    ASSERT_TRUE(a) << a.message();
    EXPECT_TRUE(a->fortranOrder);
    EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(a->data, toBytes(std::vector<int32_t>{0, 1, 2, 3, 4, 5}));

    // Three dimensions: element (i, j, k) of C value 100i + 10j + k sits at i + 2j + 6k in Fortran order.
    std::vector<int16_t> fortran(2 * 3 * 4), c(2 * 3 * 4);
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 4; ++k) {
                const auto v = static_cast<int16_t>(100 * i + 10 * j + k);
                fortran[static_cast<size_t>(i + 2 * j + 6 * k)] = v;
                c[static_cast<size_t>((i * 3 + j) * 4 + k)] = v;
            }
    a = parse(npyFile("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3, 4), }", toBytes(fortran)));
    ASSERT_TRUE(a) << a.message();
    EXPECT_EQ(a->data, toBytes(c));

    // 1-D and scalar arrays are the same in both orders.
    a = parse(npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (6,), }", toBytes(kSix)));
    ASSERT_TRUE(a) << a.message();
    EXPECT_EQ(a->data, toBytes(kSix));
}

TEST(Npy, BigEndianIsSwapped) {
    auto a = parse(npyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                           {0x3f, 0x80, 0x00, 0x00, 0xc0, 0x20, 0x00, 0x00}));
    ASSERT_TRUE(a) << a.message();
    EXPECT_EQ(a->dtype, "<f4");
    EXPECT_EQ(a->data, toBytes(std::vector<float>{1.f, -2.5f}));

    a = parse(npyFile("{'descr': '>i2', 'fortran_order': False, 'shape': (1,), }", {0xff, 0xfe}));
    ASSERT_TRUE(a) << a.message();
    EXPECT_EQ(a->data, toBytes(std::vector<int16_t>{-2}));

    a = parse(npyFile("{'descr': '>u8', 'fortran_order': False, 'shape': (1,), }", {1, 2, 3, 4, 5, 6, 7, 8}));
    ASSERT_TRUE(a) << a.message();
    EXPECT_EQ(a->data, toBytes(std::vector<uint64_t>{0x0102030405060708ull}));

    // Byte order means nothing for one-byte items.
    a = parse(npyFile("{'descr': '>i1', 'fortran_order': False, 'shape': (2,), }", {0x80, 0x7f}));
    ASSERT_TRUE(a) << a.message();
    EXPECT_EQ(a->dtype, "|i1");
    EXPECT_EQ(a->data, (Bytes{0x80, 0x7f}));
}

TEST(Npy, BoolsMustBeZeroOrOne) {
    auto a = parse(npyFile("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", {0, 1, 2}));
    ASSERT_FALSE(a);
    EXPECT_NE(a.message().find("bool element 2 holds byte 2"), std::string::npos) << a.message();
}

TEST(Npy, MissingFileIsAnIoError) {
    auto a = readNpy(tempPath("does_not_exist.npy"));
    EXPECT_EQ(a.code(), ErrorCode::Io);
}

TEST(Npy, CopiesIntoAMatchingTensor) {
    AlignedBytes storage;
    RuntimeTensor t = makeTensor(TensorType::Float32, {1, 2, 3}, storage);
    for (const std::string shape : {"(1, 2, 3)", "(2, 3)"}) {
        std::memset(t.data, 0, t.bytes);
        auto a = parse(
            npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }", toBytes(kSix)));
        ASSERT_TRUE(a) << a.message();
        ASSERT_TRUE(copyNpyToTensor(*a, t, "x")) << shape;
        EXPECT_EQ(std::vector<float>(t.as<float>(), t.as<float>() + 6), kSix);
    }
    // An extra leading 1 in the file is accepted too.
    RuntimeTensor flat = makeTensor(TensorType::Float32, {6}, storage);
    auto a = parse(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 6), }", toBytes(kSix)));
    ASSERT_TRUE(a);
    EXPECT_TRUE(copyNpyToTensor(*a, flat, "x"));
}

TEST(Npy, RefusesAWrongShapeOrDtype) {
    AlignedBytes storage;
    RuntimeTensor t = makeTensor(TensorType::Int8, {1, 96, 96, 3}, storage);
    auto a = parse(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 96, 96, 3), }",
                           Bytes(96 * 96 * 3 * 4)));
    ASSERT_TRUE(a) << a.message();
    auto s = copyNpyToTensor(*a, t, "x");
    EXPECT_EQ(s.message(), "input 'x' is INT8 [1,96,96,3], the file holds float32 [1,96,96,3]");

    // Same number of elements, different layout: not accepted.
    a = parse(
        npyFile("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 96, 3, 96), }", Bytes(96 * 96 * 3)));
    ASSERT_TRUE(a) << a.message();
    s = copyNpyToTensor(*a, t, "x");
    EXPECT_EQ(
        s.message(),
        "input 'x' is INT8 [1,96,96,3], the file holds int8 [1,96,3,96] (only a leading batch dimension of 1 "
        "may be left out or added)");

    // Only a batch dimension of exactly 1 may differ.
    a = parse(npyFile("{'descr': '|i1', 'fortran_order': False, 'shape': (2, 96, 96, 3), }",
                      Bytes(2 * 96 * 96 * 3)));
    ASSERT_TRUE(a) << a.message();
    EXPECT_FALSE(copyNpyToTensor(*a, t, "x"));

    RuntimeTensor strings;
    strings.type = TensorType::String;
    EXPECT_EQ(copyNpyToTensor(*a, strings, "s").code(), ErrorCode::Unsupported);
}

TEST(Npy, NoPrefixOrCorruptionCrashes) {
    // Every truncation and every single-byte change of a valid file must parse or fail cleanly.
    const Bytes good = npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", toBytes(kSix));
    for (size_t n = 0; n < good.size(); ++n)
        EXPECT_FALSE(parse(Bytes(good.begin(), good.begin() + static_cast<long>(n)))) << n;
    for (size_t i = 0; i < 128; ++i)
        for (uint8_t v : {0x00, 0x01, 0x20, 0x27, 0x28, 0x29, 0x2c, 0x31, 0x39, 0x7d, 0xff}) {
            Bytes b = good;
            b[i] = v;
            (void)parse(b);
        }
}

}  // namespace
}  // namespace litescope::test
