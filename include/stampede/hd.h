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

#ifdef __cplusplus
#define STP_EXTERN_C_BEGIN extern "C" {
#define STP_EXTERN_C_END   }
#else
#define STP_EXTERN_C_BEGIN
#define STP_EXTERN_C_END
#endif

#endif
