# Per-directory ISA flags for kernel variants. Toolchain files never set ISA flags; only
# these helpers do, so which kernels exist depends on the target architecture alone.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(EDGEMMA_ARCH_X86 ON)
  # AMX intrinsics need GCC 11 / Clang 12; older compilers build without the
  # amx variant.
  include(CheckCXXCompilerFlag)
  check_cxx_compiler_flag("-mamx-tile -mamx-int8 -mamx-bf16 -mavx512bf16" EDGEMMA_HAVE_AMX)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(EDGEMMA_ARCH_AARCH64 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(armv7|armv7l|arm)")
  set(EDGEMMA_ARCH_ARMV7 ON)
endif()

# The flags of each kernel directory (quant/<arch>/<isa>/), one ISA per directory.
set(EDGEMMA_ISA_FLAGS_avx2 -mavx2 -mfma -mf16c)
set(EDGEMMA_ISA_FLAGS_avx512 -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx2 -mfma -mf16c)
# AMX: the AVX-512 flags (its table and tails are the AVX-512 variant's) plus
# the tile instructions and the bf16 conversions that feed TDPBF16PS (every
# CPU with AMX-BF16 has AVX512-BF16).
set(EDGEMMA_ISA_FLAGS_amx ${EDGEMMA_ISA_FLAGS_avx512} -mamx-tile -mamx-int8 -mamx-bf16
    -mavx512bf16)
set(EDGEMMA_ISA_FLAGS_neon "")
set(EDGEMMA_ISA_FLAGS_neondot -march=armv8.2-a+dotprod)
set(EDGEMMA_ISA_FLAGS_neoni8mm -march=armv8.6-a+dotprod+i8mm)

# EDGEMMA_CPU: tune every file for one board's CPU (-mcpu=, e.g. cortex-a76 for the Raspberry Pi
# 5; CMakePresets.json). Kernel variants still get their own ISA extensions: GCC rejects -march
# next to a different -mcpu (an error under -Werror), so on aarch64 a variant's
# -march=<base>+ext becomes -mcpu=${EDGEMMA_CPU}+ext (run-time dispatch still picks the
# variants the CPU has).
set(EDGEMMA_CPU "" CACHE STRING "Target CPU for -mcpu (e.g. cortex-a76); empty: the toolchain's")
if(EDGEMMA_CPU)
  add_compile_options(-mcpu=${EDGEMMA_CPU})
endif()

# edgemma_kernel_flags(<file> <flags...>): compile one source with extra ISA flags.
function(edgemma_kernel_flags file)
  set(_flags ${ARGN})
  if(EDGEMMA_CPU AND EDGEMMA_ARCH_AARCH64)
    list(TRANSFORM _flags REPLACE "^-march=[^+]*(.*)$" "-mcpu=${EDGEMMA_CPU}\\1")
  endif()
  set_source_files_properties(${file} PROPERTIES COMPILE_OPTIONS "${_flags}")
endfunction()

# edgemma_kernel_dir(<out_list> <dir> <isa>): append every *.cc of <dir> to <out_list>,
# each compiled with EDGEMMA_ISA_FLAGS_<isa>. Fails if the directory has no sources, so a
# table the registry lists can never be silently left out.
function(edgemma_kernel_dir out_list dir isa)
  file(GLOB _srcs CONFIGURE_DEPENDS ${dir}/*.cc)
  if(NOT _srcs)
    message(FATAL_ERROR "kernel directory ${dir} has no sources")
  endif()
  if(EDGEMMA_ISA_FLAGS_${isa})
    foreach(f ${_srcs})
      edgemma_kernel_flags(${f} ${EDGEMMA_ISA_FLAGS_${isa}})
    endforeach()
  endif()
  set(${out_list} ${${out_list}} ${_srcs} PARENT_SCOPE)
endfunction()
