// The one internal wrapper over LAPACKE: the generic entry points here hold the wrapper logic once
// (workspace queries, work arrays, flags, 32-bit range checks) and call the per-precision conformances
// in LAPACK+Float.swift and LAPACK+Double.swift, each requirement of which is one LAPACKE call; those
// files (with BLAS) alone import the C module.
// Every routine is called through LAPACKE's `_work` entry points in column-major layout, which pass
// straight through to Fortran LAPACK: LAPACKE's row-major wrappers would allocate and transpose every
// operand. Callers use the fact that a row-major matrix is the column-major storage of its transpose.
// Workspace sizes are always asked of LAPACK (a call with lwork = -1) and never guessed.
// Each routine returns LAPACK's `info`: 0 on success, -i when argument i was invalid, > 0 for a
// routine-specific failure that the caller turns into a ``LinearAlgebraError``.

/// The per-precision LAPACK routines behind ``MatrixScalar``: an implementation detail, public only
/// because ``MatrixScalar`` is public and refines it (as swift-numerics does with its underscored
/// protocols). `Float` conforms with the `s` routines (LAPACK+Float.swift), `Double` with the `d`
/// routines (LAPACK+Double.swift); do not conform other types or call these requirements directly:
/// use ``Matrix``'s linear algebra. Each requirement is one call to the routine's LAPACKE `_work`
/// entry point: column-major operands, LAPACK's 32-bit dimensions and character flags as given, and
/// LAPACK's `info` returned (see ``LAPACK`` for the conventions).
public protocol _LAPACKScalar {
    /// LAPACK's `?getrf` in this precision: one call to `LAPACKE_?getrf_work`; see `LAPACK.getrf`.
    static func _getrf(
        _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int32

    /// LAPACK's `?getrs` in this precision: one call to `LAPACKE_?getrs_work`; see `LAPACK.getrs`.
    static func _getrs(
        _ transpose: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32,
        _ pivots: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Self>, _ ldb: Int32
    ) -> Int32

    /// LAPACK's `?getri` in this precision: one call to `LAPACKE_?getri_work` (lwork = -1 is a
    /// workspace query); see `LAPACK.getri`.
    static func _getri(
        _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ pivots: UnsafeMutablePointer<Int32>,
        _ work: UnsafeMutablePointer<Self>, _ lwork: Int32
    ) -> Int32

    /// LAPACK's `?potrf` in this precision: one call to `LAPACKE_?potrf_work`; see `LAPACK.potrf`.
    static func _potrf(_ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32) -> Int32

    /// LAPACK's `?posv` in this precision: one call to `LAPACKE_?posv_work`; see `LAPACK.posv`.
    static func _posv(
        _ uplo: CChar, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32,
        _ b: UnsafeMutablePointer<Self>, _ ldb: Int32
    ) -> Int32

    /// LAPACK's `?syevd` in this precision: one call to `LAPACKE_?syevd_work` (lwork = liwork = -1 is
    /// a workspace query); see `LAPACK.syevd`.
    static func _syevd(
        _ jobz: CChar, _ uplo: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32,
        _ values: UnsafeMutablePointer<Self>, _ work: UnsafeMutablePointer<Self>, _ lwork: Int32,
        _ integerWork: UnsafeMutablePointer<Int32>, _ liwork: Int32
    ) -> Int32

    /// LAPACK's `?geev` in this precision: one call to `LAPACKE_?geev_work` (lwork = -1 is a
    /// workspace query); see `LAPACK.geev`.
    static func _geev(
        _ jobvl: CChar, _ jobvr: CChar, _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32,
        _ realParts: UnsafeMutablePointer<Self>, _ imaginaryParts: UnsafeMutablePointer<Self>,
        _ vl: UnsafeMutablePointer<Self>, _ ldvl: Int32, _ vr: UnsafeMutablePointer<Self>, _ ldvr: Int32,
        _ work: UnsafeMutablePointer<Self>, _ lwork: Int32
    ) -> Int32

    /// LAPACK's `?gesdd` in this precision: one call to `LAPACKE_?gesdd_work` (lwork = -1 is a
    /// workspace query); see `LAPACK.gesdd`.
    static func _gesdd(
        _ jobz: CChar, _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32,
        _ s: UnsafeMutablePointer<Self>, _ u: UnsafeMutablePointer<Self>, _ ldu: Int32,
        _ vt: UnsafeMutablePointer<Self>, _ ldvt: Int32, _ work: UnsafeMutablePointer<Self>, _ lwork: Int32,
        _ integerWork: UnsafeMutablePointer<Int32>
    ) -> Int32

    /// LAPACK's `?gelsd` in this precision: one call to `LAPACKE_?gelsd_work` (lwork = -1 is a
    /// workspace query); see `LAPACK.gelsd`.
    static func _gelsd(
        _ m: Int32, _ n: Int32, _ nrhs: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32,
        _ b: UnsafeMutablePointer<Self>, _ ldb: Int32, _ s: UnsafeMutablePointer<Self>, _ rcond: Self,
        _ rank: UnsafeMutablePointer<Int32>, _ work: UnsafeMutablePointer<Self>, _ lwork: Int32,
        _ integerWork: UnsafeMutablePointer<Int32>
    ) -> Int32

    /// LAPACK's `?gelqf` in this precision: one call to `LAPACKE_?gelqf_work` (lwork = -1 is a
    /// workspace query); see `LAPACK.gelqf`.
    static func _gelqf(
        _ m: Int32, _ n: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32, _ tau: UnsafeMutablePointer<Self>,
        _ work: UnsafeMutablePointer<Self>, _ lwork: Int32
    ) -> Int32

    /// LAPACK's `?orglq` in this precision: one call to `LAPACKE_?orglq_work` (lwork = -1 is a
    /// workspace query); see `LAPACK.orglq`.
    static func _orglq(
        _ m: Int32, _ n: Int32, _ k: Int32, _ a: UnsafeMutablePointer<Self>, _ lda: Int32,
        _ tau: UnsafeMutablePointer<Self>, _ work: UnsafeMutablePointer<Self>, _ lwork: Int32
    ) -> Int32
}

/// Internal entry points to LAPACK, generic over ``MatrixScalar``: the workspace queries, work arrays,
/// flags and 32-bit range checks live here once, and each call goes to the scalar's ``_LAPACKScalar``
/// conformance, which only names the C routine.
@usableFromInline
internal enum LAPACK {
    /// LU factorization with partial pivoting of the column-major `m × n` matrix at `a` (`?getrf`).
    @inlinable
    static func getrf<Scalar: MatrixScalar>(
        m: Int, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        Int(Scalar._getrf(lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), pivots))
    }

    /// Solves `op(A) · X = B` with the LU factors from ``getrf`` (`?getrs`); `B` is column-major `n × nrhs`.
    @inlinable
    static func getrs<Scalar: MatrixScalar>(
        transpose: Bool, n: Int, nrhs: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        pivots: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Scalar>, ldb: Int
    ) -> Int {
        Int(
            Scalar._getrs(
                flag(transpose, "T", "N"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a, leading(lda, "lda"),
                pivots, b, leading(ldb, "ldb")))
    }

    /// The inverse from the LU factors from ``getrf``, in place (`?getri`).
    @inlinable
    static func getri<Scalar: MatrixScalar>(
        n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        var query: Scalar = 0
        let info = Scalar._getri(lapackInt(n, "n"), a, leading(lda, "lda"), pivots, &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Scalar](repeating: 0, count: workspaceCount(query))
        return Int(
            Scalar._getri(lapackInt(n, "n"), a, leading(lda, "lda"), pivots, &work, lapackInt(work.count, "lwork")))
    }

    /// Cholesky factorization of the column-major symmetric matrix at `a`, from and into the upper
    /// (`upper`) or lower triangle (`?potrf`).
    @inlinable
    static func potrf<Scalar: MatrixScalar>(upper: Bool, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int) -> Int {
        Int(Scalar._potrf(flag(upper, "U", "L"), lapackInt(n, "n"), a, leading(lda, "lda")))
    }

    /// Solves `A · X = B` for a symmetric positive-definite `A` by Cholesky (`?posv`).
    @inlinable
    static func posv<Scalar: MatrixScalar>(
        upper: Bool, n: Int, nrhs: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        b: UnsafeMutablePointer<Scalar>, ldb: Int
    ) -> Int {
        Int(
            Scalar._posv(
                flag(upper, "U", "L"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a, leading(lda, "lda"), b,
                leading(ldb, "ldb")))
    }

    /// Eigenvalues (ascending, into `values`) and, if `vectors`, orthonormal eigenvectors (into the
    /// columns of `a`) of a symmetric matrix, by divide and conquer (`?syevd`).
    @inlinable
    static func syevd<Scalar: MatrixScalar>(
        vectors: Bool, upper: Bool, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        values: UnsafeMutablePointer<Scalar>
    ) -> Int {
        let job = flag(vectors, "V", "N"), triangle = flag(upper, "U", "L")
        var query: Scalar = 0
        var integerQuery: Int32 = 0
        let info = Scalar._syevd(
            job, triangle, lapackInt(n, "n"), a, leading(lda, "lda"), values, &query, -1, &integerQuery, -1)
        guard info == 0 else { return Int(info) }
        var work = [Scalar](repeating: 0, count: workspaceCount(query))
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, Int(integerQuery)))
        return Int(
            Scalar._syevd(
                job, triangle, lapackInt(n, "n"), a, leading(lda, "lda"), values, &work,
                lapackInt(work.count, "lwork"), &integerWork, lapackInt(integerWork.count, "liwork")))
    }

    /// Eigenvalues of a general square matrix and, if `vectors`, its right eigenvectors in LAPACK's
    /// packed real form (into `vr`, leading dimension `ldvr`) (`?geev`).
    @inlinable
    static func geev<Scalar: MatrixScalar>(
        vectors: Bool, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        realParts: UnsafeMutablePointer<Scalar>, imaginaryParts: UnsafeMutablePointer<Scalar>,
        vr: UnsafeMutablePointer<Scalar>, ldvr: Int
    ) -> Int {
        let job = flag(vectors, "V", "N"), none = flag(false, "V", "N")
        var unusedLeft: Scalar = 0
        var query: Scalar = 0
        let info = Scalar._geev(
            none, job, lapackInt(n, "n"), a, leading(lda, "lda"), realParts, imaginaryParts, &unusedLeft, 1, vr,
            leading(ldvr, "ldvr"), &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Scalar](repeating: 0, count: workspaceCount(query))
        return Int(
            Scalar._geev(
                none, job, lapackInt(n, "n"), a, leading(lda, "lda"), realParts, imaginaryParts, &unusedLeft, 1, vr,
                leading(ldvr, "ldvr"), &work, lapackInt(work.count, "lwork")))
    }

    /// Singular value decomposition by divide and conquer (`?gesdd`). `job` is `A` (all columns of
    /// `U` and rows of `Vᵀ`), `S` (the first `min(m, n)`) or `N` (singular values only).
    @inlinable
    static func gesdd<Scalar: MatrixScalar>(
        job: UInt8, m: Int, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, s: UnsafeMutablePointer<Scalar>,
        u: UnsafeMutablePointer<Scalar>, ldu: Int, vt: UnsafeMutablePointer<Scalar>, ldvt: Int
    ) -> Int {
        let jobFlag = CChar(bitPattern: job)
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, 8 * Swift.min(m, n)))
        var query: Scalar = 0
        let info = Scalar._gesdd(
            jobFlag, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), s, u, leading(ldu, "ldu"), vt,
            leading(ldvt, "ldvt"), &query, -1, &integerWork)
        guard info == 0 else { return Int(info) }
        var work = [Scalar](repeating: 0, count: workspaceCount(query))
        return Int(
            Scalar._gesdd(
                jobFlag, lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), s, u, leading(ldu, "ldu"), vt,
                leading(ldvt, "ldvt"), &work, lapackInt(work.count, "lwork"), &integerWork))
    }

    /// Minimum-norm least-squares solution by SVD (`?gelsd`); singular values below
    /// `rcond · s[0]` count as zero. The effective rank goes into `rank`.
    @inlinable
    static func gelsd<Scalar: MatrixScalar>(
        m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, b: UnsafeMutablePointer<Scalar>,
        ldb: Int, s: UnsafeMutablePointer<Scalar>, rcond: Scalar, rank: inout Int
    ) -> Int {
        var query: Scalar = 0
        var integerQuery: Int32 = 0
        var effectiveRank: Int32 = 0
        let info = Scalar._gelsd(
            lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a, leading(lda, "lda"), b,
            leading(ldb, "ldb"), s, rcond, &effectiveRank, &query, -1, &integerQuery)
        guard info == 0 else { return Int(info) }
        var work = [Scalar](repeating: 0, count: workspaceCount(query))
        var integerWork = [Int32](repeating: 0, count: Swift.max(1, Int(integerQuery)))
        let result = Scalar._gelsd(
            lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(nrhs, "nrhs"), a, leading(lda, "lda"), b,
            leading(ldb, "ldb"), s, rcond, &effectiveRank, &work, lapackInt(work.count, "lwork"), &integerWork)
        rank = Int(effectiveRank)
        return Int(result)
    }

    /// LQ factorization `A = L · Q` by Householder reflectors (`?gelqf`).
    @inlinable
    static func gelqf<Scalar: MatrixScalar>(
        m: Int, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, tau: UnsafeMutablePointer<Scalar>
    ) -> Int {
        var query: Scalar = 0
        let info = Scalar._gelqf(lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), tau, &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Scalar](repeating: 0, count: workspaceCount(query))
        return Int(
            Scalar._gelqf(
                lapackInt(m, "m"), lapackInt(n, "n"), a, leading(lda, "lda"), tau, &work,
                lapackInt(work.count, "lwork")))
    }

    /// The `m × n` matrix with orthonormal rows from the first `k` reflectors of ``gelqf`` (`?orglq`).
    @inlinable
    static func orglq<Scalar: MatrixScalar>(
        m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, tau: UnsafeMutablePointer<Scalar>
    ) -> Int {
        var query: Scalar = 0
        let info = Scalar._orglq(
            lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(k, "k"), a, leading(lda, "lda"), tau, &query, -1)
        guard info == 0 else { return Int(info) }
        var work = [Scalar](repeating: 0, count: workspaceCount(query))
        return Int(
            Scalar._orglq(
                lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(k, "k"), a, leading(lda, "lda"), tau, &work,
                lapackInt(work.count, "lwork")))
    }

    /// Converts a dimension to LAPACK's 32-bit integer, trapping with the name of the argument if it does not fit.
    @inlinable @inline(__always)
    static func lapackInt(_ value: Int, _ name: StaticString) -> Int32 {
        guard let converted = Int32(exactly: value) else {
            fatalError("LAPACK: \(name) = \(value) exceeds the 32-bit range of this LAPACK build")
        }
        return converted
    }

    /// A leading dimension: at least 1, as LAPACK requires even for empty matrices.
    @inlinable @inline(__always)
    static func leading(_ value: Int, _ name: StaticString) -> Int32 { lapackInt(Swift.max(1, value), name) }

    /// The workspace length a query (lwork = -1) reported, rounded up and at least 1.
    @inlinable @inline(__always)
    static func workspaceCount<Value: BinaryFloatingPoint>(_ reported: Value) -> Int {
        Swift.max(1, Int(reported.rounded(.up)))
    }

    /// LAPACK's character flag for a Boolean choice.
    @inlinable @inline(__always)
    static func flag(_ condition: Bool, _ whenTrue: Unicode.Scalar, _ whenFalse: Unicode.Scalar) -> CChar {
        CChar(bitPattern: UInt8(ascii: condition ? whenTrue : whenFalse))
    }
}
