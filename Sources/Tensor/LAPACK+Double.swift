// The Double conformance of the LAPACK wrapper: the `d` routines through LAPACKE's `_work` entry
// points (see LAPACK.swift for the conventions).
internal import CBLAS

extension Double: _LAPACKScalar {
    /// `_LAPACKScalar._getrf` in double precision, on `LAPACKE_dgetrf` (an implementation detail).
    public static func _getrf(
        _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        Int(
            LAPACKE_dgetrf_work(
                LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"),
                pivots))
    }

    /// `_LAPACKScalar._getrs` in double precision, on `LAPACKE_dgetrs` (an implementation detail).
    public static func _getrs(
        _ transpose: Bool, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ pivots: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Double>, _ ldb: Int
    ) -> Int {
        Int(
            LAPACKE_dgetrs_work(
                LAPACK_COL_MAJOR, LAPACK.flag(transpose, "T", "N"), LAPACK.lapackInt(n, "n"),
                LAPACK.lapackInt(nrhs, "nrhs"), a,
                LAPACK.leading(lda, "lda"), pivots, b, LAPACK.leading(ldb, "ldb")))
    }

    /// `_LAPACKScalar._getri` in double precision, on `LAPACKE_dgetri` (an implementation detail).
    public static func _getri(
        _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        var query: Double = 0
        let info = LAPACKE_dgetri_work(
            LAPACK_COL_MAJOR, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), pivots, &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: LAPACK.workspaceCount(query))
        return Int(
            LAPACKE_dgetri_work(
                LAPACK_COL_MAJOR, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), pivots, &work,
                LAPACK.lapackInt(work.count, "lwork")))
    }

    /// `_LAPACKScalar._potrf` in double precision, on `LAPACKE_dpotrf` (an implementation detail).
    public static func _potrf(_ upper: Bool, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int) -> Int {
        Int(
            LAPACKE_dpotrf_work(
                LAPACK_COL_MAJOR, LAPACK.flag(upper, "U", "L"), LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"))
        )
    }

    /// `_LAPACKScalar._posv` in double precision, on `LAPACKE_dposv` (an implementation detail).
    public static func _posv(
        _ upper: Bool, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ b: UnsafeMutablePointer<Double>, _ ldb: Int
    ) -> Int {
        Int(
            LAPACKE_dposv_work(
                LAPACK_COL_MAJOR, LAPACK.flag(upper, "U", "L"), LAPACK.lapackInt(n, "n"),
                LAPACK.lapackInt(nrhs, "nrhs"), a,
                LAPACK.leading(lda, "lda"), b, LAPACK.leading(ldb, "ldb")))
    }

    /// `_LAPACKScalar._syevd` in double precision, on `LAPACKE_dsyevd` (an implementation detail).
    public static func _syevd(
        _ vectors: Bool, _ upper: Bool, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ values: UnsafeMutablePointer<Double>
    ) -> Int {
        let job = LAPACK.flag(vectors, "V", "N"), triangle = LAPACK.flag(upper, "U", "L")
        var query: Double = 0
        var integerQuery: Int32 = 0
        let info = LAPACKE_dsyevd_work(
            LAPACK_COL_MAJOR, job, triangle, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), values, &query,
            -1,
            &integerQuery, -1)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: LAPACK.workspaceCount(query))
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, Int(integerQuery)))
        return Int(
            LAPACKE_dsyevd_work(
                LAPACK_COL_MAJOR, job, triangle, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), values, &work,
                LAPACK.lapackInt(work.count, "lwork"), &integerWork, LAPACK.lapackInt(integerWork.count, "liwork")))
    }

    /// `_LAPACKScalar._geev` in double precision, on `LAPACKE_dgeev` (an implementation detail).
    public static func _geev(
        _ vectors: Bool, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ realParts: UnsafeMutablePointer<Double>, _ imaginaryParts: UnsafeMutablePointer<Double>,
        _ vr: UnsafeMutablePointer<Double>, _ ldvr: Int
    ) -> Int {
        let job = LAPACK.flag(vectors, "V", "N"), none = LAPACK.flag(false, "V", "N")
        var unusedLeft: Double = 0
        var query: Double = 0
        let info = LAPACKE_dgeev_work(
            LAPACK_COL_MAJOR, none, job, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), realParts,
            imaginaryParts,
            &unusedLeft, 1, vr, LAPACK.leading(ldvr, "ldvr"), &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: LAPACK.workspaceCount(query))
        return Int(
            LAPACKE_dgeev_work(
                LAPACK_COL_MAJOR, none, job, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), realParts,
                imaginaryParts,
                &unusedLeft, 1, vr, LAPACK.leading(ldvr, "ldvr"), &work, LAPACK.lapackInt(work.count, "lwork")))
    }

    /// `_LAPACKScalar._gesdd` in double precision, on `LAPACKE_dgesdd` (an implementation detail).
    public static func _gesdd(
        _ job: UInt8, _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ s: UnsafeMutablePointer<Double>, _ u: UnsafeMutablePointer<Double>, _ ldu: Int,
        _ vt: UnsafeMutablePointer<Double>, _ ldvt: Int
    ) -> Int {
        let jobFlag = CChar(bitPattern: job)
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, 8 * Swift.min(m, n)))
        var query: Double = 0
        let info = LAPACKE_dgesdd_work(
            LAPACK_COL_MAJOR, jobFlag, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), a,
            LAPACK.leading(lda, "lda"), s, u,
            LAPACK.leading(ldu, "ldu"), vt, LAPACK.leading(ldvt, "ldvt"), &query, -1, &integerWork)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: LAPACK.workspaceCount(query))
        return Int(
            LAPACKE_dgesdd_work(
                LAPACK_COL_MAJOR, jobFlag, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), a,
                LAPACK.leading(lda, "lda"), s, u,
                LAPACK.leading(ldu, "ldu"), vt, LAPACK.leading(ldvt, "ldvt"), &work,
                LAPACK.lapackInt(work.count, "lwork"),
                &integerWork))
    }

    /// `_LAPACKScalar._gelsd` in double precision, on `LAPACKE_dgelsd` (an implementation detail).
    public static func _gelsd(
        _ m: Int, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ b: UnsafeMutablePointer<Double>, _ ldb: Int, _ s: UnsafeMutablePointer<Double>, _ rcond: Double,
        _ rank: inout Int
    ) -> Int {
        var query: Double = 0
        var integerQuery: Int32 = 0
        var effectiveRank: Int32 = 0
        let info = LAPACKE_dgelsd_work(
            LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), LAPACK.lapackInt(nrhs, "nrhs"), a,
            LAPACK.leading(lda, "lda"),
            b, LAPACK.leading(ldb, "ldb"), s, rcond, &effectiveRank, &query, -1, &integerQuery)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: LAPACK.workspaceCount(query))
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, Int(integerQuery)))
        let result = LAPACKE_dgelsd_work(
            LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), LAPACK.lapackInt(nrhs, "nrhs"), a,
            LAPACK.leading(lda, "lda"),
            b, LAPACK.leading(ldb, "ldb"), s, rcond, &effectiveRank, &work, LAPACK.lapackInt(work.count, "lwork"),
            &integerWork)
        rank = Int(effectiveRank)
        return Int(result)
    }

    /// `_LAPACKScalar._gelqf` in double precision, on `LAPACKE_dgelqf` (an implementation detail).
    public static func _gelqf(
        _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int, _ tau: UnsafeMutablePointer<Double>
    ) -> Int {
        var query: Double = 0
        let info = LAPACKE_dgelqf_work(
            LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), tau,
            &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: LAPACK.workspaceCount(query))
        return Int(
            LAPACKE_dgelqf_work(
                LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"),
                tau, &work,
                LAPACK.lapackInt(work.count, "lwork")))
    }

    /// `_LAPACKScalar._orglq` in double precision, on `LAPACKE_dorglq` (an implementation detail).
    public static func _orglq(
        _ m: Int, _ n: Int, _ k: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ tau: UnsafeMutablePointer<Double>
    ) -> Int {
        var query: Double = 0
        let info = LAPACKE_dorglq_work(
            LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), LAPACK.lapackInt(k, "k"), a,
            LAPACK.leading(lda, "lda"), tau,
            &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: LAPACK.workspaceCount(query))
        return Int(
            LAPACKE_dorglq_work(
                LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), LAPACK.lapackInt(k, "k"), a,
                LAPACK.leading(lda, "lda"),
                tau, &work, LAPACK.lapackInt(work.count, "lwork")))
    }
}
