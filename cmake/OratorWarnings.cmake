# Warnings are errors on our own targets only (never leaked to consumers).
function(orator_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wconversion -Wno-sign-conversion -Werror)
endfunction()
