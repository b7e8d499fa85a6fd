#include "runtime/delegates/registry.h"

#include <string>

#include "runtime/delegates/xnnpack_delegate.h"

namespace litescope {

Result<std::shared_ptr<Delegate>> makeDelegate(std::string_view name, int threads, bool quantized) {
    if (name == "none") return std::shared_ptr<Delegate>();
    if (name == "xnnpack") {
        XnnpackOptions options;
        options.threads = threads;
        options.quantized = quantized;
        return makeXnnpackDelegate(options);
    }
    return Status{ErrorCode::InvalidArgument,
                  "unknown delegate '" + std::string(name) + "' (expected none or xnnpack)"};
}

}  // namespace litescope
