// The Float conformance of the LAPACK wrapper: each requirement is one call to the `s` routine's
// LAPACKE `_work` entry point in column-major layout. Workspace queries, work arrays, flags and range
// checks are the generic code's, in LAPACK.swift (see there for the conventions).
internal import CBLAS

extension Float: _LAPACKScalar {
    /// `_LAPACKScalar._getrf` in single precision: `LAPACKE_sgetrf_work` (an implementation detail).
    public static func _getrf(
        _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int32 {
        LAPACKE_sgetrf_work(LAPACK_COL_MAJOR, m, n, a, lda, pivots)
    }

    /// `_LAPACKScalar._getrs` in single precision: `LAPACKE_sgetrs_work` (an implementation detail).
    public static func _getrs(
        _ transpose: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32,
        _ pivots: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Float>, _ ldb: Int32
    ) -> Int32 {
        LAPACKE_sgetrs_work(LAPACK_COL_MAJOR, transpose, n, nrhs, a, lda, pivots, b, ldb)
    }

    /// `_LAPACKScalar._getri` in single precision: `LAPACKE_sgetri_work` (an implementation detail).
    public static func _getri(
        _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ pivots: UnsafeMutablePointer<Int32>,
        _ work: UnsafeMutablePointer<Float>, _ lwork: Int32
    ) -> Int32 {
        LAPACKE_sgetri_work(LAPACK_COL_MAJOR, n, a, lda, pivots, work, lwork)
    }

    /// `_LAPACKScalar._potrf` in single precision: `LAPACKE_spotrf_work` (an implementation detail).
    public static func _potrf(_ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32) -> Int32 {
        LAPACKE_spotrf_work(LAPACK_COL_MAJOR, uplo, n, a, lda)
    }

    /// `_LAPACKScalar._posv` in single precision: `LAPACKE_sposv_work` (an implementation detail).
    public static func _posv(
        _ uplo: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32,
        _ b: UnsafeMutablePointer<Float>, _ ldb: Int32
    ) -> Int32 {
        LAPACKE_sposv_work(LAPACK_COL_MAJOR, uplo, n, nrhs, a, lda, b, ldb)
    }

    /// `_LAPACKScalar._syevd` in single precision: `LAPACKE_ssyevd_work` (an implementation detail).
    public static func _syevd(
        _ jobz: CChar, _ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32,
        _ values: UnsafeMutablePointer<Float>, _ work: UnsafeMutablePointer<Float>, _ lwork: Int32,
        _ integerWork: UnsafeMutablePointer<Int32>, _ liwork: Int32
    ) -> Int32 {
        LAPACKE_ssyevd_work(LAPACK_COL_MAJOR, jobz, uplo, n, a, lda, values, work, lwork, integerWork, liwork)
    }

    /// `_LAPACKScalar._geev` in single precision: `LAPACKE_sgeev_work` (an implementation detail).
    public static func _geev(
        _ jobvl: CChar, _ jobvr: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32,
        _ realParts: UnsafeMutablePointer<Float>, _ imaginaryParts: UnsafeMutablePointer<Float>,
        _ vl: UnsafeMutablePointer<Float>, _ ldvl: Int32, _ vr: UnsafeMutablePointer<Float>, _ ldvr: Int32,
        _ work: UnsafeMutablePointer<Float>, _ lwork: Int32
    ) -> Int32 {
        LAPACKE_sgeev_work(
            LAPACK_COL_MAJOR, jobvl, jobvr, n, a, lda, realParts, imaginaryParts, vl, ldvl, vr, ldvr, work, lwork)
    }

    /// `_LAPACKScalar._gesdd` in single precision: `LAPACKE_sgesdd_work` (an implementation detail).
    public static func _gesdd(
        _ jobz: CChar, _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32,
        _ s: UnsafeMutablePointer<Float>, _ u: UnsafeMutablePointer<Float>, _ ldu: Int32,
        _ vt: UnsafeMutablePointer<Float>, _ ldvt: Int32, _ work: UnsafeMutablePointer<Float>, _ lwork: Int32,
        _ integerWork: UnsafeMutablePointer<Int32>
    ) -> Int32 {
        LAPACKE_sgesdd_work(LAPACK_COL_MAJOR, jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork, integerWork)
    }

    /// `_LAPACKScalar._gelsd` in single precision: `LAPACKE_sgelsd_work` (an implementation detail).
    public static func _gelsd(
        _ m: Int32, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32,
        _ b: UnsafeMutablePointer<Float>, _ ldb: Int32, _ s: UnsafeMutablePointer<Float>, _ rcond: Float,
        _ rank: UnsafeMutablePointer<Int32>, _ work: UnsafeMutablePointer<Float>, _ lwork: Int32,
        _ integerWork: UnsafeMutablePointer<Int32>
    ) -> Int32 {
        LAPACKE_sgelsd_work(LAPACK_COL_MAJOR, m, n, nrhs, a, lda, b, ldb, s, rcond, rank, work, lwork, integerWork)
    }

    /// `_LAPACKScalar._gelqf` in single precision: `LAPACKE_sgelqf_work` (an implementation detail).
    public static func _gelqf(
        _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32, _ tau: UnsafeMutablePointer<Float>,
        _ work: UnsafeMutablePointer<Float>, _ lwork: Int32
    ) -> Int32 {
        LAPACKE_sgelqf_work(LAPACK_COL_MAJOR, m, n, a, lda, tau, work, lwork)
    }

    /// `_LAPACKScalar._orglq` in single precision: `LAPACKE_sorglq_work` (an implementation detail).
    public static func _orglq(
        _ m: Int32, _ n: Int32, _ k: Int32, _ a: UnsafeMutablePointer<Float>, _ lda: Int32,
        _ tau: UnsafeMutablePointer<Float>, _ work: UnsafeMutablePointer<Float>, _ lwork: Int32
    ) -> Int32 {
        LAPACKE_sorglq_work(LAPACK_COL_MAJOR, m, n, k, a, lda, tau, work, lwork)
    }
}
