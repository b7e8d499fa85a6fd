// TFLite model metadata (the "TFLITE_METADATA" buffer written by TFLite Support's metadata writers) and
// the associated files (labels, vocabularies) zipped after the model, read into plain structs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace litescope {

struct AssociatedFileInfo {
    std::string name;
    std::string description;
    std::string type;  // TENSOR_AXIS_LABELS, VOCABULARY, ...
    std::string locale;
};

struct TensorMetadataInfo {
    std::string name;
    std::string description;
    std::string content;      // "image (RGB)", "feature", "bounding box", "audio", ...
    std::vector<float> mean;  // NormalizationOptions: real = (x - mean) / std
    std::vector<float> std;
    std::vector<float> statsMin;
    std::vector<float> statsMax;
    std::vector<AssociatedFileInfo> associatedFiles;
};

struct SubgraphMetadataInfo {
    std::string name;
    std::string description;
    std::vector<TensorMetadataInfo> inputs;
    std::vector<TensorMetadataInfo> outputs;
    std::vector<AssociatedFileInfo> associatedFiles;
};

struct ModelMetadataInfo {
    std::string name;
    std::string description;
    std::string version;
    std::string author;
    std::string license;
    std::string minParserVersion;
    std::vector<SubgraphMetadataInfo> subgraphs;
    std::vector<AssociatedFileInfo> associatedFiles;

    // Every associated file named anywhere in the metadata.
    std::vector<AssociatedFileInfo> allAssociatedFiles() const;
};

// Parses the bytes of a TFLITE_METADATA buffer (a FlatBuffer with identifier "M001").
Result<ModelMetadataInfo> parseModelMetadata(std::span<const uint8_t> bytes);

struct AssociatedFileEntry {
    std::string name;
    uint64_t uncompressedSize = 0;
    uint64_t compressedSize = 0;
};

// Lists the files of a ZIP archive that ends the model file (where TFLite Support packs associated
// files). Empty when there is none or it cannot be read; never reads outside `fileBytes`.
std::vector<AssociatedFileEntry> listPackedFiles(std::span<const uint8_t> fileBytes);

}  // namespace litescope
