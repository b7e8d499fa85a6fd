// Feeding and reading a running model: deterministic inputs, raw input files, output summaries, and the
// comparison with reference outputs laid out like ../shared/golden (manifest.json, input_K.bin,
// output_K.bin).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/runtime_tensor.h"
#include "runtime/status.h"

namespace litescope {

class Interpreter;

// Fills input `k` the way the reference outputs were made: a splitmix64 stream seeded with
// seed*1000003 + k; floats uniform in [lo, hi), 8/16-bit integers over their full range, 32/64-bit integers
// in [intLo, intHi], bools from the low bit.
struct RandomInputOptions {
    uint64_t seed = 1;
    double floatLo = -1, floatHi = 1;
    int64_t intLo = 0, intHi = 15;
};
Status fillDeterministic(RuntimeTensor& tensor, int k, const RandomInputOptions& options = {});

// STRING tensors: TFLite's packed layout (int32 count N, N+1 int32 offsets from the buffer start, bytes),
// checked before it is stored in the tensor's own buffer.
Status setPackedStrings(RuntimeTensor& tensor, const std::vector<uint8_t>& packed);
Status setStrings(RuntimeTensor& tensor, const std::vector<std::string>& strings);

// Reads raw little-endian bytes that must be exactly the tensor's size (a packed buffer for STRING).
Status readRawInput(RuntimeTensor& tensor, const std::string& path, const std::string& what);
Status writeRawOutput(const RuntimeTensor& tensor, const std::string& path);

struct OutputSummary {
    double min = 0, max = 0, mean = 0;
    int64_t nonFinite = 0;
    std::vector<std::pair<int64_t, double>> top;  // index, value: for classifier-shaped outputs
};
OutputSummary summarizeOutput(const RuntimeTensor& tensor, size_t topK = 5);

// How an output compares with its reference: integers must match exactly, floats within
// 1e-4 x max(1, max |reference|) element by element (../shared/golden/README.md).
struct OutputCheck {
    bool withinTolerance = false;
    bool shapeMatches = true;
    double maxAbsDiff = 0;
    double tolerance = 0;
    int64_t mismatches = 0;  // elements outside the tolerance (or differing, for integers)
    int64_t firstMismatch = -1;
    int64_t withinIntegerTolerance = 0;  // integer elements that differ, but by no more than allowed
    int64_t firstDiffering = -1;         // the first integer element that differs at all
    std::string note;                    // why it could not be compared, when it could not
};
// `integerTolerance`: how far integer elements may be from the reference (0: identical; 1 for outputs of a
// delegate that rounds its own way, such as XNNPACK's quantized kernels).
OutputCheck compareOutput(const RuntimeTensor& tensor, const std::vector<uint8_t>& reference,
                          const std::vector<int32_t>& referenceShape, int64_t integerTolerance = 0);

// The SignatureDef named `key`, or null for an empty key (run subgraph 0). An unknown key is an
// InvalidArgument error that lists the model's signatures.
Result<const SignatureDef*> signatureNamed(const Interpreter& interpreter, const std::string& key);

Result<std::vector<uint8_t>> readFileBytes(const std::string& path, uint64_t maxBytes = uint64_t{1} << 34);

}  // namespace litescope
