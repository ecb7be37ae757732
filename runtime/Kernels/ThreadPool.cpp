//===- ThreadPool.cpp - Split kernel work over threads --------------------===//
//
// Part of QuantForge.
//
//===----------------------------------------------------------------------===//
//
// Workers spin for a short while (kSpin) after each job, then sleep on a
// condition variable. The spin matters on virtual machines, where waking a
// sleeping vCPU can take as long as a GEMV (measured: a 1 ms W4A16 GEMV
// gained nothing from a second thread when every call had to wake it).
//
//===----------------------------------------------------------------------===//

#include "runtime/Kernels/ThreadPool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace mlir::qf::kernels;

namespace {

constexpr auto kSpin = std::chrono::microseconds(300);

void relax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

/// Spins until `done()` or kSpin has passed; returns done().
template <typename F> bool spinUntil(F done) {
  auto start = std::chrono::steady_clock::now();
  for (unsigned i = 0;; ++i) {
    if (done())
      return true;
    relax();
    if (i % 256 == 255 && std::chrono::steady_clock::now() - start > kSpin)
      return done();
  }
}

/// Workers that wait for one job at a time (a generation counter) and run
/// their share of it.
class Pool {
public:
  static Pool &get() {
    static Pool pool;
    return pool;
  }

  void run(unsigned parts, const std::function<void(unsigned)> &part) {
    std::lock_guard<std::mutex> serial(runMutex);
    ensureWorkers(parts - 1);
    job = &part;
    active.store(parts - 1, std::memory_order_relaxed);
    pending.store(parts - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex);
      generation.fetch_add(1, std::memory_order_release);
    }
    wake.notify_all();
    part(0);
    auto finished = [&] {
      return pending.load(std::memory_order_acquire) == 0;
    };
    if (!spinUntil(finished)) {
      std::unique_lock<std::mutex> lock(mutex);
      done.wait(lock, finished);
    }
    job = nullptr;
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping.store(true);
      generation.fetch_add(1, std::memory_order_release);
    }
    wake.notify_all();
    for (std::thread &t : workers)
      t.join();
  }

private:
  void ensureWorkers(unsigned count) {
    // A new worker starts from the current generation, read before run()
    // publishes its job, so it cannot miss that job.
    uint64_t current = generation.load(std::memory_order_acquire);
    while (workers.size() < count) {
      unsigned index = workers.size() + 1;
      workers.emplace_back([this, index, current] { loop(index, current); });
    }
  }

  void loop(unsigned index, uint64_t seen) {
    auto published = [&] {
      return generation.load(std::memory_order_acquire) != seen;
    };
    while (true) {
      if (!spinUntil(published)) {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, published);
      }
      seen = generation.load(std::memory_order_acquire);
      if (stopping.load())
        return;
      if (index > active.load(std::memory_order_relaxed))
        continue; // not needed for this job
      (*job)(index);
      if (pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex);
        done.notify_one();
      }
    }
  }

  std::mutex runMutex, mutex;
  std::condition_variable wake, done;
  std::vector<std::thread> workers;
  const std::function<void(unsigned)> *job = nullptr;
  std::atomic<unsigned> active{0}, pending{0};
  std::atomic<uint64_t> generation{0};
  std::atomic<bool> stopping{false};
};

} // namespace

void mlir::qf::kernels::parallelFor(
    int64_t count, unsigned threads,
    const std::function<void(int64_t, int64_t)> &body) {
  if (count <= 0)
    return;
  unsigned parts = threads == 0 ? 1 : threads;
  if (int64_t(parts) > count)
    parts = unsigned(count);
  if (parts == 1) {
    body(0, count);
    return;
  }
  std::function<void(unsigned)> part = [&](unsigned i) {
    int64_t begin = count * i / parts, end = count * (i + 1) / parts;
    if (begin < end)
      body(begin, end);
  };
  Pool::get().run(parts, part);
}
