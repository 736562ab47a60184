#include "platform/cpu_features.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

namespace edgemma {
namespace {

TEST(CpuFeatures, ImplicationsAreConsistent) {
  const CpuFeatures& f = GetCpuFeatures();
  EXPECT_EQ(&f, &GetCpuFeatures());  // computed once
  EXPECT_GE(f.logical_cores, 1);
  if (f.avx512bw || f.avx512vl || f.avx512vnni) {
    EXPECT_TRUE(f.avx512f);
  }
  if (f.avxvnni) {
    EXPECT_TRUE(f.avx2);
  }
  if (f.amx_int8 || f.amx_bf16) {
    EXPECT_TRUE(f.amx_tile);
  }
  if (f.avx512bf16) {
    EXPECT_TRUE(f.avx512f);
  }
  if (f.dotprod || f.i8mm) {
    EXPECT_TRUE(f.neon);
  }
#if defined(__x86_64__)
  EXPECT_EQ(f.arch, "x86_64");
  EXPECT_FALSE(f.neon || f.dotprod || f.i8mm || f.sve);
  // Every x86-64 machine we target (and CI) has AVX2+FMA; the compiler agrees
  // when built with -march=native, which this test does not require.
  EXPECT_TRUE(f.avx2);
  EXPECT_TRUE(f.fma);
#elif defined(__aarch64__)
  EXPECT_EQ(f.arch, "aarch64");
  EXPECT_TRUE(f.neon);  // Advanced SIMD is mandatory on AArch64
  EXPECT_FALSE(f.avx2 || f.avx512f);
#elif defined(__arm__)
  EXPECT_EQ(f.arch, "armv7");
#endif
}

TEST(CpuFeatures, ToStringListsOnlyPresentFeatures) {
  CpuFeatures f;
  EXPECT_EQ(f.ToString(), "");
  f.avx2 = true;
  f.avx512vnni = true;
  EXPECT_EQ(f.ToString(), "avx2 avx512vnni");
  const CpuFeatures& real = GetCpuFeatures();
  if (real.avx2) {
    EXPECT_NE(real.ToString().find("avx2"), std::string::npos);
  }
  if (real.neon) {
    EXPECT_NE(real.ToString().find("neon"), std::string::npos);
  }
}

TEST(CpuFeatures, LogicalCoresMatchesHardwareConcurrency) {
  const unsigned hc = std::thread::hardware_concurrency();
  if (hc > 0) {
    EXPECT_EQ(GetCpuFeatures().logical_cores, static_cast<int>(hc));
  }
}

#if defined(__x86_64__)
// The kernel's /proc/cpuinfo flags already account for OS (XSAVE) support, so
// cpuid+xgetbv detection must agree with them flag by flag (an independent
// oracle).
TEST(CpuFeatures, X86AgreesWithProcCpuinfo) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  std::set<std::string> flags;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    for (std::string w; words >> w;) flags.insert(w);
    break;
  }
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags";
  const CpuFeatures& f = GetCpuFeatures();
  EXPECT_EQ(f.avx2, flags.count("avx2") == 1);
  EXPECT_EQ(f.fma, flags.count("fma") == 1);
  EXPECT_EQ(f.f16c, flags.count("f16c") == 1);
  EXPECT_EQ(f.avx512f, flags.count("avx512f") == 1);
  EXPECT_EQ(f.avx512bw, flags.count("avx512bw") == 1);
  EXPECT_EQ(f.avx512vl, flags.count("avx512vl") == 1);
  EXPECT_EQ(f.avx512vnni, flags.count("avx512_vnni") == 1);
  EXPECT_EQ(f.avxvnni, flags.count("avx_vnni") == 1);
  EXPECT_EQ(f.avx512bf16, flags.count("avx512_bf16") == 1);
  std::ifstream again("/proc/cpuinfo");
  std::string vendor;
  while (std::getline(again, line)) {
    if (line.rfind("vendor_id", 0) != 0) continue;
    std::istringstream(line.substr(line.find(':') + 1)) >> vendor;
    break;
  }
  if (!vendor.empty()) {
    EXPECT_EQ(f.amd, vendor == "AuthenticAMD" || vendor == "HygonGenuine")
        << vendor;
  }
  // AMX also needs the tile state permission (Linux 5.16+), so the flags
  // bound it from above only.
  if (f.amx_tile) {
    EXPECT_EQ(flags.count("amx_tile"), 1u);
  }
  if (f.amx_int8) {
    EXPECT_EQ(flags.count("amx_int8"), 1u);
  }
  if (f.amx_bf16) {
    EXPECT_EQ(flags.count("amx_bf16"), 1u);
  }
  EXPECT_FALSE(f.model.empty());
}
#endif

}  // namespace
}  // namespace edgemma
