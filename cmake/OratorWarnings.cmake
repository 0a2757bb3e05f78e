# Warnings are errors on our own targets only (never leaked to consumers).
function(orator_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wconversion -Wno-sign-conversion -Werror)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 reports impossible overlaps in std::string's inlined insert
    # ("literal" + std::string&&) at -O2: GCC bug 105651, fixed in 13.
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # `#pragma omp simd` is a hint: instrumented (sanitizer/fuzzer) builds may not vectorise.
    target_compile_options(${target} PRIVATE -Wno-pass-failed)
  endif()
endfunction()
