# Per-translation-unit ISA flags for kernel variants. Toolchain files never set ISA flags; only
# these helpers do, so which kernels exist depends on the target architecture alone.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(EDGEMMA_ARCH_X86 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(EDGEMMA_ARCH_AARCH64 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(armv7|armv7l|arm)")
  set(EDGEMMA_ARCH_ARMV7 ON)
endif()

# edgemma_kernel_flags(<file> <flags...>): compile one source with extra ISA flags.
function(edgemma_kernel_flags file)
  set_source_files_properties(${file} PROPERTIES COMPILE_OPTIONS "${ARGN}")
endfunction()
