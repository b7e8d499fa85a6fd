// Delegates by the names users type (`--delegate xnnpack`).
#pragma once

#include <memory>
#include <string_view>

#include "runtime/delegate.h"

namespace litescope {

// "none" gives a null delegate (the builtin kernels only); "xnnpack" the XNNPACK delegate with `threads`,
// taking quantized nodes only when `quantized` is set. Anything else is an InvalidArgument error listing the
// names.
Result<std::shared_ptr<Delegate>> makeDelegate(std::string_view name, int threads, bool quantized = false);

}  // namespace litescope
