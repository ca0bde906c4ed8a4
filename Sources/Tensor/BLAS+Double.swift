// The Double conformance of the BLAS wrapper: OpenBLAS's `d` routines (see BLAS.swift).
internal import CBLAS

extension Double: _BLASScalar {
    /// `_BLASScalar._gemm` in double precision, on `cblas_dgemm` (an implementation detail).
    public static func _gemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Double,
        _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int,
        _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            BLAS.blasInt(m, "m"), BLAS.blasInt(n, "n"), BLAS.blasInt(k, "k"), alpha, a,
            BLAS.blasInt(Swift.max(1, lda), "lda"),
            b, BLAS.blasInt(Swift.max(1, ldb), "ldb"), beta, c, BLAS.blasInt(Swift.max(1, ldc), "ldc"))
    }

    /// `_BLASScalar._gemv` in double precision, on `cblas_dgemv` (an implementation detail).
    public static func _gemv(
        _ transposeA: Bool, _ m: Int, _ n: Int, _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int,
        _ x: UnsafePointer<Double>, _ incx: Int, _ beta: Double, _ y: UnsafeMutablePointer<Double>, _ incy: Int
    ) {
        cblas_dgemv(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, BLAS.blasInt(m, "m"), BLAS.blasInt(n, "n"), alpha,
            a, BLAS.blasInt(Swift.max(1, lda), "lda"), x, BLAS.blasInt(incx, "incx"), beta, y,
            BLAS.blasInt(incy, "incy"))
    }

    /// `_BLASScalar._axpy` in double precision, on `cblas_daxpy` (an implementation detail).
    public static func _axpy(
        _ count: Int, _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>
    ) {
        cblas_daxpy(BLAS.blasInt(count, "n"), alpha, x, 1, y, 1)
    }
}
