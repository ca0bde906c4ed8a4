// Vectorized elementwise kernels (exponential and logistic sigmoid) for Tensor's VectorMath.swift,
// the only file that imports this module. See vector_math.c for the method and its accuracy.
#ifndef CVECTORMATH_H
#define CVECTORMATH_H

#ifdef __cplusplus
extern "C" {
#endif

/// Replaces each of `count` doubles by e^x (within 1 ulp of a correctly rounded result).
void cvm_exp_f64(double *values, long count);
/// Replaces each of `count` floats by e^x (computed in double, rounded once).
void cvm_exp_f32(float *values, long count);
/// Replaces each element of a row-major rows × columns buffer by the logistic sigmoid of itself
/// plus bias[column] (bias may be NULL).
void cvm_logistic_f64(double *values, long rows, long columns, const double *bias);
/// The float version of cvm_logistic_f64 (computed in double, rounded once).
void cvm_logistic_f32(float *values, long rows, long columns, const float *bias);

/// Whether the AVX2+FMA kernels run (1) or the baseline ones (0): the CPU's answer unless
/// cvm_set_vector_level chose; for tests that check both paths.
int cvm_vector_level(void);
/// Forces the baseline kernels (0), AVX2+FMA where the CPU has them (1), or the CPU's choice (-1).
void cvm_set_vector_level(int level);

#ifdef __cplusplus
}
#endif

#endif
