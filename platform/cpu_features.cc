#include "platform/cpu_features.h"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__linux__) && (defined(__x86_64__) || defined(__i386__))
#include <sys/syscall.h>
#endif
#if defined(__aarch64__) || defined(__arm__)
#include <sys/auxv.h>
#endif

namespace edgemma {
namespace {

// The "model name" (x86) or "Model"/"CPU part" (Arm boards) line of
// /proc/cpuinfo.
std::string ReadCpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, fallback;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t'))
      key.pop_back();
    size_t v = colon + 1;
    while (v < line.size() && line[v] == ' ') ++v;
    const std::string value = line.substr(v);
    if (key == "model name" && !value.empty()) return value;
    if (key == "Model" && fallback.empty())
      fallback = value;  // Raspberry Pi style
  }
  return fallback;
}

#if defined(__x86_64__) || defined(__i386__)
uint64_t ReadXcr0() {
  uint32_t eax = 0, edx = 0;
  // xgetbv with ecx=0; encoded as bytes so no -mxsave is needed.
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

#if defined(__linux__)
// Linux hands out the AMX tile data state (XFEATURE_XTILEDATA = 18) only to
// processes that ask (arch_prctl ARCH_REQ_XCOMP_PERM = 0x1023, since 5.16);
// without it the first tile instruction faults. The grant is process-wide and
// permanent, so one request covers every thread.
bool RequestAmxPermission() {
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}
#else
bool RequestAmxPermission() { return true; }
#endif

// CPUID leaf 0's vendor string is EBX, EDX, ECX.
bool IsAmdVendor() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return false;
  char vendor[13] = {};
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  return std::strcmp(vendor, "AuthenticAMD") == 0 ||
         std::strcmp(vendor, "HygonGenuine") == 0;
}

void DetectX86(CpuFeatures& f) {
  f.amd = IsAmdVendor();
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return;
  const bool osxsave = (c >> 27) & 1;
  const bool avx = (c >> 28) & 1;
  const bool fma = (c >> 12) & 1;
  const bool f16c = (c >> 29) & 1;
  uint64_t xcr0 = osxsave ? ReadXcr0() : 0;
  // The OS must save XMM+YMM state (bits 1,2) for AVX, plus opmask/ZMM (bits
  // 5,6,7) for AVX-512.
  const bool os_avx = (xcr0 & 0x6) == 0x6;
  const bool os_avx512 = os_avx && (xcr0 & 0xE0) == 0xE0;
  if (!avx || !os_avx) return;
  f.fma = fma;
  f.f16c = f16c;
  if (__get_cpuid_max(0, nullptr) < 7) return;
  __cpuid_count(7, 0, a, b, c, d);
  f.avx2 = (b >> 5) & 1;
  if (os_avx512) {
    f.avx512f = (b >> 16) & 1;
    f.avx512bw = f.avx512f && ((b >> 30) & 1);
    f.avx512vl = f.avx512f && ((b >> 31) & 1);
    f.avx512vnni = f.avx512f && ((c >> 11) & 1);
  }
  // AMX: CPUID.(7,0).EDX bits 24 (tile), 25 (int8), 22 (bf16); XCR0 bits 17
  // (XTILECFG) and 18 (XTILEDATA).
  const bool os_amx = (xcr0 & 0x60000) == 0x60000;
  if (os_amx && ((d >> 24) & 1) && RequestAmxPermission()) {
    f.amx_tile = true;
    f.amx_int8 = (d >> 25) & 1;
    f.amx_bf16 = (d >> 22) & 1;
  }
  unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
  __cpuid_count(7, 1, a1, b1, c1, d1);
  f.avxvnni = f.avx2 && ((a1 >> 4) & 1);
  f.avx512bf16 = f.avx512f && ((a1 >> 5) & 1);
}
#endif

#if defined(__aarch64__)
void DetectAarch64(CpuFeatures& f) {
  // Bit numbers from the Linux arm64 uapi hwcap.h (stable ABI), spelled out so
  // old libc headers still build.
  const unsigned long hw = getauxval(AT_HWCAP);
  const unsigned long hw2 = getauxval(AT_HWCAP2);
  const unsigned long kAsimd = 1UL << 1, kFphp = 1UL << 9, kAsimdhp = 1UL << 10;
  const unsigned long kAsimddp = 1UL << 20, kSve = 1UL << 22;
  const unsigned long kI8mm = 1UL << 13;  // HWCAP2_I8MM
  f.neon = (hw & kAsimd) != 0;
  f.fp16 = (hw & kFphp) && (hw & kAsimdhp);
  f.dotprod = f.neon && (hw & kAsimddp);
  f.sve = (hw & kSve) != 0;
  f.i8mm = f.neon && (hw2 & kI8mm);
}
#endif

#if defined(__arm__)
void DetectArmv7(CpuFeatures& f) {
  const unsigned long kNeon = 1UL << 12;  // HWCAP_NEON (arm uapi)
  f.neon = (getauxval(AT_HWCAP) & kNeon) != 0;
}
#endif

CpuFeatures Detect() {
  CpuFeatures f;
#if defined(__x86_64__)
  f.arch = "x86_64";
  DetectX86(f);
#elif defined(__aarch64__)
  f.arch = "aarch64";
  DetectAarch64(f);
#elif defined(__arm__)
  f.arch = "armv7";
  DetectArmv7(f);
#else
  f.arch = "unknown";
#endif
  f.model = ReadCpuModel();
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  f.logical_cores = n > 0 ? static_cast<int>(n) : 1;
  return f;
}

}  // namespace

std::string CpuFeatures::ToString() const {
  std::string s;
  auto add = [&s](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ' ';
    s += name;
  };
  add(avx2, "avx2");
  add(fma, "fma");
  add(f16c, "f16c");
  add(avx512f, "avx512f");
  add(avx512bw, "avx512bw");
  add(avx512vl, "avx512vl");
  add(avx512vnni, "avx512vnni");
  add(avxvnni, "avxvnni");
  add(avx512bf16, "avx512bf16");
  add(amx_tile, "amx_tile");
  add(amx_int8, "amx_int8");
  add(amx_bf16, "amx_bf16");
  add(amd, "amd");
  add(neon, "neon");
  add(dotprod, "dotprod");
  add(i8mm, "i8mm");
  add(fp16, "fp16");
  add(sve, "sve");
  return s;
}

const CpuFeatures& GetCpuFeatures() {
  static const CpuFeatures features = Detect();  // thread-safe static init
  return features;
}

}  // namespace edgemma
