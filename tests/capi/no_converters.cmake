# ctest script: the runtime archives behind libedgemma (RUNTIME, comma-separated) neither define nor
# need any function the converters' archive (CONVERT) defines: `edgemma quantize`, `synth`
# and the GGUF/safetensors writers stay out of what an application linking libedgemma gets.
# Inputs: -DNM=<nm> -DCONVERT=<libedgemma_convert.a> -DRUNTIME=<a,b,...>
cmake_minimum_required(VERSION 3.25)

function(symbols archive kind out)  # kind: defined | undefined
  if(kind STREQUAL "defined")
    set(_flag --defined-only)
  else()
    set(_flag --undefined-only)
  endif()
  execute_process(COMMAND ${NM} ${_flag} -g ${archive} OUTPUT_VARIABLE _text
                  RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${NM} ${archive} failed")
  endif()
  # Strong text symbols of the edgemma namespace (mangled _ZN7edgemma...): inline functions
  # and template instances (weak, W) may legitimately appear in several archives.
  if(kind STREQUAL "defined")
    string(REGEX MATCHALL "[ \n]T _ZN7edgemma[A-Za-z0-9_]*" _syms "${_text}")
  else()
    string(REGEX MATCHALL "[ \n]U _ZN7edgemma[A-Za-z0-9_]*" _syms "${_text}")
  endif()
  list(TRANSFORM _syms REPLACE "^[ \n][TU] " "")
  list(REMOVE_DUPLICATES _syms)
  set(${out} ${_syms} PARENT_SCOPE)
endfunction()

string(REPLACE "," ";" RUNTIME "${RUNTIME}")
symbols(${CONVERT} defined _convert)
list(LENGTH _convert _n)
if(_n LESS 10)
  message(FATAL_ERROR "${CONVERT}: only ${_n} converter symbols found; is it the right archive?")
endif()
set(_bad "")
foreach(_a ${RUNTIME})
  foreach(_kind defined undefined)
    symbols(${_a} ${_kind} _syms)
    foreach(_s ${_syms})
      if(_s IN_LIST _convert)
        list(APPEND _bad "${_a}: ${_kind} ${_s}")
      endif()
    endforeach()
  endforeach()
endforeach()
if(_bad)
  list(JOIN _bad "\n" _msg)
  message(FATAL_ERROR "runtime archives hold or need converter code:\n${_msg}")
endif()
list(LENGTH RUNTIME _na)
message(STATUS "${_na} runtime archives, none holds or needs any of ${_n} converter symbols")
