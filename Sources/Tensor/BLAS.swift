// The one internal wrapper over OpenBLAS's CBLAS interface. Nothing of C leaves this file:
// callers pass Swift integers, Booleans and typed pointers, and the generic entry points pick the
// single- or double-precision routine by the scalar type (a check that specialization folds away).
internal import CBLAS

/// Internal entry points to BLAS, generic over ``MatrixScalar``.
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
        if Scalar.self == Double.self {
            dgemm(
                transposeA, transposeB, m, n, k, unsafeBitCast(alpha, to: Double.self),
                UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), lda,
                UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), ldb,
                unsafeBitCast(beta, to: Double.self),
                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc)
        } else if Scalar.self == Float.self {
            sgemm(
                transposeA, transposeB, m, n, k, unsafeBitCast(alpha, to: Float.self),
                UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
                UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), ldb,
                unsafeBitCast(beta, to: Float.self),
                UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc)
        } else {
            unsupported(Scalar.self)
        }
    }

    /// `y = alpha · op(A) · x + beta · y` for a row-major `A` of shape `m × n` (before `op`).
    @inlinable
    static func gemv<Scalar: MatrixScalar>(
        transposeA: Bool, m: Int, n: Int, alpha: Scalar, a: UnsafePointer<Scalar>, lda: Int,
        x: UnsafePointer<Scalar>, incx: Int, beta: Scalar, y: UnsafeMutablePointer<Scalar>, incy: Int
    ) {
        if Scalar.self == Double.self {
            dgemv(
                transposeA, m, n, unsafeBitCast(alpha, to: Double.self),
                UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), lda,
                UnsafeRawPointer(x).assumingMemoryBound(to: Double.self), incx,
                unsafeBitCast(beta, to: Double.self),
                UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self), incy)
        } else if Scalar.self == Float.self {
            sgemv(
                transposeA, m, n, unsafeBitCast(alpha, to: Float.self),
                UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), lda,
                UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), incx,
                unsafeBitCast(beta, to: Float.self),
                UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self), incy)
        } else {
            unsupported(Scalar.self)
        }
    }

    /// `y = alpha · x + y` over `count` contiguous elements.
    @inlinable
    static func axpy<Scalar: MatrixScalar>(count: Int, alpha: Scalar, x: UnsafePointer<Scalar>, y: UnsafeMutablePointer<Scalar>) {
        if Scalar.self == Double.self {
            daxpy(
                count, unsafeBitCast(alpha, to: Double.self), UnsafeRawPointer(x).assumingMemoryBound(to: Double.self),
                UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self))
        } else if Scalar.self == Float.self {
            saxpy(
                count, unsafeBitCast(alpha, to: Float.self), UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self))
        } else {
            unsupported(Scalar.self)
        }
    }

    @usableFromInline
    static func daxpy(_ count: Int, _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        cblas_daxpy(blasInt(count, "n"), alpha, x, 1, y, 1)
    }

    @usableFromInline
    static func saxpy(_ count: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(blasInt(count, "n"), alpha, x, 1, y, 1)
    }

    @usableFromInline @inline(never)
    static func unsupported(_ type: Any.Type) -> Never {
        fatalError("BLAS: \(type) is not supported; Matrix supports Float and Double")
    }

    /// Converts a dimension to BLAS's 32-bit integer, trapping with the name of the argument if it does not fit.
    @inline(__always)
    static func blasInt(_ value: Int, _ name: StaticString) -> Int32 {
        guard let converted = Int32(exactly: value) else {
            fatalError("BLAS: \(name) = \(value) exceeds the 32-bit range of this BLAS build")
        }
        return converted
    }

    @usableFromInline
    static func dgemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Double,
        _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int,
        _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m, "m"), blasInt(n, "n"), blasInt(k, "k"), alpha, a, blasInt(max(1, lda), "lda"),
            b, blasInt(max(1, ldb), "ldb"), beta, c, blasInt(max(1, ldc), "ldc"))
    }

    @usableFromInline
    static func sgemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m, "m"), blasInt(n, "n"), blasInt(k, "k"), alpha, a, blasInt(max(1, lda), "lda"),
            b, blasInt(max(1, ldb), "ldb"), beta, c, blasInt(max(1, ldc), "ldc"))
    }

    @usableFromInline
    static func dgemv(
        _ transposeA: Bool, _ m: Int, _ n: Int, _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int,
        _ x: UnsafePointer<Double>, _ incx: Int, _ beta: Double, _ y: UnsafeMutablePointer<Double>, _ incy: Int
    ) {
        cblas_dgemv(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, blasInt(m, "m"), blasInt(n, "n"), alpha,
            a, blasInt(max(1, lda), "lda"), x, blasInt(incx, "incx"), beta, y, blasInt(incy, "incy"))
    }

    @usableFromInline
    static func sgemv(
        _ transposeA: Bool, _ m: Int, _ n: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int,
        _ x: UnsafePointer<Float>, _ incx: Int, _ beta: Float, _ y: UnsafeMutablePointer<Float>, _ incy: Int
    ) {
        cblas_sgemv(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, blasInt(m, "m"), blasInt(n, "n"), alpha,
            a, blasInt(max(1, lda), "lda"), x, blasInt(incx, "incx"), beta, y, blasInt(incy, "incy"))
    }

    static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(clamping: max(1, newValue))) }
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
