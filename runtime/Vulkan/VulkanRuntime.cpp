//===- VulkanRuntime.cpp - Compute dispatch on a Vulkan device ------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//

#define VK_NO_PROTOTYPES
#include "runtime/Vulkan/VulkanRuntime.h"

#include "runtime/DeviceContext.h"

#include <vulkan/vulkan.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

using namespace mlir::qf::runtime::vulkan;

namespace {

/// The Vulkan functions the runtime calls, loaded from the loader: the
/// global vkCreateInstance, then the others through the instance.
struct Api {
#define QF_VK_FN(name) PFN_##name name = nullptr;
  QF_VK_FN(vkCreateInstance)
#define QF_VK_FUNCTIONS(X)                                                     \
  X(vkEnumeratePhysicalDevices)                                                \
  X(vkGetPhysicalDeviceProperties)                                             \
  X(vkGetPhysicalDeviceFeatures2)                                              \
  X(vkGetPhysicalDeviceQueueFamilyProperties)                                  \
  X(vkGetPhysicalDeviceMemoryProperties)                                       \
  X(vkCreateDevice)                                                            \
  X(vkGetDeviceQueue)                                                          \
  X(vkCreateBuffer)                                                            \
  X(vkDestroyBuffer)                                                           \
  X(vkGetBufferMemoryRequirements)                                             \
  X(vkAllocateMemory)                                                          \
  X(vkFreeMemory)                                                              \
  X(vkBindBufferMemory)                                                        \
  X(vkMapMemory)                                                               \
  X(vkCreateShaderModule)                                                      \
  X(vkCreateDescriptorSetLayout)                                               \
  X(vkCreatePipelineLayout)                                                    \
  X(vkCreateComputePipelines)                                                  \
  X(vkCreatePipelineCache)                                                     \
  X(vkCreateDescriptorPool)                                                    \
  X(vkDestroyDescriptorPool)                                                   \
  X(vkAllocateDescriptorSets)                                                  \
  X(vkUpdateDescriptorSets)                                                    \
  X(vkCreateCommandPool)                                                       \
  X(vkAllocateCommandBuffers)                                                  \
  X(vkFreeCommandBuffers)                                                      \
  X(vkBeginCommandBuffer)                                                      \
  X(vkEndCommandBuffer)                                                        \
  X(vkCmdBindPipeline)                                                         \
  X(vkCmdBindDescriptorSets)                                                   \
  X(vkCmdDispatch)                                                             \
  X(vkQueueSubmit)                                                             \
  X(vkCreateFence)                                                             \
  X(vkWaitForFences)                                                           \
  X(vkResetFences)
  QF_VK_FUNCTIONS(QF_VK_FN)
#undef QF_VK_FN
};

struct Pipeline {
  VkDescriptorSetLayout setLayout;
  VkPipelineLayout layout;
  VkPipeline pipeline;
  uint32_t bindings;
};

/// One device, its queue and cached pipelines.
class Context : public mlir::qf::runtime::DeviceContext<Context, DeviceInfo> {
public:
  void launch(const uint32_t *spirv, size_t bytes, const char *entry,
              uint32_t grid[3], const int64_t *args, int64_t numArgs);

  bool initialize();

private:
  const Pipeline &pipelineFor(const uint32_t *spirv, size_t bytes,
                              const char *entry, uint32_t bindings);
  void check(VkResult result, const char *what) {
    if (result == VK_SUCCESS)
      return;
    std::fprintf(stderr, "qf vulkan runtime: %s failed (VkResult %d)\n", what,
                 (int)result);
    std::abort();
  }

  Api vk;
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t queueFamily = 0;
  uint32_t memoryType = 0;
  VkCommandPool commandPool = VK_NULL_HANDLE;
  VkPipelineCache cache = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  std::map<std::pair<const void *, std::string>, Pipeline> pipelines;
  std::mutex mutex;
};

bool Context::initialize() {
  void *loader = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!loader)
    return fail("no Vulkan loader (libvulkan.so.1): install libvulkan1 and a "
                "driver (mesa-vulkan-drivers gives lavapipe on the CPU)");
  auto getInstanceProc = reinterpret_cast<PFN_vkGetInstanceProcAddr>(
      dlsym(loader, "vkGetInstanceProcAddr"));
  if (!getInstanceProc)
    return fail("the Vulkan loader has no vkGetInstanceProcAddr");
  vk.vkCreateInstance = reinterpret_cast<PFN_vkCreateInstance>(
      getInstanceProc(nullptr, "vkCreateInstance"));

  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "QuantForge";
  // The highest version we use (1.3 for the integer dot product); devices
  // of 1.2 are still used, without it.
  app.apiVersion = VK_API_VERSION_1_3;
  VkInstanceCreateInfo instanceInfo{};
  instanceInfo.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  instanceInfo.pApplicationInfo = &app;
  if (!vk.vkCreateInstance ||
      vk.vkCreateInstance(&instanceInfo, nullptr, &instance) != VK_SUCCESS)
    return fail("cannot create a Vulkan instance (no driver?)");
#define QF_VK_LOAD(name)                                                       \
  vk.name = reinterpret_cast<PFN_##name>(getInstanceProc(instance, #name));    \
  if (!vk.name)                                                                \
    return fail("the Vulkan driver lacks " #name);
  QF_VK_FUNCTIONS(QF_VK_LOAD)
#undef QF_VK_LOAD

  uint32_t count = 0;
  vk.vkEnumeratePhysicalDevices(instance, &count, nullptr);
  std::vector<VkPhysicalDevice> devices(count);
  vk.vkEnumeratePhysicalDevices(instance, &count, devices.data());
  if (devices.empty())
    return fail("no Vulkan device");

  // The first device with a compute queue and the features the kernels
  // need (8-bit storage and arithmetic, 64-bit integers and floats).
  std::string missing;
  for (VkPhysicalDevice candidate : devices) {
    VkPhysicalDeviceProperties properties;
    vk.vkGetPhysicalDeviceProperties(candidate, &properties);
    VkPhysicalDeviceVulkan13Features f13{};
    f13.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES;
    VkPhysicalDeviceVulkan12Features f12{};
    f12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
    VkPhysicalDeviceVulkan11Features f11{};
    f11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
    f11.pNext = &f12;
    bool has13 = properties.apiVersion >= VK_API_VERSION_1_3;
    if (has13)
      f12.pNext = &f13;
    VkPhysicalDeviceFeatures2 features{};
    features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    features.pNext = &f11;
    if (properties.apiVersion < VK_API_VERSION_1_2) {
      missing += std::string(properties.deviceName) + ": Vulkan < 1.2; ";
      continue;
    }
    vk.vkGetPhysicalDeviceFeatures2(candidate, &features);
    DeviceInfo info;
    info.name = properties.deviceName;
    info.apiVersion = properties.apiVersion;
    info.int8 = f12.shaderInt8;
    info.storage8 = f12.storageBuffer8BitAccess;
    info.int16 = features.features.shaderInt16;
    info.storage16 = f11.storageBuffer16BitAccess;
    info.int64 = features.features.shaderInt64;
    info.float64 = features.features.shaderFloat64;
    info.integerDotProduct = has13 && f13.shaderIntegerDotProduct;
    if (!info.int8 || !info.storage8 || !info.int64 || !info.float64) {
      missing += info.name + ": lacks shaderInt8, storageBuffer8BitAccess, "
                             "shaderInt64 or shaderFloat64; ";
      continue;
    }
    uint32_t families = 0;
    vk.vkGetPhysicalDeviceQueueFamilyProperties(candidate, &families, nullptr);
    std::vector<VkQueueFamilyProperties> familyProps(families);
    vk.vkGetPhysicalDeviceQueueFamilyProperties(candidate, &families,
                                                familyProps.data());
    bool found = false;
    for (uint32_t i = 0; i < families && !found; ++i)
      if (familyProps[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
        queueFamily = i;
        found = true;
      }
    if (!found) {
      missing += info.name + ": no compute queue; ";
      continue;
    }
    physical = candidate;
    deviceInfo = info;
    break;
  }
  if (!physical)
    return fail("no usable Vulkan device (" + missing + ")");

  VkPhysicalDeviceMemoryProperties memory;
  vk.vkGetPhysicalDeviceMemoryProperties(physical, &memory);
  const VkMemoryPropertyFlags wanted = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                       VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  bool memoryFound = false;
  for (uint32_t i = 0; i < memory.memoryTypeCount && !memoryFound; ++i)
    if ((memory.memoryTypes[i].propertyFlags & wanted) == wanted) {
      memoryType = i;
      memoryFound = true;
    }
  if (!memoryFound)
    return fail(deviceInfo.name + " has no host-visible coherent memory");

  // Enable exactly what the kernels may use.
  VkPhysicalDeviceVulkan12Features enable12{};
  enable12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
  enable12.shaderInt8 = VK_TRUE;
  enable12.storageBuffer8BitAccess = VK_TRUE;
  VkPhysicalDeviceVulkan13Features enable13{};
  enable13.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES;
  enable13.shaderIntegerDotProduct = VK_TRUE;
  if (deviceInfo.integerDotProduct) // only ever set on a 1.3 device
    enable12.pNext = &enable13;
  VkPhysicalDeviceVulkan11Features enable11{};
  enable11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
  enable11.storageBuffer16BitAccess = deviceInfo.storage16;
  enable11.pNext = &enable12;
  VkPhysicalDeviceFeatures2 enable{};
  enable.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  enable.pNext = &enable11;
  enable.features.shaderInt64 = VK_TRUE;
  enable.features.shaderFloat64 = VK_TRUE;
  enable.features.shaderInt16 = deviceInfo.int16;
  float priority = 1.0f;
  VkDeviceQueueCreateInfo queueInfo{};
  queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  queueInfo.queueFamilyIndex = queueFamily;
  queueInfo.queueCount = 1;
  queueInfo.pQueuePriorities = &priority;
  VkDeviceCreateInfo deviceCreate{};
  deviceCreate.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  deviceCreate.pNext = &enable;
  deviceCreate.queueCreateInfoCount = 1;
  deviceCreate.pQueueCreateInfos = &queueInfo;
  if (vk.vkCreateDevice(physical, &deviceCreate, nullptr, &device) !=
      VK_SUCCESS)
    return fail("cannot create a device on " + deviceInfo.name);
  vk.vkGetDeviceQueue(device, queueFamily, 0, &queue);

  VkCommandPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  poolInfo.queueFamilyIndex = queueFamily;
  VkPipelineCacheCreateInfo cacheInfo{};
  cacheInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO;
  VkFenceCreateInfo fenceInfo{};
  fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  if (vk.vkCreateCommandPool(device, &poolInfo, nullptr, &commandPool) !=
          VK_SUCCESS ||
      vk.vkCreatePipelineCache(device, &cacheInfo, nullptr, &cache) !=
          VK_SUCCESS ||
      vk.vkCreateFence(device, &fenceInfo, nullptr, &fence) != VK_SUCCESS)
    return fail("cannot create a command pool, pipeline cache or fence");
  return true;
}

const Pipeline &Context::pipelineFor(const uint32_t *spirv, size_t bytes,
                                     const char *entry, uint32_t bindings) {
  auto key =
      std::make_pair(static_cast<const void *>(spirv), std::string(entry));
  auto it = pipelines.find(key);
  if (it != pipelines.end())
    return it->second;
  Pipeline p{};
  p.bindings = bindings;
  VkShaderModuleCreateInfo moduleInfo{};
  moduleInfo.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  moduleInfo.codeSize = bytes;
  moduleInfo.pCode = spirv;
  VkShaderModule shader;
  check(vk.vkCreateShaderModule(device, &moduleInfo, nullptr, &shader),
        "vkCreateShaderModule");
  std::vector<VkDescriptorSetLayoutBinding> layoutBindings(bindings);
  for (uint32_t i = 0; i < bindings; ++i) {
    layoutBindings[i] = {};
    layoutBindings[i].binding = i;
    layoutBindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    layoutBindings[i].descriptorCount = 1;
    layoutBindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo setInfo{};
  setInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  setInfo.bindingCount = bindings;
  setInfo.pBindings = layoutBindings.data();
  check(vk.vkCreateDescriptorSetLayout(device, &setInfo, nullptr, &p.setLayout),
        "vkCreateDescriptorSetLayout");
  VkPipelineLayoutCreateInfo layoutInfo{};
  layoutInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layoutInfo.setLayoutCount = 1;
  layoutInfo.pSetLayouts = &p.setLayout;
  check(vk.vkCreatePipelineLayout(device, &layoutInfo, nullptr, &p.layout),
        "vkCreatePipelineLayout");
  VkComputePipelineCreateInfo pipelineInfo{};
  pipelineInfo.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  pipelineInfo.stage.sType =
      VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  pipelineInfo.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pipelineInfo.stage.module = shader;
  pipelineInfo.stage.pName = entry;
  pipelineInfo.layout = p.layout;
  check(vk.vkCreateComputePipelines(device, cache, 1, &pipelineInfo, nullptr,
                                    &p.pipeline),
        "vkCreateComputePipelines");
  return pipelines.emplace(key, p).first->second;
}

void Context::launch(const uint32_t *spirv, size_t bytes, const char *entry,
                     uint32_t grid[3], const int64_t *args, int64_t numArgs) {
  std::lock_guard<std::mutex> lock(mutex);
  const Pipeline &p =
      pipelineFor(spirv, bytes, entry, static_cast<uint32_t>(numArgs));

  // One host-visible buffer per argument, filled from host memory.
  struct Binding {
    VkBuffer buffer;
    VkDeviceMemory memory;
    void *mapped;
    uint8_t *host;
    size_t bytes;
    bool written;
  };
  std::vector<Binding> buffers(numArgs);
  for (int64_t i = 0; i < numArgs; ++i) {
    Binding &b = buffers[i];
    b.host = reinterpret_cast<uint8_t *>(args[3 * i]);
    b.bytes = static_cast<size_t>(args[3 * i + 1]);
    b.written = args[3 * i + 2] != 0;
    VkBufferCreateInfo bufferInfo{};
    bufferInfo.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    bufferInfo.size = (b.bytes + 3) / 4 * 4 + 4; // never empty, whole words
    bufferInfo.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    bufferInfo.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    check(vk.vkCreateBuffer(device, &bufferInfo, nullptr, &b.buffer),
          "vkCreateBuffer");
    VkMemoryRequirements requirements;
    vk.vkGetBufferMemoryRequirements(device, b.buffer, &requirements);
    VkMemoryAllocateInfo allocInfo{};
    allocInfo.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    allocInfo.allocationSize = requirements.size;
    allocInfo.memoryTypeIndex = memoryType;
    check(vk.vkAllocateMemory(device, &allocInfo, nullptr, &b.memory),
          "vkAllocateMemory");
    check(vk.vkBindBufferMemory(device, b.buffer, b.memory, 0),
          "vkBindBufferMemory");
    check(vk.vkMapMemory(device, b.memory, 0, VK_WHOLE_SIZE, 0, &b.mapped),
          "vkMapMemory");
    std::memcpy(b.mapped, b.host, b.bytes);
  }

  VkDescriptorPoolSize poolSize{
      VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
      static_cast<uint32_t>(std::max<int64_t>(numArgs, 1))};
  VkDescriptorPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  poolInfo.maxSets = 1;
  poolInfo.poolSizeCount = 1;
  poolInfo.pPoolSizes = &poolSize;
  VkDescriptorPool pool;
  check(vk.vkCreateDescriptorPool(device, &poolInfo, nullptr, &pool),
        "vkCreateDescriptorPool");
  VkDescriptorSetAllocateInfo setAlloc{};
  setAlloc.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
  setAlloc.descriptorPool = pool;
  setAlloc.descriptorSetCount = 1;
  setAlloc.pSetLayouts = &p.setLayout;
  VkDescriptorSet set;
  check(vk.vkAllocateDescriptorSets(device, &setAlloc, &set),
        "vkAllocateDescriptorSets");
  std::vector<VkDescriptorBufferInfo> infos(numArgs);
  std::vector<VkWriteDescriptorSet> writes(numArgs);
  for (int64_t i = 0; i < numArgs; ++i) {
    infos[i] = {buffers[i].buffer, 0, VK_WHOLE_SIZE};
    writes[i] = {};
    writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    writes[i].dstSet = set;
    writes[i].dstBinding = static_cast<uint32_t>(i);
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[i].pBufferInfo = &infos[i];
  }
  vk.vkUpdateDescriptorSets(device, static_cast<uint32_t>(numArgs),
                            writes.data(), 0, nullptr);

  VkCommandBufferAllocateInfo cmdAlloc{};
  cmdAlloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  cmdAlloc.commandPool = commandPool;
  cmdAlloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  cmdAlloc.commandBufferCount = 1;
  VkCommandBuffer cmd;
  check(vk.vkAllocateCommandBuffers(device, &cmdAlloc, &cmd),
        "vkAllocateCommandBuffers");
  VkCommandBufferBeginInfo begin{};
  begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vk.vkBeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer");
  vk.vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline);
  vk.vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout, 0,
                             1, &set, 0, nullptr);
  vk.vkCmdDispatch(cmd, grid[0], grid[1], grid[2]);
  check(vk.vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &cmd;
  check(vk.vkResetFences(device, 1, &fence), "vkResetFences");
  check(vk.vkQueueSubmit(queue, 1, &submit, fence), "vkQueueSubmit");
  check(vk.vkWaitForFences(device, 1, &fence, VK_TRUE, UINT64_MAX),
        "vkWaitForFences");

  for (Binding &b : buffers) {
    if (b.written)
      std::memcpy(b.host, b.mapped, b.bytes);
    vk.vkDestroyBuffer(device, b.buffer, nullptr);
    vk.vkFreeMemory(device, b.memory, nullptr);
  }
  vk.vkFreeCommandBuffers(device, commandPool, 1, &cmd);
  vk.vkDestroyDescriptorPool(device, pool, nullptr);
}

} // namespace

const DeviceInfo *mlir::qf::runtime::vulkan::device(std::string *whyNot) {
  return Context::get().info(whyNot);
}

extern "C" void qfVulkanLaunch(const uint8_t *, const uint8_t *spirv,
                               int64_t spirvOffset, int64_t spirvBytes, int64_t,
                               const char *, const char *entry,
                               int64_t entryOffset, int64_t, int64_t,
                               int64_t gridX, int64_t gridY, int64_t gridZ,
                               const int64_t *, const int64_t *args,
                               int64_t argsOffset, int64_t argsCount, int64_t) {
  std::string why;
  if (!device(&why)) {
    std::fprintf(stderr, "qf vulkan runtime: %s\n", why.c_str());
    std::abort();
  }
  uint32_t grid[3] = {static_cast<uint32_t>(gridX),
                      static_cast<uint32_t>(gridY),
                      static_cast<uint32_t>(gridZ)};
  Context::get().launch(reinterpret_cast<const uint32_t *>(spirv + spirvOffset),
                        static_cast<size_t>(spirvBytes), entry + entryOffset,
                        grid, args + argsOffset, argsCount / 3);
}
