#include "backend/kernels/mma.h"

namespace ossvk {

std::string mma_kernel(const host::Device& device, std::string_view kernel,
                       std::string_view emulated) {
  return std::string(device.mma() == host::Mma::cooperative ? kernel : emulated);
}

host::Result<const host::Pipeline*> mma_pipeline(host::Device& device, const std::string& kernel,
                                                 std::vector<uint32_t> spec, uint32_t push_bytes,
                                                 uint32_t shared_bytes) {
  if (device.mma() == host::Mma::none)
    return host::Status::error(kernel + ": the device runs no tile products");
  if (shared_bytes > device.info().max_shared_memory)
    return host::Status::error(
        kernel + ": its " + std::to_string(shared_bytes) + "-byte tiles exceed the device's " +
        std::to_string(device.info().max_shared_memory) + " bytes of shared memory");
  host::PipelineDesc desc{kernel, std::move(spec), push_bytes};
  if (device.mma() == host::Mma::cooperative && device.info().subgroup_size_control)
    desc.required_subgroup_size = 32;
  return device.pipelines().get(desc);
}

}  // namespace ossvk
