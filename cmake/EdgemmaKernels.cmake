# Per-translation-unit ISA flags for kernel variants. Toolchain files never set ISA flags; only
# these helpers do, so which kernels exist depends on the target architecture alone.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(EDGEMMA_ARCH_X86 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(EDGEMMA_ARCH_AARCH64 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(armv7|armv7l|arm)")
  set(EDGEMMA_ARCH_ARMV7 ON)
endif()

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
