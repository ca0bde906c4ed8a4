// The one internal wrapper over LAPACKE: the generic entry points here forward to the per-precision
// conformances in LAPACK+Float.swift and LAPACK+Double.swift, which (with BLAS) alone import the C module.
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
/// use ``Matrix``'s linear algebra. Each requirement takes column-major operands and returns LAPACK's
/// `info` (see ``LAPACK`` for the conventions).
public protocol _LAPACKScalar {
    /// LAPACK's `?getrf` in this precision; see `LAPACK.getrf`.
    static func _getrf(
        _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int

    /// LAPACK's `?getrs` in this precision; see `LAPACK.getrs`.
    static func _getrs(
        _ transpose: Bool, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int,
        _ pivots: UnsafeMutablePointer<Int32>, _ b: UnsafeMutablePointer<Self>, _ ldb: Int
    ) -> Int

    /// LAPACK's `?getri` in this precision; see `LAPACK.getri`.
    static func _getri(
        _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int, _ pivots: UnsafeMutablePointer<Int32>
    ) -> Int

    /// LAPACK's `?potrf` in this precision; see `LAPACK.potrf`.
    static func _potrf(_ upper: Bool, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int) -> Int

    /// LAPACK's `?posv` in this precision; see `LAPACK.posv`.
    static func _posv(
        _ upper: Bool, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int,
        _ b: UnsafeMutablePointer<Self>, _ ldb: Int
    ) -> Int

    /// LAPACK's `?syevd` in this precision; see `LAPACK.syevd`.
    static func _syevd(
        _ vectors: Bool, _ upper: Bool, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int,
        _ values: UnsafeMutablePointer<Self>
    ) -> Int

    /// LAPACK's `?geev` in this precision; see `LAPACK.geev`.
    static func _geev(
        _ vectors: Bool, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int,
        _ realParts: UnsafeMutablePointer<Self>, _ imaginaryParts: UnsafeMutablePointer<Self>,
        _ vr: UnsafeMutablePointer<Self>, _ ldvr: Int
    ) -> Int

    /// LAPACK's `?gesdd` in this precision; see `LAPACK.gesdd`.
    static func _gesdd(
        _ job: UInt8, _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int,
        _ s: UnsafeMutablePointer<Self>, _ u: UnsafeMutablePointer<Self>, _ ldu: Int,
        _ vt: UnsafeMutablePointer<Self>, _ ldvt: Int
    ) -> Int

    /// LAPACK's `?gelsd` in this precision; see `LAPACK.gelsd`.
    static func _gelsd(
        _ m: Int, _ n: Int, _ nrhs: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int,
        _ b: UnsafeMutablePointer<Self>, _ ldb: Int, _ s: UnsafeMutablePointer<Self>, _ rcond: Self,
        _ rank: inout Int
    ) -> Int

    /// LAPACK's `?gelqf` in this precision; see `LAPACK.gelqf`.
    static func _gelqf(
        _ m: Int, _ n: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int, _ tau: UnsafeMutablePointer<Self>
    ) -> Int

    /// LAPACK's `?orglq` in this precision; see `LAPACK.orglq`.
    static func _orglq(
        _ m: Int, _ n: Int, _ k: Int, _ a: UnsafeMutablePointer<Self>, _ lda: Int,
        _ tau: UnsafeMutablePointer<Self>
    ) -> Int
}

/// Internal entry points to LAPACK, generic over ``MatrixScalar``; each forwards to the scalar's
/// ``_LAPACKScalar`` conformance.
@usableFromInline
internal enum LAPACK {
    /// LU factorization with partial pivoting of the column-major `m × n` matrix at `a` (`?getrf`).
    @inlinable
    static func getrf<Scalar: MatrixScalar>(
        m: Int, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        Scalar._getrf(m, n, a, lda, pivots)
    }

    /// Solves `op(A) · X = B` with the LU factors from ``getrf`` (`?getrs`); `B` is column-major `n × nrhs`.
    @inlinable
    static func getrs<Scalar: MatrixScalar>(
        transpose: Bool, n: Int, nrhs: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        pivots: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Scalar>, ldb: Int
    ) -> Int {
        Scalar._getrs(transpose, n, nrhs, a, lda, pivots, b, ldb)
    }

    /// The inverse from the LU factors from ``getrf``, in place (`?getri`).
    @inlinable
    static func getri<Scalar: MatrixScalar>(
        n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, pivots: UnsafeMutablePointer<Int32>
    ) -> Int {
        Scalar._getri(n, a, lda, pivots)
    }

    /// Cholesky factorization of the column-major symmetric matrix at `a`, from and into the upper
    /// (`upper`) or lower triangle (`?potrf`).
    @inlinable
    static func potrf<Scalar: MatrixScalar>(upper: Bool, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int) -> Int {
        Scalar._potrf(upper, n, a, lda)
    }

    /// Solves `A · X = B` for a symmetric positive-definite `A` by Cholesky (`?posv`).
    @inlinable
    static func posv<Scalar: MatrixScalar>(
        upper: Bool, n: Int, nrhs: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        b: UnsafeMutablePointer<Scalar>, ldb: Int
    ) -> Int {
        Scalar._posv(upper, n, nrhs, a, lda, b, ldb)
    }

    /// Eigenvalues (ascending, into `values`) and, if `vectors`, orthonormal eigenvectors (into the
    /// columns of `a`) of a symmetric matrix, by divide and conquer (`?syevd`).
    @inlinable
    static func syevd<Scalar: MatrixScalar>(
        vectors: Bool, upper: Bool, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        values: UnsafeMutablePointer<Scalar>
    ) -> Int {
        Scalar._syevd(vectors, upper, n, a, lda, values)
    }

    /// Eigenvalues of a general square matrix and, if `vectors`, its right eigenvectors in LAPACK's
    /// packed real form (into `vr`, leading dimension `ldvr`) (`?geev`).
    @inlinable
    static func geev<Scalar: MatrixScalar>(
        vectors: Bool, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int,
        realParts: UnsafeMutablePointer<Scalar>, imaginaryParts: UnsafeMutablePointer<Scalar>,
        vr: UnsafeMutablePointer<Scalar>, ldvr: Int
    ) -> Int {
        Scalar._geev(vectors, n, a, lda, realParts, imaginaryParts, vr, ldvr)
    }

    /// Singular value decomposition by divide and conquer (`?gesdd`). `job` is `A` (all columns of
    /// `U` and rows of `Vᵀ`), `S` (the first `min(m, n)`) or `N` (singular values only).
    @inlinable
    static func gesdd<Scalar: MatrixScalar>(
        job: UInt8, m: Int, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, s: UnsafeMutablePointer<Scalar>,
        u: UnsafeMutablePointer<Scalar>, ldu: Int, vt: UnsafeMutablePointer<Scalar>, ldvt: Int
    ) -> Int {
        Scalar._gesdd(job, m, n, a, lda, s, u, ldu, vt, ldvt)
    }

    /// Minimum-norm least-squares solution by SVD (`?gelsd`); singular values below
    /// `rcond · s[0]` count as zero. The effective rank goes into `rank`.
    @inlinable
    static func gelsd<Scalar: MatrixScalar>(
        m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, b: UnsafeMutablePointer<Scalar>,
        ldb: Int, s: UnsafeMutablePointer<Scalar>, rcond: Scalar, rank: inout Int
    ) -> Int {
        Scalar._gelsd(m, n, nrhs, a, lda, b, ldb, s, rcond, &rank)
    }

    /// LQ factorization `A = L · Q` by Householder reflectors (`?gelqf`).
    @inlinable
    static func gelqf<Scalar: MatrixScalar>(
        m: Int, n: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, tau: UnsafeMutablePointer<Scalar>
    ) -> Int {
        Scalar._gelqf(m, n, a, lda, tau)
    }

    /// The `m × n` matrix with orthonormal rows from the first `k` reflectors of ``gelqf`` (`?orglq`).
    @inlinable
    static func orglq<Scalar: MatrixScalar>(
        m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Scalar>, lda: Int, tau: UnsafeMutablePointer<Scalar>
    ) -> Int {
        Scalar._orglq(m, n, k, a, lda, tau)
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
}
