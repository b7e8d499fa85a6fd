#include "tests/support/shared_data.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace litescope::test {

std::string sharedDir() {
    return LITESCOPE_SHARED_DIR;
}

std::string modelPath(const std::string& relative) {
    return sharedDir() + "/models/" + relative;
}

std::vector<std::string> allModels() {
    std::vector<std::string> out;
    const fs::path root = fs::path(sharedDir()) / "models";
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        const std::string ext = it->path().extension().string();
        if (ext == ".tflite" || ext == ".tfl" || ext == ".bin")
            out.push_back(fs::relative(it->path(), root).string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace litescope::test
