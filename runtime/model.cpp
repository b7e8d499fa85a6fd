#include "runtime/model.h"

#include <algorithm>

namespace litescope {

bool Tensor::isDynamic() const {
    return std::find(shapeSignature.begin(), shapeSignature.end(), -1) != shapeSignature.end();
}

bool OperatorCode::isCustom() const {
    return builtinCode == kCustomBuiltinCode;
}

bool OperatorCode::isFlex() const {
    return isCustom() && customCode.starts_with("Flex");
}

const MetadataEntry* Model::findMetadata(std::string_view name) const {
    for (const MetadataEntry& e : metadata_)
        if (e.name == name) return &e;
    return nullptr;
}

}  // namespace litescope
