# Per-directory ISA flags for kernel variants. Toolchain files never set ISA flags; only
# these helpers do, so which kernels exist depends on the target architecture alone.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(EDGEMMA_ARCH_X86 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(EDGEMMA_ARCH_AARCH64 ON)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(armv7|armv7l|arm)")
  set(EDGEMMA_ARCH_ARMV7 ON)
endif()

# The flags of each kernel directory (quant/<arch>/<isa>/), one ISA per directory.
set(EDGEMMA_ISA_FLAGS_avx2 -mavx2 -mfma -mf16c)
set(EDGEMMA_ISA_FLAGS_avx512 -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mavx2 -mfma -mf16c)
set(EDGEMMA_ISA_FLAGS_neon "")
set(EDGEMMA_ISA_FLAGS_neondot -march=armv8.2-a+dotprod)
set(EDGEMMA_ISA_FLAGS_neoni8mm -march=armv8.6-a+dotprod+i8mm)

# edgemma_kernel_flags(<file> <flags...>): compile one source with extra ISA flags.
function(edgemma_kernel_flags file)
  set_source_files_properties(${file} PROPERTIES COMPILE_OPTIONS "${ARGN}")
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
