// SIGBUS on a mapped file: the registry of live mappings and the handler that
// names the file (see InstallMappedFileFaultHandler in mapped_file.h).
//
// The handler may run at any instruction of any thread, so everything it
// reads is a lock-free atomic or a buffer published before its slot, and it
// calls only async-signal-safe functions (write, _exit, sigaction, raise).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include "platform/mapped_file.h"

namespace edgemma {
namespace {

// Slot states: free -> busy (being written or cleared by its owner) -> live.
enum : int { kFree = 0, kBusy = 1, kLive = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  std::atomic<uintptr_t> begin{0}, end{0};
  std::atomic<const char*> message{nullptr};
  std::atomic<size_t> length{0};
};

// Enough for a sharded checkpoint plus tokenizer and tower files; mappings
// beyond it are simply not named (their fault stays a plain crash).
constexpr int kSlots = 256;
Slot g_slots[kSlots];

char g_program[64] = "edgemma";
struct sigaction g_previous;

void WriteAll(const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(STDERR_FILENO, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void OnSigbus(int, siginfo_t* info, void*) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(info->si_addr);
  for (Slot& s : g_slots) {
    if (s.state.load(std::memory_order_acquire) != kLive) continue;
    if (a < s.begin.load(std::memory_order_relaxed) ||
        a >= s.end.load(std::memory_order_relaxed)) {
      continue;
    }
    WriteAll(g_program, std::strlen(g_program));
    WriteAll(": ", 2);
    WriteAll(s.message.load(std::memory_order_relaxed),
             s.length.load(std::memory_order_relaxed));
    ::_exit(1);
  }
  // Not a mapped file of ours: back to the previous disposition. Returning
  // re-runs a faulting access, which then gets it (a crash by default); a
  // sent signal (kill, raise) is sent again, delivered once we return.
  ::sigaction(SIGBUS, &g_previous, nullptr);
  if (info->si_code <= 0) ::raise(SIGBUS);
}

}  // namespace

int RegisterMappedRange(const void* begin, size_t size, const char* message,
                        size_t length) {
  if (begin == nullptr || size == 0) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kBusy,
                                                  std::memory_order_acquire)) {
      continue;
    }
    const uintptr_t b = reinterpret_cast<uintptr_t>(begin);
    g_slots[i].begin.store(b, std::memory_order_relaxed);
    g_slots[i].end.store(b + size, std::memory_order_relaxed);
    g_slots[i].message.store(message, std::memory_order_relaxed);
    g_slots[i].length.store(length, std::memory_order_relaxed);
    g_slots[i].state.store(kLive, std::memory_order_release);
    return i;
  }
  return -1;
}

void UnregisterMappedRange(int slot) {
  if (slot < 0 || slot >= kSlots) return;
  g_slots[slot].state.store(kBusy, std::memory_order_release);
  g_slots[slot].message.store(nullptr, std::memory_order_relaxed);
  g_slots[slot].state.store(kFree, std::memory_order_release);
}

bool InstallMappedFileFaultHandler(const char* program_name) {
  if (program_name != nullptr) {
    std::strncpy(g_program, program_name, sizeof(g_program) - 1);
    g_program[sizeof(g_program) - 1] = '\0';
  }
  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = OnSigbus;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  return ::sigaction(SIGBUS, &sa, &g_previous) == 0;
}

}  // namespace edgemma
