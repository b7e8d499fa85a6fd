// Locates the third-party models and reference outputs in ../shared (read in place, never copied).
#pragma once

#include <string>
#include <vector>

namespace litescope::test {

// The shared folder (models/, golden/, golden-all/), as handed to the build.
std::string sharedDir();
std::string modelPath(const std::string& relative);  // relative to shared/models
// Every model file (.tflite, .tfl, .bin with a TFLite or broken body) under shared/models, relative paths,
// sorted.
std::vector<std::string> allModels();
std::string readText(const std::string& path);

}  // namespace litescope::test
