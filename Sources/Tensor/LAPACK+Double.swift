// The Double conformance of the LAPACK wrapper: each requirement is one call to the `d` routine's
// LAPACKE `_work` entry point in column-major layout. Workspace queries, work arrays, flags and range
// checks are the generic code's, in LAPACK.swift (see there for the conventions).
internal import CBLAS

extension Double: _LAPACKScalar {
    /// `_LAPACKScalar._getrf` in double precision: `LAPACKE_dgetrf_work` (an implementation detail).
    public static func _getrf(
        _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int32 {
        LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, m, n, a, lda, pivots)
    }

    /// `_LAPACKScalar._getrs` in double precision: `LAPACKE_dgetrs_work` (an implementation detail).
    public static func _getrs(
        _ transpose: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32,
        _ pivots: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Double>, _ ldb: Int32
    ) -> Int32 {
        LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, transpose, n, nrhs, a, lda, pivots, b, ldb)
    }

    /// `_LAPACKScalar._getri` in double precision: `LAPACKE_dgetri_work` (an implementation detail).
    public static func _getri(
        _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ pivots: UnsafeMutablePointer<Int32>,
        _ work: UnsafeMutablePointer<Double>, _ lwork: Int32
    ) -> Int32 {
        LAPACKE_dgetri_work(LAPACK_COL_MAJOR, n, a, lda, pivots, work, lwork)
    }

    /// `_LAPACKScalar._potrf` in double precision: `LAPACKE_dpotrf_work` (an implementation detail).
    public static func _potrf(_ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32) -> Int32 {
        LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, uplo, n, a, lda)
    }

    /// `_LAPACKScalar._posv` in double precision: `LAPACKE_dposv_work` (an implementation detail).
    public static func _posv(
        _ uplo: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32,
        _ b: UnsafeMutablePointer<Double>, _ ldb: Int32
    ) -> Int32 {
        LAPACKE_dposv_work(LAPACK_COL_MAJOR, uplo, n, nrhs, a, lda, b, ldb)
    }

    /// `_LAPACKScalar._syevd` in double precision: `LAPACKE_dsyevd_work` (an implementation detail).
    public static func _syevd(
        _ jobz: CChar, _ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32,
        _ values: UnsafeMutablePointer<Double>, _ work: UnsafeMutablePointer<Double>, _ lwork: Int32,
        _ integerWork: UnsafeMutablePointer<Int32>, _ liwork: Int32
    ) -> Int32 {
        LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, jobz, uplo, n, a, lda, values, work, lwork, integerWork, liwork)
    }

    /// `_LAPACKScalar._geev` in double precision: `LAPACKE_dgeev_work` (an implementation detail).
    public static func _geev(
        _ jobvl: CChar, _ jobvr: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32,
        _ realParts: UnsafeMutablePointer<Double>, _ imaginaryParts: UnsafeMutablePointer<Double>,
        _ vl: UnsafeMutablePointer<Double>, _ ldvl: Int32, _ vr: UnsafeMutablePointer<Double>, _ ldvr: Int32,
        _ work: UnsafeMutablePointer<Double>, _ lwork: Int32
    ) -> Int32 {
        LAPACKE_dgeev_work(
            LAPACK_COL_MAJOR, jobvl, jobvr, n, a, lda, realParts, imaginaryParts, vl, ldvl, vr, ldvr, work, lwork)
    }

    /// `_LAPACKScalar._gesdd` in double precision: `LAPACKE_dgesdd_work` (an implementation detail).
    public static func _gesdd(
        _ jobz: CChar, _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32,
        _ s: UnsafeMutablePointer<Double>, _ u: UnsafeMutablePointer<Double>, _ ldu: Int32,
        _ vt: UnsafeMutablePointer<Double>, _ ldvt: Int32, _ work: UnsafeMutablePointer<Double>, _ lwork: Int32,
        _ integerWork: UnsafeMutablePointer<Int32>
    ) -> Int32 {
        LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, jobz, m, n, a, lda, s, u, ldu, vt, ldvt, work, lwork, integerWork)
    }

    /// `_LAPACKScalar._gelsd` in double precision: `LAPACKE_dgelsd_work` (an implementation detail).
    public static func _gelsd(
        _ m: Int32, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32,
        _ b: UnsafeMutablePointer<Double>, _ ldb: Int32, _ s: UnsafeMutablePointer<Double>, _ rcond: Double,
        _ rank: UnsafeMutablePointer<Int32>, _ work: UnsafeMutablePointer<Double>, _ lwork: Int32,
        _ integerWork: UnsafeMutablePointer<Int32>
    ) -> Int32 {
        LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, m, n, nrhs, a, lda, b, ldb, s, rcond, rank, work, lwork, integerWork)
    }

    /// `_LAPACKScalar._gelqf` in double precision: `LAPACKE_dgelqf_work` (an implementation detail).
    public static func _gelqf(
        _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32, _ tau: UnsafeMutablePointer<Double>,
        _ work: UnsafeMutablePointer<Double>, _ lwork: Int32
    ) -> Int32 {
        LAPACKE_dgelqf_work(LAPACK_COL_MAJOR, m, n, a, lda, tau, work, lwork)
    }

    /// `_LAPACKScalar._orglq` in double precision: `LAPACKE_dorglq_work` (an implementation detail).
    public static func _orglq(
        _ m: Int32, _ n: Int32, _ k: Int32, _ a: UnsafeMutablePointer<Double>, _ lda: Int32,
        _ tau: UnsafeMutablePointer<Double>, _ work: UnsafeMutablePointer<Double>, _ lwork: Int32
    ) -> Int32 {
        LAPACKE_dorglq_work(LAPACK_COL_MAJOR, m, n, k, a, lda, tau, work, lwork)
    }
}
