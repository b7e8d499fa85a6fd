#include "runtime/kernel_registry.h"
#include "runtime/kernels/kernel_util.h"

namespace litescope::kernels {

void registerPoolingKernels(KernelRegistry&) {}

}  // namespace litescope::kernels
