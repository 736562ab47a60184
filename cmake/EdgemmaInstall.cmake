# The installable library and its packaging (included by the top-level CMakeLists.txt after
# every target exists).
#
# `edgemma` (alias edgemma::edgemma): libedgemma.a, or libedgemma.so.<major> with
# BUILD_SHARED_LIBS=ON: ONE self-contained library made from the object files of every runtime
# module the C API uses (cmake/modules.txt: the closure of core/capi), so an application links
# one file. Nothing is compiled twice: the module archives' objects are reused. The shared
# object exports only the C API (edgemma_*; cmake/edgemma.map).
#
# Installed: include/edgemma.h, the library, bin/edgemma (when the CLI is built),
# lib/pkgconfig/edgemma.pc, lib/cmake/edgemma/edgemma{Config,ConfigVersion,Targets}.cmake.
# `cpack -G DEB` in the build directory gives edgemma_<version>_<arch>.deb (arm64, armhf or
# amd64, from the toolchain's CMAKE_SYSTEM_PROCESSOR).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# edgemma_runtime_archives(<out-var> <targets...>): the project's static/object libraries in
# the link closure of <targets> (through INTERFACE umbrellas such as edgemma_core), and in
# <out-var>_EXTERNAL the outside libraries they link.
function(edgemma_runtime_archives out)
  set(_todo ${ARGN})
  set(_seen "")
  set(_archives "")
  set(_external "")
  while(_todo)
    list(POP_FRONT _todo _t)
    if(_t IN_LIST _seen)
      continue()
    endif()
    list(APPEND _seen ${_t})
    if(NOT TARGET ${_t})
      list(APPEND _external ${_t})
      continue()
    endif()
    get_target_property(_imported ${_t} IMPORTED)
    if(_imported)
      list(APPEND _external ${_t})
      continue()
    endif()
    get_target_property(_type ${_t} TYPE)
    if(_type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(_deps ${_t} INTERFACE_LINK_LIBRARIES)
    else()
      list(APPEND _archives ${_t})
      get_target_property(_deps ${_t} LINK_LIBRARIES)
    endif()
    if(_deps)
      foreach(_d ${_deps})
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" _d "${_d}")
        list(APPEND _todo ${_d})
      endforeach()
    endif()
  endwhile()
  set(${out} ${_archives} PARENT_SCOPE)
  set(${out}_EXTERNAL ${_external} PARENT_SCOPE)
endfunction()

edgemma_runtime_archives(_edgemma_objs edgemma_capi)
set(_edgemma_sources "")
foreach(_t ${_edgemma_objs})
  list(APPEND _edgemma_sources $<TARGET_OBJECTS:${_t}>)
endforeach()
# Outside libraries: only header-only ones (nlohmann_json) and Threads may reach the runtime;
# anything else must be added to edgemma.pc and edgemmaConfig.cmake first.
foreach(_x ${_edgemma_objs_EXTERNAL})
  if(NOT _x MATCHES "^(Threads::Threads|nlohmann_json::nlohmann_json)$")
    message(FATAL_ERROR "libedgemma: runtime module links '${_x}', which the installed "
                        "package does not declare (cmake/EdgemmaInstall.cmake)")
  endif()
endforeach()

add_library(edgemma ${_edgemma_sources})
add_library(edgemma::edgemma ALIAS edgemma)
set_target_properties(edgemma PROPERTIES
  OUTPUT_NAME edgemma LINKER_LANGUAGE CXX
  VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
  PUBLIC_HEADER ${PROJECT_SOURCE_DIR}/include/edgemma.h)
target_include_directories(edgemma PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
find_package(Threads REQUIRED)
get_target_property(_edgemma_type edgemma TYPE)
if(_edgemma_type STREQUAL "SHARED_LIBRARY")
  set(_map ${PROJECT_SOURCE_DIR}/cmake/edgemma.map)
  target_link_options(edgemma PRIVATE -Wl,--version-script=${_map} -Wl,--no-undefined)
  set_property(TARGET edgemma APPEND PROPERTY LINK_DEPENDS ${_map})
  target_link_libraries(edgemma PRIVATE Threads::Threads)
  set(EDGEMMA_PC_LIBS "-ledgemma")
  set(EDGEMMA_PC_LIBS_PRIVATE "-lstdc++ -lm -pthread")
else()
  # A C program links the archive with the C driver: name the C++ runtime it needs.
  target_link_libraries(edgemma INTERFACE Threads::Threads stdc++ m)
  set(EDGEMMA_PC_LIBS "-ledgemma -lstdc++ -lm -pthread")
  set(EDGEMMA_PC_LIBS_PRIVATE "")
endif()

install(TARGETS edgemma EXPORT edgemmaTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET edgemma_cli)
  install(TARGETS edgemma_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

set(_cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/edgemma)
install(EXPORT edgemmaTargets NAMESPACE edgemma:: DESTINATION ${_cmakedir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/edgemmaConfig.cmake.in
  ${PROJECT_BINARY_DIR}/edgemmaConfig.cmake INSTALL_DESTINATION ${_cmakedir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/edgemmaConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/edgemmaConfig.cmake
              ${PROJECT_BINARY_DIR}/edgemmaConfigVersion.cmake DESTINATION ${_cmakedir})
# Relocatable: the prefix is found from where edgemma.pc lies (cmake --install --prefix, DEB).
file(RELATIVE_PATH _pc_up /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" _pc_up "${_pc_up}")
set(EDGEMMA_PC_PREFIX "\${pcfiledir}/${_pc_up}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/edgemma.pc.in ${PROJECT_BINARY_DIR}/edgemma.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/edgemma.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Debian package: the Debian name of the target architecture.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  set(_deb_arch arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(armv7.*|arm|armhf)$")
  set(_deb_arch armhf)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(_deb_arch amd64)
else()
  set(_deb_arch ${CMAKE_SYSTEM_PROCESSOR})
endif()
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME edgemma)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "edgemma maintainers <edgemma@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Gemma 4 E2B/E4B inference on small CPUs, offline, in fixed memory")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${_deb_arch})
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_FILE_NAME "edgemma_${PROJECT_VERSION}_${_deb_arch}.deb")
# dpkg-shlibdeps reads the host's package database: only for native builds.
if(NOT CMAKE_CROSSCOMPILING)
  find_program(EDGEMMA_DPKG_SHLIBDEPS dpkg-shlibdeps)
  if(EDGEMMA_DPKG_SHLIBDEPS)
    set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  endif()
endif()
include(CPack)
