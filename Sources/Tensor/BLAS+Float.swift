// The Float conformance of the BLAS wrapper: OpenBLAS's `s` routines (see BLAS.swift).
internal import CBLAS

extension Float: _BLASScalar {
    /// `_BLASScalar._gemm` in single precision, on `cblas_sgemm` (an implementation detail).
    public static func _gemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            BLAS.blasInt(m, "m"), BLAS.blasInt(n, "n"), BLAS.blasInt(k, "k"), alpha, a,
            BLAS.blasInt(Swift.max(1, lda), "lda"),
            b, BLAS.blasInt(Swift.max(1, ldb), "ldb"), beta, c, BLAS.blasInt(Swift.max(1, ldc), "ldc"))
    }

    /// `_BLASScalar._gemv` in single precision, on `cblas_sgemv` (an implementation detail).
    public static func _gemv(
        _ transposeA: Bool, _ m: Int, _ n: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
        _ x: UnsafePointer<Float>, _ incx: Int, _ beta: Float, _ y: UnsafeMutablePointer<Float>, _ incy: Int
    ) {
        cblas_sgemv(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, BLAS.blasInt(m, "m"), BLAS.blasInt(n, "n"), alpha,
            a, BLAS.blasInt(Swift.max(1, lda), "lda"), x, BLAS.blasInt(incx, "incx"), beta, y,
            BLAS.blasInt(incy, "incy"))
    }

    /// `_BLASScalar._axpy` in single precision, on `cblas_saxpy` (an implementation detail).
    public static func _axpy(_ count: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>)
    {
        cblas_saxpy(BLAS.blasInt(count, "n"), alpha, x, 1, y, 1)
    }
}
