#include "host/pipeline.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

#include <unistd.h>

namespace ossvk::host {
namespace {

std::string hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += digits[p[i] >> 4], s += digits[p[i] & 15];
  return s;
}

// VkPipelineCacheHeaderVersionOne, checked before the driver sees the bytes.
bool header_matches(const std::vector<char>& data, const DeviceInfo& info) {
  if (data.size() < 32) return false;
  uint32_t words[4];
  std::memcpy(words, data.data(), 16);
  return words[0] == 32 && words[1] == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
         words[2] == info.vendor_id && words[3] == info.device_id &&
         std::memcmp(data.data() + 16, info.pipeline_cache_uuid.data(), VK_UUID_SIZE) == 0;
}

}  // namespace

std::string PipelineDesc::key() const {
  std::string k = kernel;
  for (uint32_t v : {push_size, required_subgroup_size}) k.append("|").append(std::to_string(v));
  k.append("|b");
  for (VkDescriptorType t : bindings) k.append(std::to_string(t)).append(",");
  for (uint32_t v : spec) k.append("|").append(std::to_string(v));
  return k;
}

std::filesystem::path PipelineCache::default_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "ossvk";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".cache" / "ossvk";
  return {};
}

PipelineCache::PipelineCache(VkDevice device, const DeviceInfo& info, std::filesystem::path dir)
    : device_(device), info_(info) {
  std::vector<char> data;
  if (!dir.empty()) {
    file_ = dir / ("pipelines-" + hex(info.pipeline_cache_uuid.data(), VK_UUID_SIZE) + "-" +
                   std::to_string(info.driver_version) + ".bin");
    std::ifstream in(file_, std::ios::binary);
    if (in) data.assign(std::istreambuf_iterator<char>(in), {});
    if (!header_matches(data, info)) data.clear();
  }
  VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  ci.initialDataSize = data.size();
  ci.pInitialData = data.empty() ? nullptr : data.data();
  VkPipelineCache cache = VK_NULL_HANDLE;
  if (vkCreatePipelineCache(device, &ci, nullptr, &cache) != VK_SUCCESS) {
    // The driver refused the bytes: start empty instead.
    ci.initialDataSize = 0;
    ci.pInitialData = nullptr;
    data.clear();
    if (vkCreatePipelineCache(device, &ci, nullptr, &cache) != VK_SUCCESS) cache = VK_NULL_HANDLE;
  }
  loaded_ = !data.empty() && cache != VK_NULL_HANDLE;
  if (cache != VK_NULL_HANDLE)
    cache_ = DeviceHandle<VkPipelineCache>(device, cache, vkDestroyPipelineCache);
}

PipelineCache::~PipelineCache() {
  // A cache that cannot be written only costs compile time on the next start.
  (void)save();
}

Status PipelineCache::save() const {
  if (file_.empty() || !cache_) return {};
  size_t size = 0;
  OSSVK_VK(vkGetPipelineCacheData(device_, cache_.get(), &size, nullptr));
  std::vector<char> data(size);
  OSSVK_VK(vkGetPipelineCacheData(device_, cache_.get(), &size, data.data()));
  data.resize(size);
  // What the next start would refuse is not kept (Mesa 26.2's lavapipe asks for 32 bytes, then
  // writes 20: less than a header).
  if (!header_matches(data, info_)) return {};
  std::error_code ec;
  std::filesystem::create_directories(file_.parent_path(), ec);
  // Unique per process, so concurrent savers never write the same temporary file.
  std::filesystem::path tmp = file_.string() + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(size));
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return Status::error("could not write pipeline cache " + tmp.string());
    }
  }
  std::filesystem::rename(tmp, file_, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Status::error("could not write pipeline cache " + file_.string());
  }
  return {};
}

PipelineSet::PipelineSet(VkDevice device, const DeviceInfo& info,
                         std::span<const KernelBinary> kernels, std::filesystem::path cache_dir)
    : device_(device), info_(info), kernels_(kernels), cache_(device, info, std::move(cache_dir)) {}

Result<const Pipeline*> PipelineSet::get(const PipelineDesc& desc) {
  std::lock_guard lock(mutex_);
  auto key = desc.key();
  if (auto it = pipelines_.find(key); it != pipelines_.end()) return it->second.get();
  OSSVK_ASSIGN_OR_RETURN(auto p, build(desc));
  const Pipeline* raw = p.get();
  pipelines_.emplace(key, std::move(p));
  return raw;
}

Result<std::unique_ptr<Pipeline>> PipelineSet::build(const PipelineDesc& desc) {
  const KernelBinary* k = nullptr;
  for (const KernelBinary& binary : kernels_)
    if (desc.kernel == binary.name) k = &binary;
  if (!k)
    return Status::error("no kernel named '" + desc.kernel + "' among the device's " +
                         std::to_string(kernels_.size()) + " kernels");
  if (desc.push_size > info_.max_push_constants)
    return Status::error("kernel '" + desc.kernel + "' needs " + std::to_string(desc.push_size) +
                         " bytes of push constants; the device allows " +
                         std::to_string(info_.max_push_constants));
  if (desc.required_subgroup_size &&
      (!info_.subgroup_size_control || desc.required_subgroup_size < info_.min_subgroup_size ||
       desc.required_subgroup_size > info_.max_subgroup_size))
    return Status::error("kernel '" + desc.kernel + "' requires subgroup size " +
                         std::to_string(desc.required_subgroup_size) +
                         ", which the device cannot guarantee");

  auto p = std::make_unique<Pipeline>();
  p->push_size = desc.push_size;
  p->kernel = desc.kernel;

  VkShaderModuleCreateInfo smci{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  smci.codeSize = k->word_count * 4;
  smci.pCode = k->words;
  VkShaderModule module_raw;
  OSSVK_VK(vkCreateShaderModule(device_, &smci, nullptr, &module_raw));
  DeviceHandle<VkShaderModule> module(device_, module_raw, vkDestroyShaderModule);

  const bool has_set = !desc.bindings.empty();
  if (has_set) {
    if (!info_.push_descriptor)
      return Status::error(
          "kernel '" + desc.kernel + "' binds descriptors, which needs VK_KHR_push_descriptor",
          VK_ERROR_EXTENSION_NOT_PRESENT);
    std::vector<VkDescriptorSetLayoutBinding> bindings(desc.bindings.size());
    for (uint32_t i = 0; i < bindings.size(); ++i)
      bindings[i] = {i, desc.bindings[i], 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    VkDescriptorSetLayoutCreateInfo dci{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    dci.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
    dci.bindingCount = static_cast<uint32_t>(bindings.size());
    dci.pBindings = bindings.data();
    VkDescriptorSetLayout set_layout;
    OSSVK_VK(vkCreateDescriptorSetLayout(device_, &dci, nullptr, &set_layout));
    p->set_layout =
        DeviceHandle<VkDescriptorSetLayout>(device_, set_layout, vkDestroyDescriptorSetLayout);
  }
  VkDescriptorSetLayout set_layout = p->set_layout.get();
  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, desc.push_size};
  VkPipelineLayoutCreateInfo lci{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  lci.setLayoutCount = has_set ? 1 : 0;
  lci.pSetLayouts = &set_layout;
  lci.pushConstantRangeCount = desc.push_size ? 1 : 0;
  lci.pPushConstantRanges = &range;
  VkPipelineLayout layout;
  OSSVK_VK(vkCreatePipelineLayout(device_, &lci, nullptr, &layout));
  p->layout = DeviceHandle<VkPipelineLayout>(device_, layout, vkDestroyPipelineLayout);

  std::vector<VkSpecializationMapEntry> entries(desc.spec.size());
  for (uint32_t i = 0; i < entries.size(); ++i) entries[i] = {i, i * 4, 4};
  VkSpecializationInfo spec{static_cast<uint32_t>(entries.size()), entries.data(),
                            desc.spec.size() * 4, desc.spec.data()};

  VkPipelineShaderStageRequiredSubgroupSizeCreateInfo sub{
      VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_REQUIRED_SUBGROUP_SIZE_CREATE_INFO};
  sub.requiredSubgroupSize = desc.required_subgroup_size;
  VkComputePipelineCreateInfo pci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  pci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  pci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pci.stage.module = module.get();
  pci.stage.pName = "main";
  pci.stage.pSpecializationInfo = desc.spec.empty() ? nullptr : &spec;
  if (desc.required_subgroup_size) {
    pci.stage.pNext = &sub;
    pci.stage.flags = VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT;
  }
  pci.layout = p->layout.get();
  VkPipeline pipeline;
  VkResult r = vkCreateComputePipelines(device_, cache_.handle(), 1, &pci, nullptr, &pipeline);
  if (r != VK_SUCCESS)
    return vk_error(r, "vkCreateComputePipelines").with_context("kernel " + desc.kernel);
  p->pipeline = DeviceHandle<VkPipeline>(device_, pipeline, vkDestroyPipeline);
  return p;
}

}  // namespace ossvk::host
