// curand_include.cuh: curand_kernel.h in a translation unit that already
// has Random123 (rng.h). Both define a global mulhilo32 and the Philox
// constants as macros; cuRAND's function is renamed here and its macros
// take their (equal) values from its own header.
#ifndef STAMPEDE_CURAND_INCLUDE_CUH
#define STAMPEDE_CURAND_INCLUDE_CUH

#undef PHILOX_W32_0
#undef PHILOX_W32_1
#undef PHILOX_M4x32_0
#undef PHILOX_M4x32_1
#define mulhilo32 stp_curand_mulhilo32
#include <curand_kernel.h>
#undef mulhilo32

#endif
