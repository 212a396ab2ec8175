/* hd.h: STP_HD marks the functions both backends call: __host__ __device__
 * under nvcc, nothing under a C compiler. STP_EXTERN_C gives the C API
 * headers C linkage when a CUDA (C++) file includes them. */
#ifndef STAMPEDE_HD_H
#define STAMPEDE_HD_H

#ifdef __CUDACC__
#define STP_HD __host__ __device__
#else
#define STP_HD
#endif

/* STP_UNROLL before a loop: nvcc unrolls it completely when its trip
 * count is a constant and leaves it alone when it is not (CUDA C++
 * Programming Guide, "#pragma unroll"), so one loop serves a shape known
 * at compile time and the general one (block.h). A C compiler unrolls as
 * it sees fit. */
#ifdef __CUDACC__
#define STP_UNROLL _Pragma("unroll")
#else
#define STP_UNROLL
#endif

#ifdef __cplusplus
#define STP_EXTERN_C_BEGIN extern "C" {
#define STP_EXTERN_C_END   }
#else
#define STP_EXTERN_C_BEGIN
#define STP_EXTERN_C_END
#endif

#endif
