// The one internal wrapper over LAPACKE (with BLAS.swift, the only file that imports the C module).
// Every routine is called through LAPACKE's `_work` entry points in column-major layout, which pass
// straight through to Fortran LAPACK: LAPACKE's row-major wrappers would allocate and transpose every
// operand. Callers use the fact that a row-major matrix is the column-major storage of its transpose.
// Workspace sizes are always asked of LAPACK (a call with lwork = -1) and never guessed.
// Each routine returns LAPACK's `info`: 0 on success, -i when argument i was invalid, > 0 for a
// routine-specific failure that the caller turns into a ``LinearAlgebraError``.
internal import CBLAS

/// Internal entry points to LAPACK, generic over ``MatrixScalar``.
@usableFromInline
internal enum LAPACK {
    /// Reinterprets a typed pointer as one to the concrete scalar the caller already checked it is.
    @inlinable @inline(__always)
    static func cast<From, To>(_ pointer: UnsafeMutablePointer<From>) -> UnsafeMutablePointer<To> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: To.self)
    }

    @usableFromInline @inline(never)
    static func unsupported(_ type: Any.Type) -> Never {
        fatalError("LAPACK: \(type) is not supported; Matrix supports Float and Double")
    }

    /// LU factorization with partial pivoting of the column-major `m × n` matrix at `a` (`?getrf`).
    @inlinable
    static func getrf<Scalar: MatrixScalar>(
        m: Int, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        if Scalar.self == Double.self { return dgetrf(m, n, cast(a), lda, pivots) }
        if Scalar.self == Float.self { return sgetrf(m, n, cast(a), lda, pivots) }
        unsupported(Scalar.self)
    }

    /// Solves `op(A) · X = B` with the LU factors from ``getrf`` (`?getrs`); `B` is column-major `n × nrhs`.
    @inlinable
    static func getrs<Scalar: MatrixScalar>(
        transpose: Bool, n: Int, nrhs: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        pivots: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Scalar>, ldb: Int
    ) -> Int {
        if Scalar.self == Double.self { return dgetrs(transpose, n, nrhs, cast(a), lda, pivots, cast(b), ldb) }
        if Scalar.self == Float.self { return sgetrs(transpose, n, nrhs, cast(a), lda, pivots, cast(b), ldb) }
        unsupported(Scalar.self)
    }

    /// The inverse from the LU factors from ``getrf``, in place (`?getri`).
    @inlinable
    static func getri<Scalar: MatrixScalar>(
        n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        if Scalar.self == Double.self { return dgetri(n, cast(a), lda, pivots) }
        if Scalar.self == Float.self { return sgetri(n, cast(a), lda, pivots) }
        unsupported(Scalar.self)
    }

    /// Cholesky factorization of the column-major symmetric matrix at `a`, from and into the upper
    /// (`upper`) or lower triangle (`?potrf`).
    @inlinable
    static func potrf<Scalar: MatrixScalar>(upper: Bool, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int) -> Int {
        if Scalar.self == Double.self { return dpotrf(upper, n, cast(a), lda) }
        if Scalar.self == Float.self { return spotrf(upper, n, cast(a), lda) }
        unsupported(Scalar.self)
    }

    /// Solves `A · X = B` for a symmetric positive-definite `A` by Cholesky (`?posv`).
    @inlinable
    static func posv<Scalar: MatrixScalar>(
        upper: Bool, n: Int, nrhs: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        b: UnsafeMutablePointer<Scalar>, ldb: Int
    ) -> Int {
        if Scalar.self == Double.self { return dposv(upper, n, nrhs, cast(a), lda, cast(b), ldb) }
        if Scalar.self == Float.self { return sposv(upper, n, nrhs, cast(a), lda, cast(b), ldb) }
        unsupported(Scalar.self)
    }

    /// Eigenvalues (ascending, into `values`) and, if `vectors`, orthonormal eigenvectors (into the
    /// columns of `a`) of a symmetric matrix, by divide and conquer (`?syevd`).
    @inlinable
    static func syevd<Scalar: MatrixScalar>(
        vectors: Bool, upper: Bool, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        values: UnsafeMutablePointer<Scalar>
    ) -> Int {
        if Scalar.self == Double.self { return dsyevd(vectors, upper, n, cast(a), lda, cast(values)) }
        if Scalar.self == Float.self { return ssyevd(vectors, upper, n, cast(a), lda, cast(values)) }
        unsupported(Scalar.self)
    }

    /// Eigenvalues of a general square matrix and, if `vectors`, its right eigenvectors in LAPACK's
    /// packed real form (into `vr`, leading dimension `ldvr`) (`?geev`).
    @inlinable
    static func geev<Scalar: MatrixScalar>(
        vectors: Bool, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        realParts: UnsafeMutablePointer<Scalar>, imaginaryParts: UnsafeMutablePointer<Scalar>,
        vr: UnsafeMutablePointer<Scalar>, ldvr: Int
    ) -> Int {
        if Scalar.self == Double.self {
            return dgeev(vectors, n, cast(a), lda, cast(realParts), cast(imaginaryParts), cast(vr), ldvr)
        }
        if Scalar.self == Float.self {
            return sgeev(vectors, n, cast(a), lda, cast(realParts), cast(imaginaryParts), cast(vr), ldvr)
        }
        unsupported(Scalar.self)
    }

    /// Singular value decomposition by divide and conquer (`?gesdd`). `job` is `A` (all columns of
    /// `U` and rows of `Vᵀ`), `S` (the first `min(m, n)`) or `N` (singular values only).
    @inlinable
    static func gesdd<Scalar: MatrixScalar>(
        job: UInt8, m: Int, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, s: UnsafeMutablePointer<Scalar>,
        u: UnsafeMutablePointer<Scalar>, ldu: Int, vt: UnsafeMutablePointer<Scalar>, ldvt: Int
    ) -> Int {
        if Scalar.self == Double.self { return dgesdd(job, m, n, cast(a), lda, cast(s), cast(u), ldu, cast(vt), ldvt) }
        if Scalar.self == Float.self { return sgesdd(job, m, n, cast(a), lda, cast(s), cast(u), ldu, cast(vt), ldvt) }
        unsupported(Scalar.self)
    }

    /// Minimum-norm least-squares solution by SVD (`?gelsd`); singular values below
    /// `rcond · s[0]` count as zero. The effective rank goes into `rank`.
    @inlinable
    static func gelsd<Scalar: MatrixScalar>(
        m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, b: UnsafeMutablePointer<Scalar>,
        ldb: Int, s: UnsafeMutablePointer<Scalar>, rcond: Scalar, rank: inout Int
    ) -> Int {
        if Scalar.self == Double.self {
            return dgelsd(m, n, nrhs, cast(a), lda, cast(b), ldb, cast(s), unsafeBitCast(rcond, to: Double.self), &rank)
        }
        if Scalar.self == Float.self {
            return sgelsd(m, n, nrhs, cast(a), lda, cast(b), ldb, cast(s), unsafeBitCast(rcond, to: Float.self), &rank)
        }
        unsupported(Scalar.self)
    }

    /// LQ factorization `A = L · Q` by Householder reflectors (`?gelqf`).
    @inlinable
    static func gelqf<Scalar: MatrixScalar>(
        m: Int, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, tau: UnsafeMutablePointer<Scalar>
    ) -> Int {
        if Scalar.self == Double.self { return dgelqf(m, n, cast(a), lda, cast(tau)) }
        if Scalar.self == Float.self { return sgelqf(m, n, cast(a), lda, cast(tau)) }
        unsupported(Scalar.self)
    }

    /// The `m × n` matrix with orthonormal rows from the first `k` reflectors of ``gelqf`` (`?orglq`).
    @inlinable
    static func orglq<Scalar: MatrixScalar>(
        m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, tau: UnsafeMutablePointer<Scalar>
    ) -> Int {
        if Scalar.self == Double.self { return dorglq(m, n, k, cast(a), lda, cast(tau)) }
        if Scalar.self == Float.self { return sorglq(m, n, k, cast(a), lda, cast(tau)) }
        unsupported(Scalar.self)
    }

    /// Converts a dimension to LAPACK's 32-bit integer, trapping with the name of the argument if it does not fit.
    @inline(__always)
    static func lapackInt(_ value: Int, _ name: StaticString) -> Int32 {
        guard let converted = Int32(exactly: value) else {
            fatalError("LAPACK: \(name) = \(value) exceeds the 32-bit range of this LAPACK build")
        }
        return converted
    }

    /// A leading dimension: at least 1, as LAPACK requires even for empty matrices.
    @inline(__always)
    static func leading(_ value: Int, _ name: StaticString) -> Int32 { lapackInt(Swift.max(1, value), name) }

    /// The workspace length a query (lwork = -1) reported, rounded up and at least 1.
    @inline(__always)
    static func workspaceCount<Value: BinaryFloatingPoint>(_ reported: Value) -> Int {
        Swift.max(1, Int(reported.rounded(.up)))
    }

    /// LAPACK's character flag for a Boolean choice.
    @inline(__always)
    static func flag(_ condition: Bool, _ whenTrue: Unicode.Scalar, _ whenFalse: Unicode.Scalar) -> CChar {
        CChar(bitPattern: UInt8(ascii: condition ? whenTrue : whenFalse))
    }

    // MARK: Double

    @usableFromInline
    static func dgetrf(
        _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        Int(LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), pivots))
    }

    @usableFromInline
    static func dgetrs(
        _ transpose: Bool, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ pivots: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Double>, _ ldb: Int
    ) -> Int {
        Int(
            LAPACKE_dgetrs_work(
                LAPACK_COL_MAJOR, flag(transpose, "T", "N"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a,
                leading(lda, "lda"), pivots, b, leading(ldb, "ldb")))
    }

    @usableFromInline
    static func dgetri(
        _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        var query: Double = 0
        let info = LAPACKE_dgetri_work(LAPACK_COL_MAJOR, lapackInt(n, "n"), a, leading(lda, "lda"), pivots, &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: workspaceCount(query))
        return Int(
            LAPACKE_dgetri_work(
                LAPACK_COL_MAJOR, lapackInt(n, "n"), a, leading(lda, "lda"), pivots, &work,
                lapackInt(work.count, "lwork")))
    }

    @usableFromInline
    static func dpotrf(_ upper: Bool, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int) -> Int {
        Int(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, flag(upper, "U", "L"), lapackInt(n, "n"), a, leading(lda, "lda")))
    }

    @usableFromInline
    static func dposv(
        _ upper: Bool, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ b: UnsafeMutablePointer<Double>, _ ldb: Int
    ) -> Int {
        Int(
            LAPACKE_dposv_work(
                LAPACK_COL_MAJOR, flag(upper, "U", "L"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a,
                leading(lda, "lda"), b, leading(ldb, "ldb")))
    }

    @usableFromInline
    static func dsyevd(
        _ vectors: Bool, _ upper: Bool, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ values: UnsafeMutablePointer<Double>
    ) -> Int {
        let job = flag(vectors, "V", "N"), triangle = flag(upper, "U", "L")
        var query: Double = 0
        var integerQuery: Int32 = 0
        let info = LAPACKE_dsyevd_work(
            LAPACK_COL_MAJOR, job, triangle, lapackInt(n, "n"), a, leading(lda, "lda"), values, &query, -1,
            &integerQuery, -1)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: workspaceCount(query))
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, Int(integerQuery)))
        return Int(
            LAPACKE_dsyevd_work(
                LAPACK_COL_MAJOR, job, triangle, lapackInt(n, "n"), a, leading(lda, "lda"), values, &work,
                lapackInt(work.count, "lwork"), &integerWork, lapackInt(integerWork.count, "liwork")))
    }

    @usableFromInline
    static func dgeev(
        _ vectors: Bool, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ realParts: UnsafeMutablePointer<Double>, _ imaginaryParts: UnsafeMutablePointer<Double>,
        _ vr: UnsafeMutablePointer<Double>, _ ldvr: Int
    ) -> Int {
        let job = flag(vectors, "V", "N"), none = flag(false, "V", "N")
        var unusedLeft: Double = 0
        var query: Double = 0
        let info = LAPACKE_dgeev_work(
            LAPACK_COL_MAJOR, none, job, lapackInt(n, "n"), a, leading(lda, "lda"), realParts, imaginaryParts,
            &unusedLeft, 1, vr, leading(ldvr, "ldvr"), &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: workspaceCount(query))
        return Int(
            LAPACKE_dgeev_work(
                LAPACK_COL_MAJOR, none, job, lapackInt(n, "n"), a, leading(lda, "lda"), realParts, imaginaryParts,
                &unusedLeft, 1, vr, leading(ldvr, "ldvr"), &work, lapackInt(work.count, "lwork")))
    }

    @usableFromInline
    static func dgesdd(
        _ job: UInt8, _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ s: UnsafeMutablePointer<Double>, _ u: UnsafeMutablePointer<Double>, _ ldu: Int,
        _ vt: UnsafeMutablePointer<Double>, _ ldvt: Int
    ) -> Int {
        let jobFlag = CChar(bitPattern: job)
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, 8 * Swift.min(m, n)))
        var query: Double = 0
        let info = LAPACKE_dgesdd_work(
            LAPACK_COL_MAJOR, jobFlag, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), s, u,
            leading(ldu, "ldu"), vt, leading(ldvt, "ldvt"), &query, -1, &integerWork)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: workspaceCount(query))
        return Int(
            LAPACKE_dgesdd_work(
                LAPACK_COL_MAJOR, jobFlag, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), s, u,
                leading(ldu, "ldu"), vt, leading(ldvt, "ldvt"), &work, lapackInt(work.count, "lwork"),
                &integerWork))
    }

    @usableFromInline
    static func dgelsd(
        _ m: Int, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ b: UnsafeMutablePointer<Double>, _ ldb: Int, _ s: UnsafeMutablePointer<Double>, _ rcond: Double,
        _ rank: inout Int
    ) -> Int {
        var query: Double = 0
        var integerQuery: Int32 = 0
        var effectiveRank: Int32 = 0
        let info = LAPACKE_dgelsd_work(
            LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a, leading(lda, "lda"),
            b, leading(ldb, "ldb"), s, rcond, &effectiveRank, &query, -1, &integerQuery)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: workspaceCount(query))
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, Int(integerQuery)))
        let result = LAPACKE_dgelsd_work(
            LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a, leading(lda, "lda"),
            b, leading(ldb, "ldb"), s, rcond, &effectiveRank, &work, lapackInt(work.count, "lwork"), &integerWork)
        rank = Int(effectiveRank)
        return Int(result)
    }

    @usableFromInline
    static func dgelqf(
        _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int, _ tau: UnsafeMutablePointer<Double>
    ) -> Int {
        var query: Double = 0
        let info = LAPACKE_dgelqf_work(
            LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), tau, &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: workspaceCount(query))
        return Int(
            LAPACKE_dgelqf_work(
                LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), tau, &work,
                lapackInt(work.count, "lwork")))
    }

    @usableFromInline
    static func dorglq(
        _ m: Int, _ n: Int, _ k: Int, _ a: UnsafeMutablePointer<Double>, _ lda: Int,
        _ tau: UnsafeMutablePointer<Double>
    ) -> Int {
        var query: Double = 0
        let info = LAPACKE_dorglq_work(
            LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(k, "k"), a, leading(lda, "lda"), tau,
            &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Double](repeating: 0, count: workspaceCount(query))
        return Int(
            LAPACKE_dorglq_work(
                LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(k, "k"), a, leading(lda, "lda"),
                tau, &work, lapackInt(work.count, "lwork")))
    }

    // MARK: Float

    @usableFromInline
    static func sgetrf(
        _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        Int(LAPACKE_sgetrf_work(LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), pivots))
    }

    @usableFromInline
    static func sgetrs(
        _ transpose: Bool, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ pivots: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Float>, _ ldb: Int
    ) -> Int {
        Int(
            LAPACKE_sgetrs_work(
                LAPACK_COL_MAJOR, flag(transpose, "T", "N"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a,
                leading(lda, "lda"), pivots, b, leading(ldb, "ldb")))
    }

    @usableFromInline
    static func sgetri(
        _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        var query: Float = 0
        let info = LAPACKE_sgetri_work(LAPACK_COL_MAJOR, lapackInt(n, "n"), a, leading(lda, "lda"), pivots, &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: workspaceCount(query))
        return Int(
            LAPACKE_sgetri_work(
                LAPACK_COL_MAJOR, lapackInt(n, "n"), a, leading(lda, "lda"), pivots, &work,
                lapackInt(work.count, "lwork")))
    }

    @usableFromInline
    static func spotrf(_ upper: Bool, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int) -> Int {
        Int(LAPACKE_spotrf_work(LAPACK_COL_MAJOR, flag(upper, "U", "L"), lapackInt(n, "n"), a, leading(lda, "lda")))
    }

    @usableFromInline
    static func sposv(
        _ upper: Bool, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ b: UnsafeMutablePointer<Float>, _ ldb: Int
    ) -> Int {
        Int(
            LAPACKE_sposv_work(
                LAPACK_COL_MAJOR, flag(upper, "U", "L"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a,
                leading(lda, "lda"), b, leading(ldb, "ldb")))
    }

    @usableFromInline
    static func ssyevd(
        _ vectors: Bool, _ upper: Bool, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ values: UnsafeMutablePointer<Float>
    ) -> Int {
        let job = flag(vectors, "V", "N"), triangle = flag(upper, "U", "L")
        var query: Float = 0
        var integerQuery: Int32 = 0
        let info = LAPACKE_ssyevd_work(
            LAPACK_COL_MAJOR, job, triangle, lapackInt(n, "n"), a, leading(lda, "lda"), values, &query, -1,
            &integerQuery, -1)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: workspaceCount(query))
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, Int(integerQuery)))
        return Int(
            LAPACKE_ssyevd_work(
                LAPACK_COL_MAJOR, job, triangle, lapackInt(n, "n"), a, leading(lda, "lda"), values, &work,
                lapackInt(work.count, "lwork"), &integerWork, lapackInt(integerWork.count, "liwork")))
    }

    @usableFromInline
    static func sgeev(
        _ vectors: Bool, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ realParts: UnsafeMutablePointer<Float>, _ imaginaryParts: UnsafeMutablePointer<Float>,
        _ vr: UnsafeMutablePointer<Float>, _ ldvr: Int
    ) -> Int {
        let job = flag(vectors, "V", "N"), none = flag(false, "V", "N")
        var unusedLeft: Float = 0
        var query: Float = 0
        let info = LAPACKE_sgeev_work(
            LAPACK_COL_MAJOR, none, job, lapackInt(n, "n"), a, leading(lda, "lda"), realParts, imaginaryParts,
            &unusedLeft, 1, vr, leading(ldvr, "ldvr"), &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: workspaceCount(query))
        return Int(
            LAPACKE_sgeev_work(
                LAPACK_COL_MAJOR, none, job, lapackInt(n, "n"), a, leading(lda, "lda"), realParts, imaginaryParts,
                &unusedLeft, 1, vr, leading(ldvr, "ldvr"), &work, lapackInt(work.count, "lwork")))
    }

    @usableFromInline
    static func sgesdd(
        _ job: UInt8, _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ s: UnsafeMutablePointer<Float>, _ u: UnsafeMutablePointer<Float>, _ ldu: Int,
        _ vt: UnsafeMutablePointer<Float>, _ ldvt: Int
    ) -> Int {
        let jobFlag = CChar(bitPattern: job)
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, 8 * Swift.min(m, n)))
        var query: Float = 0
        let info = LAPACKE_sgesdd_work(
            LAPACK_COL_MAJOR, jobFlag, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), s, u,
            leading(ldu, "ldu"), vt, leading(ldvt, "ldvt"), &query, -1, &integerWork)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: workspaceCount(query))
        return Int(
            LAPACKE_sgesdd_work(
                LAPACK_COL_MAJOR, jobFlag, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), s, u,
                leading(ldu, "ldu"), vt, leading(ldvt, "ldvt"), &work, lapackInt(work.count, "lwork"),
                &integerWork))
    }

    @usableFromInline
    static func sgelsd(
        _ m: Int, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ b: UnsafeMutablePointer<Float>, _ ldb: Int, _ s: UnsafeMutablePointer<Float>, _ rcond: Float,
        _ rank: inout Int
    ) -> Int {
        var query: Float = 0
        var integerQuery: Int32 = 0
        var effectiveRank: Int32 = 0
        let info = LAPACKE_sgelsd_work(
            LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a, leading(lda, "lda"),
            b, leading(ldb, "ldb"), s, rcond, &effectiveRank, &query, -1, &integerQuery)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: workspaceCount(query))
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, Int(integerQuery)))
        let result = LAPACKE_sgelsd_work(
            LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a, leading(lda, "lda"),
            b, leading(ldb, "ldb"), s, rcond, &effectiveRank, &work, lapackInt(work.count, "lwork"), &integerWork)
        rank = Int(effectiveRank)
        return Int(result)
    }

    @usableFromInline
    static func sgelqf(
        _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int, _ tau: UnsafeMutablePointer<Float>
    ) -> Int {
        var query: Float = 0
        let info = LAPACKE_sgelqf_work(
            LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), tau, &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: workspaceCount(query))
        return Int(
            LAPACKE_sgelqf_work(
                LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), tau, &work,
                lapackInt(work.count, "lwork")))
    }

    @usableFromInline
    static func sorglq(
        _ m: Int, _ n: Int, _ k: Int, _ a: UnsafeMutablePointer<Float>, _ lda: Int,
        _ tau: UnsafeMutablePointer<Float>
    ) -> Int {
        var query: Float = 0
        let info = LAPACKE_sorglq_work(
            LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(k, "k"), a, leading(lda, "lda"), tau,
            &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Float](repeating: 0, count: workspaceCount(query))
        return Int(
            LAPACKE_sorglq_work(
                LAPACK_COL_MAJOR, lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(k, "k"), a, leading(lda, "lda"),
                tau, &work, lapackInt(work.count, "lwork")))
    }
}
