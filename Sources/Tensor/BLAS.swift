// The one internal wrapper over OpenBLAS's CBLAS interface. Nothing of C leaves this file:
// callers pass Swift integers, Booleans and typed pointers, and the generic entry points forward to
// the single- or double-precision routine through the scalar's `_BLASScalar` conformance
// (BLAS+Float.swift, BLAS+Double.swift, which with this file and LAPACK's alone import the C module).
internal import CBLAS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The per-precision BLAS routines behind ``MatrixScalar``: an implementation detail, public only
/// because ``MatrixScalar`` is public and refines it (as swift-numerics does with its underscored
/// protocols). `Float` conforms with the `s` routines, `Double` with the `d` routines (BLAS+Float.swift,
/// BLAS+Double.swift); do not conform other types or call these requirements directly.
public protocol _BLASScalar {
    /// BLAS's `?gemm` in this precision; see `BLAS.gemm`.
    static func _gemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Self,
        _ a: UnsafePointer<Self>, _ lda: Int, _ b: UnsafePointer<Self>, _ ldb: Int,
        _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int
    )

    /// BLAS's `?gemv` in this precision; see `BLAS.gemv`.
    static func _gemv(
        _ transposeA: Bool, _ m: Int, _ n: Int, _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int,
        _ x: UnsafePointer<Self>, _ incx: Int, _ beta: Self, _ y: UnsafeMutablePointer<Self>, _ incy: Int
    )

    /// BLAS's `?axpy` in this precision; see `BLAS.axpy`.
    static func _axpy(_ count: Int, _ alpha: Self, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>)
}

/// Internal entry points to BLAS, generic over ``MatrixScalar``; each forwards to the scalar's
/// ``_BLASScalar`` conformance.
@usableFromInline
internal enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C` for row-major operands, where `op` transposes when asked.
    ///
    /// `m × k` is the shape of `op(A)`, `k × n` that of `op(B)`, and `m × n` that of `C`.
    @inlinable
    static func gemm<Scalar: MatrixScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Scalar, a: UnsafePointer<Scalar>, lda: Int,
        b: UnsafePointer<Scalar>, ldb: Int,
        beta: Scalar, c: UnsafeMutablePointer<Scalar>, ldc: Int
    ) {
        Scalar._gemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// `y = alpha · op(A) · x + beta · y` for a row-major `A` of shape `m × n` (before `op`).
    @inlinable
    static func gemv<Scalar: MatrixScalar>(
        transposeA: Bool, m: Int, n: Int, alpha: Scalar, a: UnsafePointer<Scalar>, lda: Int,
        x: UnsafePointer<Scalar>, incx: Int, beta: Scalar, y: UnsafeMutablePointer<Scalar>, incy: Int
    ) {
        Scalar._gemv(transposeA, m, n, alpha, a, lda, x, incx, beta, y, incy)
    }

    /// `y = alpha · x + y` over `count` contiguous elements.
    @inlinable
    static func axpy<Scalar: MatrixScalar>(
        count: Int, alpha: Scalar, x: UnsafePointer<Scalar>, y: UnsafeMutablePointer<Scalar>
    ) {
        Scalar._axpy(count, alpha, x, y)
    }

    /// Converts a dimension to BLAS's 32-bit integer, trapping with the name of the argument if it does not fit.
    @inline(__always)
    static func blasInt(_ value: Int, _ name: StaticString) -> Int32 {
        guard let converted = Int32(exactly: value) else {
            fatalError("BLAS: \(name) = \(value) exceeds the 32-bit range of this BLAS build")
        }
        return converted
    }

    static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(clamping: max(1, newValue))) }
    }

    /// Runs `body` with OpenBLAS's thread count at 1, passing the count it had before, and restores
    /// that count when the last such region of the process ends: the one place the count is lowered
    /// for a while (``KernelPool/runWithSingleThreadedProducts(parts:_:)``).
    ///
    /// Regions may overlap (two networks trained on two threads): a count of entered regions, under a
    /// lock, has the first save and lower the count and the last restore it, so the count is never
    /// left at 1. In OpenBLAS 0.3.21 `openblas_set_num_threads` changes only the count that later
    /// products read (`blas_cpu_number`): lowering it stops no worker, raising it back to the workers
    /// already started creates none, so a region costs two stores (and, in builds with CPU affinity,
    /// which Debian's is not, an affinity call each way). A product started on another thread while a
    /// region is open runs on one thread: the same result to rounding, not bit for bit.
    static func withSingleThreadedProducts<Result>(_ body: (_ threadsBefore: Int) -> Result) -> Result {
        let threads = SingleThreadedRegion.shared.enter()
        defer { SingleThreadedRegion.shared.leave() }
        return body(threads)
    }

    static var coreName: String { String(cString: openblas_get_corename()) }

    static var configuration: String { String(cString: openblas_get_config()) }
}

/// Facts about, and controls of, the OpenBLAS library that runs this package's products.
public enum BLASLibrary {
    /// The number of threads OpenBLAS uses for large products (`openblas_get_num_threads`);
    /// setting it calls `openblas_set_num_threads` (values below 1 mean 1).
    ///
    /// OpenBLAS runs products with M·N·K ≤ 262,144 on one thread whatever this says.
    public static var threadCount: Int {
        get { BLAS.threadCount }
        set { BLAS.threadCount = newValue }
    }

    /// The kernel family OpenBLAS chose for this processor, such as `SkylakeX`.
    public static var coreName: String { BLAS.coreName }

    /// OpenBLAS's build configuration string (version, threading model, maximum threads).
    public static var configuration: String { BLAS.configuration }
}

/// The count of open ``BLAS/withSingleThreadedProducts(_:)`` regions and the thread count they
/// restore, under one lock.
private final class SingleThreadedRegion: @unchecked Sendable {
    static let shared = SingleThreadedRegion()

    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    // Guarded by `lock`.
    private var depth = 0
    private var savedThreads = 1

    private init() {
        lock = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
    }

    /// Opens a region: the first one saves OpenBLAS's count and sets it to 1. Returns the saved count.
    func enter() -> Int {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if depth == 0 {
            savedThreads = BLAS.threadCount
            if savedThreads > 1 { BLAS.threadCount = 1 }
        }
        depth += 1
        return savedThreads
    }

    /// Closes a region: the last one restores the saved count.
    func leave() {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        depth -= 1
        if depth == 0 && savedThreads > 1 { BLAS.threadCount = savedThreads }
    }
}
