// Vectorized kernels for Tensor's VectorMath.swift, the only file that imports this module: the
// exponential and logistic sigmoid (vector_math.c, with the method and its accuracy) and the
// nan-propagating largest and smallest element (extremes.c).
#ifndef CVECTORMATH_H
#define CVECTORMATH_H

#include <stddef.h>

#include "CProcessor.h"
#include "COpenBLASThreads.h"
#include "CFloatingPointMode.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Which compiled form of a kernel runs.
typedef enum {
    /// AVX2 with FMA where the CPU has both, the baseline otherwise.
    CVM_FORM_AUTOMATIC = -1,
    /// The baseline (SSE2 on x86-64).
    CVM_FORM_BASELINE = 0,
    /// AVX2 with FMA; the baseline where the CPU lacks either.
    CVM_FORM_AVX2 = 1,
} cvm_form;

/// Whether `form` runs the AVX2+FMA kernels on this CPU (1) or the baseline ones (0).
int cvm_uses_avx2(cvm_form form);

/// Replaces each of `count` doubles by e^x (at most 1 ulp from glibc's exp).
void cvm_exp_f64(double *values, ptrdiff_t count, cvm_form form);
/// Replaces each of `count` floats by e^x (computed in double, then rounded to float).
void cvm_exp_f32(float *values, ptrdiff_t count, cvm_form form);
/// Replaces each element of a row-major rows × columns buffer by the logistic sigmoid of itself
/// plus bias[column] (bias may be NULL).
void cvm_logistic_f64(double *values, ptrdiff_t rows, ptrdiff_t columns, const double *bias, cvm_form form);
/// The float version of cvm_logistic_f64 (computed in double, then rounded to float).
void cvm_logistic_f32(float *values, ptrdiff_t rows, ptrdiff_t columns, const float *bias, cvm_form form);

/// The largest of `count` ≥ 1 doubles, or nan if any is nan.
double cvm_max_f64(const double *values, ptrdiff_t count, cvm_form form);
/// The smallest of `count` ≥ 1 doubles, or nan if any is nan.
double cvm_min_f64(const double *values, ptrdiff_t count, cvm_form form);
/// The largest of `count` ≥ 1 floats, or nan if any is nan.
float cvm_max_f32(const float *values, ptrdiff_t count, cvm_form form);
/// The smallest of `count` ≥ 1 floats, or nan if any is nan.
float cvm_min_f32(const float *values, ptrdiff_t count, cvm_form form);

#ifdef __cplusplus
}
#endif

#endif
