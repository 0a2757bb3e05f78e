# Warnings are errors on our own targets only (never leaked to consumers).
function(orator_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wconversion -Wno-sign-conversion -Werror)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # `#pragma omp simd` is a hint: instrumented (sanitizer/fuzzer) builds may not vectorise.
    target_compile_options(${target} PRIVATE -Wno-pass-failed)
  endif()
endfunction()
