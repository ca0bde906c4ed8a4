// The C interface this package uses: OpenBLAS's CBLAS (with its openblas_* controls)
// and the reference LAPACKE that Debian's liblapacke-dev provides on top of OpenBLAS's LAPACK.
// Only Tensor's internal wrapper files include this module (`internal import CBLAS`).
#ifndef SWIFT_NEURAL_NUMERICS_CBLAS_SHIM_H
#define SWIFT_NEURAL_NUMERICS_CBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
