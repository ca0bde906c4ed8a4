// The largest and smallest element of a buffer, nan if any element is nan (numpy's max and min),
// with explicit SIMD so that it runs at memory speed: a compare-and-select reduction does not
// vectorize without fast-math flags, which would also drop the nan check. On x86-64 the baseline
// form uses SSE2 (two doubles or four floats a step) and the AVX2 form, picked at run time like the
// exp kernels, eight floats or four doubles; elsewhere a plain loop. Which of two equal zeros (-0
// and +0) is returned is unspecified, as in numpy.
#include "CVectorMath.h"

#include <math.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

// Two accumulators per call hide the latency of max/min; `unordered` collects every nan seen.
#define DEFINE_EXTREME(NAME, TYPE, VECTOR, WIDTH, LOAD, SET1, OPERATION, UNORDERED, OR, MOVEMASK, SCALAR_PICK, ATTRIBUTES) \
    ATTRIBUTES static TYPE NAME(const TYPE *values, ptrdiff_t count) {                                      \
        VECTOR first = SET1(values[0]), second = first;                                                     \
        VECTOR nan_seen = UNORDERED(first, first);                                                          \
        ptrdiff_t i = 0;                                                                                    \
        for (; i + 2 * (WIDTH) <= count; i += 2 * (WIDTH)) {                                                \
            const VECTOR a = LOAD(values + i), b = LOAD(values + i + (WIDTH));                              \
            first = OPERATION(first, a);                                                                    \
            second = OPERATION(second, b);                                                                  \
            nan_seen = OR(nan_seen, UNORDERED(a, b));                                                       \
        }                                                                                                   \
        first = OPERATION(first, second);                                                                   \
        TYPE lanes[WIDTH];                                                                                  \
        memcpy(lanes, &first, sizeof lanes);                                                                \
        int any_nan = MOVEMASK(nan_seen) != 0;                                                              \
        TYPE result = lanes[0];                                                                             \
        for (int lane = 1; lane < (WIDTH); lane++) result = SCALAR_PICK(result, lanes[lane]);               \
        for (; i < count; i++) {                                                                            \
            if (isnan(values[i])) any_nan = 1;                                                              \
            result = SCALAR_PICK(result, values[i]);                                                        \
        }                                                                                                   \
        return any_nan ? (TYPE)NAN : result;                                                                \
    }

#define PICK_MAX(a, b) ((b) > (a) ? (b) : (a))
#define PICK_MIN(a, b) ((b) < (a) ? (b) : (a))
#define UNORD_PD(a, b) _mm_cmpunord_pd(a, b)
#define UNORD_PS(a, b) _mm_cmpunord_ps(a, b)
#define UNORD_PD256(a, b) _mm256_cmp_pd(a, b, _CMP_UNORD_Q)
#define UNORD_PS256(a, b) _mm256_cmp_ps(a, b, _CMP_UNORD_Q)

#include <string.h>

DEFINE_EXTREME(max_f64_baseline, double, __m128d, 2, _mm_loadu_pd, _mm_set1_pd, _mm_max_pd, UNORD_PD, _mm_or_pd, _mm_movemask_pd, PICK_MAX, )
DEFINE_EXTREME(min_f64_baseline, double, __m128d, 2, _mm_loadu_pd, _mm_set1_pd, _mm_min_pd, UNORD_PD, _mm_or_pd, _mm_movemask_pd, PICK_MIN, )
DEFINE_EXTREME(max_f32_baseline, float, __m128, 4, _mm_loadu_ps, _mm_set1_ps, _mm_max_ps, UNORD_PS, _mm_or_ps, _mm_movemask_ps, PICK_MAX, )
DEFINE_EXTREME(min_f32_baseline, float, __m128, 4, _mm_loadu_ps, _mm_set1_ps, _mm_min_ps, UNORD_PS, _mm_or_ps, _mm_movemask_ps, PICK_MIN, )

#define AVX2 __attribute__((target("avx2")))
DEFINE_EXTREME(max_f64_avx2, double, __m256d, 4, _mm256_loadu_pd, _mm256_set1_pd, _mm256_max_pd, UNORD_PD256, _mm256_or_pd, _mm256_movemask_pd, PICK_MAX, AVX2)
DEFINE_EXTREME(min_f64_avx2, double, __m256d, 4, _mm256_loadu_pd, _mm256_set1_pd, _mm256_min_pd, UNORD_PD256, _mm256_or_pd, _mm256_movemask_pd, PICK_MIN, AVX2)
DEFINE_EXTREME(max_f32_avx2, float, __m256, 8, _mm256_loadu_ps, _mm256_set1_ps, _mm256_max_ps, UNORD_PS256, _mm256_or_ps, _mm256_movemask_ps, PICK_MAX, AVX2)
DEFINE_EXTREME(min_f32_avx2, float, __m256, 8, _mm256_loadu_ps, _mm256_set1_ps, _mm256_min_ps, UNORD_PS256, _mm256_or_ps, _mm256_movemask_ps, PICK_MIN, AVX2)

#define EXTREME_DISPATCH(FORM, NAME, ...) (cvm_uses_avx2(FORM) ? NAME##_avx2(__VA_ARGS__) : NAME##_baseline(__VA_ARGS__))
#else
#define DEFINE_PLAIN(NAME, TYPE, PICK)                                  \
    static TYPE NAME(const TYPE *values, ptrdiff_t count) {            \
        int any_nan = 0;                                                \
        TYPE result = values[0];                                        \
        for (ptrdiff_t i = 0; i < count; i++) {                         \
            if (isnan(values[i])) any_nan = 1;                          \
            result = PICK(result, values[i]);                           \
        }                                                               \
        return any_nan ? (TYPE)NAN : result;                            \
    }
#define PICK_MAX(a, b) ((b) > (a) ? (b) : (a))
#define PICK_MIN(a, b) ((b) < (a) ? (b) : (a))
DEFINE_PLAIN(max_f64_baseline, double, PICK_MAX)
DEFINE_PLAIN(min_f64_baseline, double, PICK_MIN)
DEFINE_PLAIN(max_f32_baseline, float, PICK_MAX)
DEFINE_PLAIN(min_f32_baseline, float, PICK_MIN)
#define EXTREME_DISPATCH(FORM, NAME, ...) ((void)(FORM), NAME##_baseline(__VA_ARGS__))
#endif

double cvm_max_f64(const double *values, ptrdiff_t count, cvm_form form) { return EXTREME_DISPATCH(form, max_f64, values, count); }
double cvm_min_f64(const double *values, ptrdiff_t count, cvm_form form) { return EXTREME_DISPATCH(form, min_f64, values, count); }
float cvm_max_f32(const float *values, ptrdiff_t count, cvm_form form) { return EXTREME_DISPATCH(form, max_f32, values, count); }
float cvm_min_f32(const float *values, ptrdiff_t count, cvm_form form) { return EXTREME_DISPATCH(form, min_f32, values, count); }
