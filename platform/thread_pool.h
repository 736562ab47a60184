// A fixed pool of worker threads, created once. ParallelFor splits [0, n) into
// contiguous chunks, runs them on the workers and the calling thread, and
// returns when all are done. Large ranges are split into a few chunks per
// thread that threads claim as they finish, so a thread that starts late (woken
// late, preempted) delays the job by at most one small chunk. Contract:
// ParallelFor never allocates (no std::function, no queues); it is not
// reentrant (call it from one thread at a time, never from inside a task).
// Workers spin briefly and then sleep on a condition variable between
// dispatches.
#ifndef EDGEMMA_PLATFORM_THREAD_POOL_H_
#define EDGEMMA_PLATFORM_THREAD_POOL_H_

#include <cstdint>
#include <type_traits>

namespace edgemma {

// Optional timing of ParallelFor, owned by the caller and sized once (busy_ns
// has size() entries). Off (null) by default: then ParallelFor costs one branch
// more. Times are added, never reset by the pool.
struct PoolProfile {
  // Calling thread: dispatch (wake-up) plus waiting for the workers after its
  // own share: the synchronisation/idle cost of the pool.
  int64_t wait_ns = 0;
  int64_t dispatches = 0;      // ParallelFor calls that used the workers
  int64_t* busy_ns = nullptr;  // [size()] time in tasks, per thread index
};

class ThreadPool {
 public:
  using TaskFn = void (*)(void* ctx, int64_t begin, int64_t end,
                          int thread_index);

  // n_threads >= 1 counts the caller: n_threads-1 workers are started.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  // Attaches (or with null detaches) a profile; call between dispatches only.
  void set_profile(PoolProfile* profile);

  // Runs fn over [0, n) in contiguous chunks whose boundaries are multiples of
  // `grain` (except the end, n). thread_index is in [0, size()); one thread
  // runs its chunks one after another, so per-thread scratch indexed by
  // thread_index is safe. When ceil(n / grain) <= size() there is at most one
  // chunk per thread, chunk i on thread i (0 = the caller); otherwise a thread
  // may run several chunks (up to 4 per thread in all) or none.
  void ParallelFor(int64_t n, int64_t grain, TaskFn fn, void* ctx);

  // Lambda convenience: f(begin, end, thread_index). No allocation: f is passed
  // by pointer.
  template <typename F>
  void ParallelFor(int64_t n, int64_t grain, F&& f) {
    using Fn = std::remove_reference_t<F>;
    ParallelFor(
        n, grain,
        [](void* ctx, int64_t b, int64_t e, int t) {
          (*static_cast<Fn*>(ctx))(b, e, t);
        },
        const_cast<void*>(static_cast<const void*>(&f)));
  }

 private:
  struct Impl;
  Impl* impl_ = nullptr;
  int n_threads_ = 1;
};

}  // namespace edgemma

#endif  // EDGEMMA_PLATFORM_THREAD_POOL_H_
