// NumPy .npy files as model inputs and dumped outputs: a strict reader for format versions 1.0, 2.0 and 3.0
// of numeric arrays, a writer that lays files out byte for byte as numpy.save does, and the check against a
// tensor.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/runtime_tensor.h"
#include "runtime/status.h"
#include "runtime/tensor_type.h"

namespace litescope {

// An array as read: always little-endian and C order, whatever the file held. Big-endian files ('>f4') are
// byte-swapped and `dtype` then names the swapped form ("<f4"); Fortran-order files are transposed into C
// order and `fortranOrder` records that the file was laid out that way. Only bool, int8..64, uint8..64 and
// float16/32/64 are read: object, string, unicode, complex, datetime and structured dtypes are rejected.
struct NpyArray {
    std::string dtype;  // "<f4", "|u1", "|b1", ...
    TensorType type = TensorType::Float32;
    std::vector<int64_t> shape;  // () is a scalar holding one element
    bool fortranOrder = false;
    std::vector<uint8_t> data;  // little-endian, C order
};

// The data must be exactly the shape's element count times the item size: trailing bytes are an error
// too (NumPy ignores them), since they usually mean the file is not what the user thinks it is. Nothing
// is allocated beyond the file's own size before the header has been checked against it.
Result<NpyArray> readNpy(const std::string& path);
// `name` is what error messages call the bytes (a path, "input 'x'").
Result<NpyArray> parseNpy(std::span<const uint8_t> bytes, const std::string& name);

// Version 1.0, keys sorted, header padded with spaces and a final '\n' so that the data starts on a 64-byte
// boundary, exactly as numpy.save writes it. Only the types NpyArray can hold are written.
Status writeNpy(const std::string& path, TensorType type, std::span<const int64_t> shape,
                std::span<const uint8_t> data);

// The array's type must be the tensor's type: nothing is converted (a float file for an INT8 input is an
// error, not a quantization). The shapes must agree dimension by dimension, except that a leading batch
// dimension of 1 may be missing from or extra in the file ([96,96,3] feeds [1,96,96,3] and vice versa):
// the element order is the same, so the bytes are copied as they are.
Status copyNpyToTensor(const NpyArray& array, RuntimeTensor& tensor, const std::string& inputName);

}  // namespace litescope
