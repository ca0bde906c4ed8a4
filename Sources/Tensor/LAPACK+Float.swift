// The Float conformance of the LAPACK wrapper: the `s` routines through LAPACKE's `_work` entry
// points (see LAPACK.swift for the conventions).
internal import CBLAS

extension Float: _LAPACKScalar {
    /// `_LAPACKScalar._getrf` in single precision, on `LAPACKE_sgetrf` (an implementation detail).
    public static func _getrf(
        _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        Int(
            LAPACKE_sgetrf_work(
                LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"),
                pivots))
    }

    /// `_LAPACKScalar._getrs` in single precision, on `LAPACKE_sgetrs` (an implementation detail).
    public static func _getrs(
        _ transpose: Bool, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ pivots: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Float>, _ ldb: Int
    ) -> Int {
        Int(
            LAPACKE_sgetrs_work(
                LAPACK_COL_MAJOR, LAPACK.flag(transpose, "T", "N"), LAPACK.lapackInt(n, "n"),
                LAPACK.lapackInt(nrhs, "nrhs"), a,
                LAPACK.leading(lda, "lda"), pivots, b, LAPACK.leading(ldb, "ldb")))
    }

    /// `_LAPACKScalar._getri` in single precision, on `LAPACKE_sgetri` (an implementation detail).
    public static func _getri(
        _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        var query: Float = 0
        let info = LAPACKE_sgetri_work(
            LAPACK_COL_MAJOR, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), pivots, &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: LAPACK.workspaceCount(query))
        return Int(
            LAPACKE_sgetri_work(
                LAPACK_COL_MAJOR, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), pivots, &work,
                LAPACK.lapackInt(work.count, "lwork")))
    }

    /// `_LAPACKScalar._potrf` in single precision, on `LAPACKE_spotrf` (an implementation detail).
    public static func _potrf(_ upper: Bool, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int) -> Int {
        Int(
            LAPACKE_spotrf_work(
                LAPACK_COL_MAJOR, LAPACK.flag(upper, "U", "L"), LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"))
        )
    }

    /// `_LAPACKScalar._posv` in single precision, on `LAPACKE_sposv` (an implementation detail).
    public static func _posv(
        _ upper: Bool, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ b: UnsafeMutablePointer<Float>, _ ldb: Int
    ) -> Int {
        Int(
            LAPACKE_sposv_work(
                LAPACK_COL_MAJOR, LAPACK.flag(upper, "U", "L"), LAPACK.lapackInt(n, "n"),
                LAPACK.lapackInt(nrhs, "nrhs"), a,
                LAPACK.leading(lda, "lda"), b, LAPACK.leading(ldb, "ldb")))
    }

    /// `_LAPACKScalar._syevd` in single precision, on `LAPACKE_ssyevd` (an implementation detail).
    public static func _syevd(
        _ vectors: Bool, _ upper: Bool, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ values: UnsafeMutablePointer<Float>
    ) -> Int {
        let job = LAPACK.flag(vectors, "V", "N"), triangle = LAPACK.flag(upper, "U", "L")
        var query: Float = 0
        var integerQuery: Int32 = 0
        let info = LAPACKE_ssyevd_work(
            LAPACK_COL_MAJOR, job, triangle, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), values, &query,
            -1,
            &integerQuery, -1)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: LAPACK.workspaceCount(query))
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, Int(integerQuery)))
        return Int(
            LAPACKE_ssyevd_work(
                LAPACK_COL_MAJOR, job, triangle, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), values, &work,
                LAPACK.lapackInt(work.count, "lwork"), &integerWork, LAPACK.lapackInt(integerWork.count, "liwork")))
    }

    /// `_LAPACKScalar._geev` in single precision, on `LAPACKE_sgeev` (an implementation detail).
    public static func _geev(
        _ vectors: Bool, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ realParts: UnsafeMutablePointer<Float>, _ imaginaryParts: UnsafeMutablePointer<Float>,
        _ vr: UnsafeMutablePointer<Float>, _ ldvr: Int
    ) -> Int {
        let job = LAPACK.flag(vectors, "V", "N"), none = LAPACK.flag(false, "V", "N")
        var unusedLeft: Float = 0
        var query: Float = 0
        let info = LAPACKE_sgeev_work(
            LAPACK_COL_MAJOR, none, job, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), realParts,
            imaginaryParts,
            &unusedLeft, 1, vr, LAPACK.leading(ldvr, "ldvr"), &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: LAPACK.workspaceCount(query))
        return Int(
            LAPACKE_sgeev_work(
                LAPACK_COL_MAJOR, none, job, LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), realParts,
                imaginaryParts,
                &unusedLeft, 1, vr, LAPACK.leading(ldvr, "ldvr"), &work, LAPACK.lapackInt(work.count, "lwork")))
    }

    /// `_LAPACKScalar._gesdd` in single precision, on `LAPACKE_sgesdd` (an implementation detail).
    public static func _gesdd(
        _ job: UInt8, _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ s: UnsafeMutablePointer<Float>, _ u: UnsafeMutablePointer<Float>, _ ldu: Int,
        _ vt: UnsafeMutablePointer<Float>, _ ldvt: Int
    ) -> Int {
        let jobFlag = CChar(bitPattern: job)
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, 8 * Swift.min(m, n)))
        var query: Float = 0
        let info = LAPACKE_sgesdd_work(
            LAPACK_COL_MAJOR, jobFlag, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), a,
            LAPACK.leading(lda, "lda"), s, u,
            LAPACK.leading(ldu, "ldu"), vt, LAPACK.leading(ldvt, "ldvt"), &query, -1, &integerWork)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: LAPACK.workspaceCount(query))
        return Int(
            LAPACKE_sgesdd_work(
                LAPACK_COL_MAJOR, jobFlag, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), a,
                LAPACK.leading(lda, "lda"), s, u,
                LAPACK.leading(ldu, "ldu"), vt, LAPACK.leading(ldvt, "ldvt"), &work,
                LAPACK.lapackInt(work.count, "lwork"),
                &integerWork))
    }

    /// `_LAPACKScalar._gelsd` in single precision, on `LAPACKE_sgelsd` (an implementation detail).
    public static func _gelsd(
        _ m: Int, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ b: UnsafeMutablePointer<Float>, _ ldb: Int, _ s: UnsafeMutablePointer<Float>, _ rcond: Float,
        _ rank: inout Int
    ) -> Int {
        var query: Float = 0
        var integerQuery: Int32 = 0
        var effectiveRank: Int32 = 0
        let info = LAPACKE_sgelsd_work(
            LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), LAPACK.lapackInt(nrhs, "nrhs"), a,
            LAPACK.leading(lda, "lda"),
            b, LAPACK.leading(ldb, "ldb"), s, rcond, &effectiveRank, &query, -1, &integerQuery)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: LAPACK.workspaceCount(query))
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, Int(integerQuery)))
        let result = LAPACKE_sgelsd_work(
            LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), LAPACK.lapackInt(nrhs, "nrhs"), a,
            LAPACK.leading(lda, "lda"),
            b, LAPACK.leading(ldb, "ldb"), s, rcond, &effectiveRank, &work, LAPACK.lapackInt(work.count, "lwork"),
            &integerWork)
        rank = Int(effectiveRank)
        return Int(result)
    }

    /// `_LAPACKScalar._gelqf` in single precision, on `LAPACKE_sgelqf` (an implementation detail).
    public static func _gelqf(
        _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int, _ tau: UnsafeMutablePointer<Float>
    ) -> Int {
        var query: Float = 0
        let info = LAPACKE_sgelqf_work(
            LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"), tau,
            &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: LAPACK.workspaceCount(query))
        return Int(
            LAPACKE_sgelqf_work(
                LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), a, LAPACK.leading(lda, "lda"),
                tau, &work,
                LAPACK.lapackInt(work.count, "lwork")))
    }

    /// `_LAPACKScalar._orglq` in single precision, on `LAPACKE_sorglq` (an implementation detail).
    public static func _orglq(
        _ m: Int, _ n: Int, _ k: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ tau: UnsafeMutablePointer<Float>
    ) -> Int {
        var query: Float = 0
        let info = LAPACKE_sorglq_work(
            LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), LAPACK.lapackInt(k, "k"), a,
            LAPACK.leading(lda, "lda"), tau,
            &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: LAPACK.workspaceCount(query))
        return Int(
            LAPACKE_sorglq_work(
                LAPACK_COL_MAJOR, LAPACK.lapackInt(m, "m"), LAPACK.lapackInt(n, "n"), LAPACK.lapackInt(k, "k"), a,
                LAPACK.leading(lda, "lda"),
                tau, &work, LAPACK.lapackInt(work.count, "lwork")))
    }
}
