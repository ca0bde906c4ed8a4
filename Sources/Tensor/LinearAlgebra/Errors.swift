/// Why a linear-algebra operation on a ``Matrix`` could not produce a result.
///
/// Each case names the public operation that failed (such as `"inverse()"`) and, where LAPACK reported
/// the failure, LAPACK's `info` value, so that a failure can be traced to the routine's documentation.
/// Shape mismatches are not errors but programming mistakes: they trap with both shapes in the message.
public enum LinearAlgebraError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The matrix is exactly singular: the LU factorization found `U[info - 1, info - 1] == 0`.
    case singularMatrix(function: String, info: Int)
    /// The matrix is not positive definite: its leading minor of order `info` is not positive.
    case notPositiveDefinite(function: String, info: Int)
    /// An iterative algorithm (SVD, eigenvalue iteration) did not converge; `info` is LAPACK's count
    /// of quantities that failed to converge.
    case noConvergence(function: String, info: Int)
    /// The input held an infinity or a nan, which LAPACK cannot factor meaningfully; nothing was computed.
    case nonFiniteInput(function: String)
    /// LAPACK rejected argument number `-info` of the routine it was called with; this is a bug in
    /// this package, not in the caller's data.
    case invalidArgument(function: String, info: Int)

    /// A sentence that names the operation, the cause, and what to try instead.
    public var description: String {
        switch self {
        case .singularMatrix(let function, let info):
            return "\(function): the matrix is singular (the pivot U[\(info - 1), \(info - 1)] of its LU "
                + "factorization is exactly zero, LAPACK info \(info)); its rows are linearly dependent. "
                + "Use leastSquares(_:_:rcond:) or pseudoInverse(rcond:) for a minimum-norm solution."
        case .notPositiveDefinite(let function, let info):
            return "\(function): the matrix is not positive definite (its leading minor of order \(info) "
                + "is not positive, LAPACK info \(info)). Check that it is symmetric with positive eigenvalues, "
                + "or use solve(_:_:) for a general matrix."
        case .noConvergence(let function, let info):
            return "\(function): the LAPACK iteration did not converge (LAPACK info \(info)). "
                + "The matrix may be badly scaled; rescale it or check it for extreme values."
        case .nonFiniteInput(let function):
            return "\(function): the input contains an infinity or a nan; "
                + "replace or remove non-finite values before calling it."
        case .invalidArgument(let function, let info):
            return "\(function): LAPACK rejected argument \(-info) (LAPACK info \(info)); "
                + "this is a bug in Tensor, please report it with the matrix shapes."
        }
    }
}

extension Matrix {
    /// Traps unless the matrix is square, naming the operation and the shape.
    @inlinable @inline(__always)
    internal func requireSquare(_ operation: StaticString) {
        if rowCount != columnCount { Matrix.squareFailure(operation, shapeDescription) }
    }

    @usableFromInline @inline(never)
    internal static func squareFailure(_ operation: StaticString, _ shape: String) -> Never {
        fatalError("\(operation): needs a square matrix, got shape \(shape)")
    }

    /// Throws ``LinearAlgebraError/nonFiniteInput(function:)`` if any element is infinite or nan.
    @inlinable
    internal func requireFinite(_ operation: StaticString) throws(LinearAlgebraError) {
        if !isFinite { throw .nonFiniteInput(function: "\(operation)") }
    }
}

/// Turns a nonzero LAPACK `info` into an error: negative values are invalid arguments, positive
/// values the routine-specific failure that `failure` builds.
@inlinable
internal func checkLAPACK(
    _ info: Int, _ operation: StaticString, failure: (String, Int) -> LinearAlgebraError
) throws(LinearAlgebraError) {
    if info < 0 { throw .invalidArgument(function: "\(operation)", info: info) }
    if info > 0 { throw failure("\(operation)", info) }
}
