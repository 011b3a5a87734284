// tg::cuda's device queries and memory statistics. Without the toolkit (TG_WITH_CUDA unset) it
// reports no devices, so that code using it builds and runs everywhere.
#include "tapegrad/cuda.h"

#include "tapegrad/tensor/error.h"
#include "tapegrad/tensor/tensor.h"

#if TG_WITH_CUDA
#include <nvtx3/nvToolsExt.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "kernels/cuda/cuda_runtime.h"
#endif

#include <atomic>
#include <string>
#include <vector>

namespace tg::cuda {

#if TG_WITH_CUDA

namespace detail {
namespace {
// Made once per device and never replaced: every op allocates and frees through these, so the
// lookup is a lock-free load once the allocator exists.
std::array<std::atomic<memory::CachingAllocator*>, kMaxDevices> allocators{};
std::mutex allocators_mu;

void check_device(int device, const char* op) {
  const int n = device_count();
  TG_CHECK_INDEX(device >= 0 && device < n, "{}: cuda:{} does not exist ({} CUDA device{} present)", op, device, n,
                 n == 1 ? "" : "s");
}
}  // namespace

memory::CachingAllocator& device_allocator(int device) {
  check_device(device, "CUDA allocator");
  auto& slot = allocators[static_cast<size_t>(device)];
  if (auto* a = slot.load(std::memory_order_acquire)) [[likely]]
    return *a;
  std::lock_guard<std::mutex> lock(allocators_mu);
  if (!slot.load(std::memory_order_relaxed)) {
    memory::RawAllocator raw{[device](size_t n) -> void* {
                               set_current_device(device);
                               void* p = nullptr;
                               if (cudaMalloc(&p, n) != cudaSuccess) {
                                 (void)cudaGetLastError();  // out of memory is reported by the allocator
                                 return nullptr;
                               }
                               return p;
                             },
                             [device](void* p) {
                               try {
                                 set_current_device(device);
                               } catch (const Error&) {  // freeing must not throw; cudaFree says the rest
                               }
                               (void)cudaFree(p);
                             },
                             [device](memory::StreamId stream) -> void* {
                               set_current_device(device);
                               cudaEvent_t e = nullptr;
                               TG_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "record_stream");
                               TG_CUDA_CHECK(cudaEventRecord(e, reinterpret_cast<cudaStream_t>(stream)), "record_stream");
                               return e;
                             },
                             [](void* e) {
                               const cudaError_t st = cudaEventQuery(static_cast<cudaEvent_t>(e));
                               if (st == cudaSuccess) return true;
                               (void)cudaGetLastError();  // not ready (or failed: the next CUDA call says so)
                               return st != cudaErrorNotReady;
                             },
                             [](void* e) { (void)cudaEventDestroy(static_cast<cudaEvent_t>(e)); }};
    // TG_CUDA_NO_CACHING=1: a cudaMalloc per tensor, so that compute-sanitizer sees overruns.
    const char* no_caching = std::getenv("TG_CUDA_NO_CACHING");
    const bool caching = !no_caching || std::string_view(no_caching).empty() || std::string_view(no_caching) == "0";
    // Never deleted: storages may be freed after static destruction.
    slot.store(new memory::CachingAllocator(std::move(raw), fmt::format("cuda:{}", device), caching),
               std::memory_order_release);
  }
  return *slot.load(std::memory_order_relaxed);
}

memory::CachingAllocator* existing_allocator(int device) {
  if (device < 0 || device >= kMaxDevices) return nullptr;
  return allocators[static_cast<size_t>(device)].load(std::memory_order_acquire);
}

}  // namespace detail

int device_count() {
  // Asked once: ops check device indices against it on every call.
  static const int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      (void)cudaGetLastError();  // no driver or no device: none available
      return 0;
    }
    return n;
  }();
  return count;
}

bool is_available() { return device_count() > 0; }

namespace detail {
namespace {
// This thread's current device as last set through us (-1: not yet asked), and its current
// stream per device (null: the legacy default stream).
thread_local int tls_device = -1;
thread_local std::array<cudaStream_t, kMaxDevices> tls_streams{};
}  // namespace

void set_current_device(int device) {
  if (device == tls_device) [[likely]]
    return;
  TG_CUDA_CHECK(cudaSetDevice(device), "cuda");
  tls_device = device;
}

int current_device() {
  if (tls_device < 0) {
    int d = 0;
    TG_CUDA_CHECK(cudaGetDevice(&d), "cuda");
    tls_device = d;
  }
  return tls_device;
}

cudaStream_t current_stream() { return tls_streams[static_cast<size_t>(current_device())]; }
}  // namespace detail

namespace {
int resolve_device(int device, const char* op) {
  TG_CHECK(is_available(), "{}: no CUDA device is available", op);
  if (device < 0) return detail::current_device();
  const int n = device_count();
  TG_CHECK_INDEX(device < n, "{}: cuda:{} does not exist ({} CUDA device{} present)", op, device, n, n == 1 ? "" : "s");
  return device;
}

// Runs f with `device` current, restoring the previous device afterwards.
template <class F>
auto on_device(int device, F&& f) {
  const int previous = detail::current_device();
  detail::set_current_device(device);
  struct Restore {
    int d;
    ~Restore() { detail::set_current_device(d); }
  } restore{previous};
  return f();
}
}  // namespace

int current_device() {
  TG_CHECK(is_available(), "cuda::current_device: no CUDA device is available");
  return detail::current_device();
}

void set_device(int device) { detail::set_current_device(resolve_device(device, "cuda::set_device")); }

void synchronize(int device) {
  const int d = resolve_device(device, "cuda::synchronize");
  on_device(d, [] { TG_CUDA_CHECK(cudaDeviceSynchronize(), "cuda::synchronize"); });
}

DeviceProperties get_device_properties(int device) {
  const int d = resolve_device(device, "cuda::get_device_properties");
  cudaDeviceProp p{};
  TG_CUDA_CHECK(cudaGetDeviceProperties(&p, d), "cuda::get_device_properties");
  DeviceProperties r;
  r.name = p.name;
  r.major = p.major;
  r.minor = p.minor;
  r.total_memory = p.totalGlobalMem;
  r.multi_processor_count = p.multiProcessorCount;
  r.max_threads_per_multi_processor = p.maxThreadsPerMultiProcessor;
  r.warp_size = p.warpSize;
  r.L2_cache_size = static_cast<size_t>(p.l2CacheSize);
  r.is_integrated = p.integrated != 0;
  // 8-4-4-4-12 hex digits, as nvidia-smi -L.
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) r.uuid += '-';
    r.uuid += fmt::format("{:02x}", static_cast<unsigned char>(p.uuid.bytes[i]));
  }
  r.pci_bus_id = p.pciBusID;
  r.pci_device_id = p.pciDeviceID;
  r.pci_domain_id = p.pciDomainID;
  return r;
}

std::pair<size_t, size_t> mem_get_info(int device) {
  const int d = resolve_device(device, "cuda::mem_get_info");
  size_t free = 0, total = 0;
  on_device(d, [&] { TG_CUDA_CHECK(cudaMemGetInfo(&free, &total), "cuda::mem_get_info"); });
  return {free, total};
}

struct Stream::Owned {
  cudaStream_t stream = nullptr;
  int device = 0;
  ~Owned() {
    try {
      on_device(device, [&] { (void)cudaStreamDestroy(stream); });
    } catch (const Error&) {  // a destructor must not throw; the stream goes with the context
    }
  }
};

Stream::Stream(int device) : device_(resolve_device(device, "cuda::Stream")) {
  auto owned = std::make_shared<Owned>();
  owned->device = device_;
  on_device(device_, [&] { TG_CUDA_CHECK(cudaStreamCreateWithFlags(&owned->stream, cudaStreamNonBlocking), "cuda::Stream"); });
  owned_ = std::move(owned);
}

Stream Stream::default_stream(int device) { return Stream(resolve_device(device, "cuda::Stream"), nullptr); }

namespace {
// Streams made current by a guard, kept alive while they are current.
thread_local std::array<std::shared_ptr<void>, detail::kMaxDevices> tls_stream_owners;
}  // namespace

Stream Stream::current(int device) {
  const int d = resolve_device(device, "cuda::Stream::current");
  auto owner = std::static_pointer_cast<Owned>(tls_stream_owners[static_cast<size_t>(d)]);
  return Stream(d, std::move(owner));
}

void* Stream::handle() const { return owned_ ? owned_->stream : nullptr; }

void Stream::synchronize() const {
  on_device(device_, [&] {
    TG_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(handle())), "cuda::Stream::synchronize");
  });
}

bool Stream::query() const {
  const cudaError_t e = cudaStreamQuery(static_cast<cudaStream_t>(handle()));
  if (e == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  TG_CUDA_CHECK(e, "cuda::Stream::query");
  return true;
}

void set_stream(const Stream& stream) {
  const auto d = static_cast<size_t>(stream.device());
  detail::tls_streams[d] = static_cast<cudaStream_t>(stream.handle());
  tls_stream_owners[d] = stream.owned_;
}

StreamGuard::StreamGuard(const Stream& stream) : previous_(Stream::current(stream.device())) { set_stream(stream); }

StreamGuard::~StreamGuard() { set_stream(previous_); }

struct Event::Owned {
  cudaEvent_t event = nullptr;
  bool timing = false;
  bool recorded = false;
  ~Owned() { (void)cudaEventDestroy(event); }
};

Event::Event(bool enable_timing) : owned_(std::make_shared<Owned>()) {
  TG_CHECK(is_available(), "cuda::Event: no CUDA device is available");
  owned_->timing = enable_timing;
  TG_CUDA_CHECK(cudaEventCreateWithFlags(&owned_->event, enable_timing ? cudaEventDefault : cudaEventDisableTiming),
                "cuda::Event");
}

void Event::record() { record(Stream::current()); }

void Event::record(const Stream& stream) {
  on_device(stream.device(), [&] {
    TG_CUDA_CHECK(cudaEventRecord(owned_->event, static_cast<cudaStream_t>(stream.handle())), "cuda::Event::record");
  });
  owned_->recorded = true;
}

void Event::wait(const Stream& stream) const {
  on_device(stream.device(), [&] {
    TG_CUDA_CHECK(cudaStreamWaitEvent(static_cast<cudaStream_t>(stream.handle()), owned_->event, 0),
                  "cuda::Event::wait");
  });
}

void Event::synchronize() const { TG_CUDA_CHECK(cudaEventSynchronize(owned_->event), "cuda::Event::synchronize"); }

bool Event::query() const {
  const cudaError_t e = cudaEventQuery(owned_->event);
  if (e == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  TG_CUDA_CHECK(e, "cuda::Event::query");
  return true;
}

float Event::elapsed_time(const Event& end) const {
  TG_CHECK(owned_->timing && end.owned_->timing,
           "cuda::Event::elapsed_time: both events need enable_timing=true");
  TG_CHECK(owned_->recorded && end.owned_->recorded, "cuda::Event::elapsed_time: both events must be recorded first");
  float ms = 0;
  TG_CUDA_CHECK(cudaEventElapsedTime(&ms, owned_->event, end.owned_->event), "cuda::Event::elapsed_time");
  return ms;
}

namespace {
memory::AllocatorStats stats_of(int device) {
  auto* a = detail::existing_allocator(device);
  return a ? a->stats() : memory::AllocatorStats{};
}
}  // namespace

size_t memory_allocated(int device) { return static_cast<size_t>(stats_of(device).all.allocated_bytes.current); }
size_t memory_reserved(int device) { return static_cast<size_t>(stats_of(device).all.reserved_bytes.current); }
size_t max_memory_allocated(int device) { return static_cast<size_t>(stats_of(device).all.allocated_bytes.peak); }
size_t max_memory_reserved(int device) { return static_cast<size_t>(stats_of(device).all.reserved_bytes.peak); }
memory::AllocatorStats memory_stats(int device) { return stats_of(device); }
void reset_peak_memory_stats(int device) {
  if (auto* a = detail::existing_allocator(device)) a->reset_peak_stats();
}
void reset_accumulated_memory_stats(int device) {
  if (auto* a = detail::existing_allocator(device)) a->reset_accumulated_stats();
}

namespace {
// As set, to be read back exactly; the allocators hold the limits in bytes.
std::mutex fractions_mu;
std::array<double, detail::kMaxDevices> fractions = [] {
  std::array<double, detail::kMaxDevices> f{};
  f.fill(1.0);
  return f;
}();
}  // namespace

void set_per_process_memory_fraction(double fraction, int device) {
  TG_CHECK_VALUE(fraction >= 0 && fraction <= 1,
                 "cuda::set_per_process_memory_fraction: the fraction must be between 0 and 1, got {}", fraction);
  const int d = resolve_device(device, "cuda::set_per_process_memory_fraction");
  const double total = static_cast<double>(get_device_properties(d).total_memory);
  std::lock_guard<std::mutex> lock(fractions_mu);
  detail::device_allocator(d).set_memory_limit(fraction >= 1 ? SIZE_MAX : static_cast<size_t>(fraction * total));
  fractions[static_cast<size_t>(d)] = fraction;
}

double get_per_process_memory_fraction(int device) {
  const int d = resolve_device(device, "cuda::get_per_process_memory_fraction");
  std::lock_guard<std::mutex> lock(fractions_mu);
  return fractions[static_cast<size_t>(d)];
}
void empty_cache() {
  for (int d = 0; d < device_count(); ++d)
    if (auto* a = detail::existing_allocator(d)) a->empty_cache();
}

namespace nvtx {
int range_push(const std::string& message) { return nvtxRangePushA(message.c_str()); }
int range_pop() { return nvtxRangePop(); }
void mark(const std::string& message) { nvtxMarkA(message.c_str()); }
}  // namespace nvtx

void record_stream(const Tensor& tensor, const Stream& stream) {
  TG_CHECK(tensor.defined() && tensor.is_cuda(), "cuda::record_stream: expected a CUDA tensor, got {}",
           tensor.defined() ? tensor.device().str() : std::string("an undefined tensor"));
  TG_CHECK(tensor.device().index() == stream.device(),
           "cuda::record_stream: the tensor is on {} but the stream on cuda:{}", tensor.device(), stream.device());
  detail::device_allocator(stream.device())
      .record_stream(tensor.storage()->data(), reinterpret_cast<memory::StreamId>(stream.handle()));
}

#else  // no toolkit in this build

namespace {
[[noreturn]] void no_cuda(const char* op) { TG_FAIL("{}: this build of tapegrad has no CUDA support", op); }
}  // namespace

bool is_available() { return false; }
int device_count() { return 0; }
int current_device() { no_cuda("cuda::current_device"); }
void set_device(int) { no_cuda("cuda::set_device"); }
void synchronize(int) { no_cuda("cuda::synchronize"); }
struct Stream::Owned {};
Stream::Stream(int) { no_cuda("cuda::Stream"); }
Stream Stream::default_stream(int) { no_cuda("cuda::Stream"); }
Stream Stream::current(int) { no_cuda("cuda::Stream"); }
void* Stream::handle() const { return nullptr; }
void Stream::synchronize() const { no_cuda("cuda::Stream::synchronize"); }
bool Stream::query() const { no_cuda("cuda::Stream::query"); }
void set_stream(const Stream&) { no_cuda("cuda::set_stream"); }
StreamGuard::StreamGuard(const Stream& stream) : previous_(stream) { no_cuda("cuda::StreamGuard"); }
StreamGuard::~StreamGuard() = default;
struct Event::Owned {};
Event::Event(bool) { no_cuda("cuda::Event"); }
void Event::record() { no_cuda("cuda::Event::record"); }
void Event::record(const Stream&) { no_cuda("cuda::Event::record"); }
void Event::wait(const Stream&) const { no_cuda("cuda::Event::wait"); }
void Event::synchronize() const { no_cuda("cuda::Event::synchronize"); }
bool Event::query() const { no_cuda("cuda::Event::query"); }
float Event::elapsed_time(const Event&) const { no_cuda("cuda::Event::elapsed_time"); }
DeviceProperties get_device_properties(int) { no_cuda("cuda::get_device_properties"); }
std::pair<size_t, size_t> mem_get_info(int) { no_cuda("cuda::mem_get_info"); }
size_t memory_allocated(int) { return 0; }
size_t memory_reserved(int) { return 0; }
size_t max_memory_allocated(int) { return 0; }
size_t max_memory_reserved(int) { return 0; }
memory::AllocatorStats memory_stats(int) { return {}; }
void reset_peak_memory_stats(int) {}
void reset_accumulated_memory_stats(int) {}
void set_per_process_memory_fraction(double, int) { no_cuda("cuda::set_per_process_memory_fraction"); }
double get_per_process_memory_fraction(int) { no_cuda("cuda::get_per_process_memory_fraction"); }
void empty_cache() {}
void record_stream(const Tensor&, const Stream&) { no_cuda("cuda::record_stream"); }
namespace nvtx {
int range_push(const std::string&) { no_cuda("cuda::nvtx::range_push"); }
int range_pop() { no_cuda("cuda::nvtx::range_pop"); }
void mark(const std::string&) { no_cuda("cuda::nvtx::mark"); }
}  // namespace nvtx

#endif

std::string compiled_version() {
#if TG_WITH_CUDA
  return fmt::format("{}.{}", CUDART_VERSION / 1000, CUDART_VERSION % 1000 / 10);
#else
  return "";
#endif
}

std::vector<int> compiled_architectures() {
  std::vector<int> archs;
#if TG_WITH_CUDA && defined(TG_CUDA_ARCHITECTURES)
  // CMake's list with commas, as "90,80-real": the number that starts each entry.
  int value = -1;
  for (const char* c = TG_CUDA_ARCHITECTURES;; ++c) {
    if (*c >= '0' && *c <= '9') {
      value = (value < 0 ? 0 : value * 10) + (*c - '0');
      continue;
    }
    if (value >= 0) archs.push_back(value);
    value = -1;
    while (*c && *c != ',') ++c;
    if (!*c) break;
  }
#endif
  return archs;
}

namespace {
std::atomic<bool> matmul_tf32{false}, cudnn_tf32{true};
}  // namespace
void set_matmul_allow_tf32(bool allow) { matmul_tf32.store(allow, std::memory_order_relaxed); }
bool matmul_allow_tf32() { return matmul_tf32.load(std::memory_order_relaxed); }
void set_cudnn_allow_tf32(bool allow) { cudnn_tf32.store(allow, std::memory_order_relaxed); }
bool cudnn_allow_tf32() { return cudnn_tf32.load(std::memory_order_relaxed); }

}  // namespace tg::cuda
