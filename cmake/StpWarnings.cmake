# Warnings for stampede's own C targets. -Wdouble-promotion guards the float
# model math in step.h (header_check); host code mixes float storage with
# double sums on purpose.
function(stp_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wstrict-prototypes
                         -Wno-unknown-pragmas)
  if(STP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
