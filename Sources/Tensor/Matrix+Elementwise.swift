import RealModule

// Elementwise arithmetic with numpy's broadcasting for two dimensions: two shapes combine when each
// dimension is equal or one of them is 1, so a `(1, n)` row, an `(m, 1)` column or a `(1, 1)`
// matrix stretches over the other operand.

extension Matrix {
    /// The shape two shapes broadcast to, with -1 for a dimension that does not broadcast: the one
    /// statement of numpy's rule for two dimensions (equal, or one of them 1).
    @inlinable @inline(__always)
    internal static func broadcastShape(_ left: (Int, Int), _ right: (Int, Int)) -> (Int, Int) {
        let rows = left.0 == right.0 ? left.0 : (left.0 == 1 ? right.0 : (right.0 == 1 ? left.0 : -1))
        let columns = left.1 == right.1 ? left.1 : (left.1 == 1 ? right.1 : (right.1 == 1 ? left.1 : -1))
        return (rows, columns)
    }

    /// The shape two operands broadcast to, or a trap naming the operation and both shapes.
    @inlinable @inline(__always)
    internal static func broadcastShape(_ operation: StaticString, _ left: Matrix, _ right: Matrix) -> (Int, Int) {
        let (rows, columns) = broadcastShape((left.rowCount, left.columnCount), (right.rowCount, right.columnCount))
        if rows < 0 || columns < 0 { broadcastFailure(operation, left, right) }
        return (rows, columns)
    }

    @usableFromInline @inline(never)
    internal static func broadcastFailure(_ operation: StaticString, _ left: Matrix, _ right: Matrix) -> Never {
        fatalError("\(operation): shapes \(left.shapeDescription) and \(right.shapeDescription) do not broadcast")
    }

    /// A new matrix whose elements are `combine(left, right)` over the broadcast shape of both operands.
    ///
    /// This is the building block of every binary elementwise operation; with a closure literal it
    /// compiles to one fused loop.
    @inlinable
    public static func combining(
        _ left: Matrix, _ right: Matrix, _ operation: StaticString = "combining",
        _ combine: (Scalar, Scalar) -> Scalar
    ) -> Matrix {
        let (rows, columns) = broadcastShape(operation, left, right)
        if left.rowCount == right.rowCount && left.columnCount == right.columnCount {
            let count = rows * columns
            let storage = [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
                left.storage.withUnsafeBufferPointer { l in
                    right.storage.withUnsafeBufferPointer { r in
                        for index in 0..<count { buffer[index] = combine(l[index], r[index]) }
                    }
                }
                initialized = count
            }
            return Matrix(uncheckedRows: rows, columns: columns, storage: storage)
        }
        var result = Matrix(
            uncheckedRows: rows, columns: columns,
            storage: left.rowCount == rows && left.columnCount == columns
                ? left.storage : Array(repeating: 0, count: rows * columns))
        if left.rowCount == rows && left.columnCount == columns {
            result.combine(with: right, operation, combine)
        } else {
            result.storage.withUnsafeMutableBufferPointer { out in
                left.storage.withUnsafeBufferPointer { l in
                    right.storage.withUnsafeBufferPointer { r in
                        let leftRowStride = left.rowCount == 1 ? 0 : left.columnCount
                        let rightRowStride = right.rowCount == 1 ? 0 : right.columnCount
                        let leftColumnStride = left.columnCount == 1 ? 0 : 1
                        let rightColumnStride = right.columnCount == 1 ? 0 : 1
                        for row in 0..<rows {
                            let lBase = row &* leftRowStride, rBase = row &* rightRowStride, oBase = row &* columns
                            for column in 0..<columns {
                                out[oBase &+ column] = combine(
                                    l[lBase &+ column &* leftColumnStride], r[rBase &+ column &* rightColumnStride])
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// Replaces each element with `combine(element, other)`, broadcasting `other` over this matrix's shape.
    ///
    /// - Precondition: `other` has this shape, or is a `(1, columns)` row, a `(rows, 1)` column or `(1, 1)`.
    @inlinable @inline(__always)
    public mutating func combine(
        with other: Matrix, _ operation: StaticString = "combine", _ combine: (Scalar, Scalar) -> Scalar
    ) {
        let rows = rowCount, columns = columnCount
        let rowStride = other.rowCount == rows ? other.columnCount : (other.rowCount == 1 ? 0 : -1)
        let columnStride = other.columnCount == columns ? 1 : (other.columnCount == 1 ? 0 : -1)
        if rowStride < 0 || columnStride < 0 { Matrix.broadcastFailure(operation, self, other) }
        storage.withUnsafeMutableBufferPointer { outBuffer in
            other.storage.withUnsafeBufferPointer { otherBuffer in
                // Row pointers and ranges without overflow checks, so that the inner loops vectorize.
                guard let out = outBuffer.baseAddress, let source = otherBuffer.baseAddress else { return }
                if rowStride == columns && columnStride == 1 {
                    for index in 0..<(rows &* columns) { out[index] = combine(out[index], source[index]) }
                } else if columnStride == 1 {
                    for row in 0..<rows {
                        let target = out + row &* columns, values = source + row &* rowStride
                        for column in 0..<columns { target[column] = combine(target[column], values[column]) }
                    }
                } else {
                    for row in 0..<rows {
                        let target = out + row &* columns, value = source[row &* rowStride]
                        for column in 0..<columns { target[column] = combine(target[column], value) }
                    }
                }
            }
        }
    }

    /// A new matrix with `transform` applied to every element.
    @inlinable
    public func map(_ transform: (Scalar) throws -> Scalar) rethrows -> Matrix {
        let count = storage.count
        let result = try [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            try storage.withUnsafeBufferPointer { source in
                for index in 0..<count { buffer[index] = try transform(source[index]) }
            }
            initialized = count
        }
        return Matrix(uncheckedRows: rowCount, columns: columnCount, storage: result)
    }

    /// Replaces every element with `transform(element)`, in place.
    @inlinable
    public mutating func apply(_ transform: (Scalar) -> Scalar) {
        storage.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = transform(buffer[index]) }
        }
    }

    /// Sets every element to `value`, in place.
    @inlinable
    public mutating func fill(with value: Scalar) {
        storage.withUnsafeMutableBufferPointer { buffer in buffer.update(repeating: value) }
    }

    // MARK: Operators

    /// Elementwise sum with broadcasting.
    @inlinable public static func + (lhs: Matrix, rhs: Matrix) -> Matrix { combining(lhs, rhs, "+", +) }
    /// Elementwise difference with broadcasting.
    @inlinable public static func - (lhs: Matrix, rhs: Matrix) -> Matrix { combining(lhs, rhs, "-", -) }
    /// Elementwise (Hadamard) product with broadcasting; the matrix product is ``dot(_:)``.
    @inlinable public static func * (lhs: Matrix, rhs: Matrix) -> Matrix { combining(lhs, rhs, "*", *) }
    /// Elementwise quotient with broadcasting (IEEE: `x / 0` is ±inf or nan, never a trap).
    @inlinable public static func / (lhs: Matrix, rhs: Matrix) -> Matrix { combining(lhs, rhs, "/", /) }

    /// Adds `scalar` to every element.
    @inlinable public static func + (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 + rhs } }
    /// Subtracts `scalar` from every element.
    @inlinable public static func - (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 - rhs } }
    /// Multiplies every element by `scalar`.
    @inlinable public static func * (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 * rhs } }
    /// Divides every element by `scalar`.
    @inlinable public static func / (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 / rhs } }
    /// `scalar + element` for every element.
    @inlinable public static func + (lhs: Scalar, rhs: Matrix) -> Matrix { rhs.map { lhs + $0 } }
    /// `scalar - element` for every element (numpy's `1 - x`).
    @inlinable public static func - (lhs: Scalar, rhs: Matrix) -> Matrix { rhs.map { lhs - $0 } }
    /// `scalar * element` for every element (numpy's `2 * x`).
    @inlinable public static func * (lhs: Scalar, rhs: Matrix) -> Matrix { rhs.map { lhs * $0 } }
    /// `scalar / element` for every element.
    @inlinable public static func / (lhs: Scalar, rhs: Matrix) -> Matrix { rhs.map { lhs / $0 } }

    /// Negates every element.
    @inlinable public static prefix func - (operand: Matrix) -> Matrix { operand.map { -$0 } }

    /// Adds `rhs`, broadcast over `lhs`'s shape, in place.
    @inlinable public static func += (lhs: inout Matrix, rhs: Matrix) { lhs.combine(with: rhs, "+=", +) }
    /// Subtracts `rhs`, broadcast over `lhs`'s shape, in place.
    @inlinable public static func -= (lhs: inout Matrix, rhs: Matrix) { lhs.combine(with: rhs, "-=", -) }
    /// Multiplies by `rhs` elementwise, broadcast over `lhs`'s shape, in place.
    @inlinable public static func *= (lhs: inout Matrix, rhs: Matrix) { lhs.combine(with: rhs, "*=", *) }
    /// Divides by `rhs` elementwise, broadcast over `lhs`'s shape, in place.
    @inlinable public static func /= (lhs: inout Matrix, rhs: Matrix) { lhs.combine(with: rhs, "/=", /) }
    /// Adds `rhs` to every element in place.
    @inlinable public static func += (lhs: inout Matrix, rhs: Scalar) { lhs.apply { $0 + rhs } }
    /// Subtracts `rhs` from every element in place.
    @inlinable public static func -= (lhs: inout Matrix, rhs: Scalar) { lhs.apply { $0 - rhs } }
    /// Multiplies every element by `rhs` in place.
    @inlinable public static func *= (lhs: inout Matrix, rhs: Scalar) { lhs.apply { $0 * rhs } }
    /// Divides every element by `rhs` in place.
    @inlinable public static func /= (lhs: inout Matrix, rhs: Scalar) { lhs.apply { $0 / rhs } }

    // MARK: Comparisons giving masks (1 where true, 0 where false), as Swift's SIMD types spell them.

    /// 1 where `lhs < rhs`, else 0 (broadcasting); comparisons with nan give 0.
    @inlinable public static func .< (lhs: Matrix, rhs: Matrix) -> Matrix {
        combining(lhs, rhs, ".<") { $0 < $1 ? 1 : 0 }
    }
    /// 1 where `lhs <= rhs`, else 0 (broadcasting).
    @inlinable public static func .<= (lhs: Matrix, rhs: Matrix) -> Matrix {
        combining(lhs, rhs, ".<=") { $0 <= $1 ? 1 : 0 }
    }
    /// 1 where `lhs > rhs`, else 0 (broadcasting).
    @inlinable public static func .> (lhs: Matrix, rhs: Matrix) -> Matrix {
        combining(lhs, rhs, ".>") { $0 > $1 ? 1 : 0 }
    }
    /// 1 where `lhs >= rhs`, else 0 (broadcasting).
    @inlinable public static func .>= (lhs: Matrix, rhs: Matrix) -> Matrix {
        combining(lhs, rhs, ".>=") { $0 >= $1 ? 1 : 0 }
    }
    /// 1 where `lhs == rhs`, else 0 (broadcasting); nan is never equal.
    @inlinable public static func .== (lhs: Matrix, rhs: Matrix) -> Matrix {
        combining(lhs, rhs, ".==") { $0 == $1 ? 1 : 0 }
    }
    /// 1 where `lhs != rhs`, else 0 (broadcasting); nan is unequal to everything.
    @inlinable public static func .!= (lhs: Matrix, rhs: Matrix) -> Matrix {
        combining(lhs, rhs, ".!=") { $0 != $1 ? 1 : 0 }
    }
    /// 1 where `element < rhs`, else 0.
    @inlinable public static func .< (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 < rhs ? 1 : 0 } }
    /// 1 where `element <= rhs`, else 0.
    @inlinable public static func .<= (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 <= rhs ? 1 : 0 } }
    /// 1 where `element > rhs`, else 0.
    @inlinable public static func .> (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 > rhs ? 1 : 0 } }
    /// 1 where `element >= rhs`, else 0.
    @inlinable public static func .>= (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 >= rhs ? 1 : 0 } }
    /// 1 where `element == rhs`, else 0.
    @inlinable public static func .== (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 == rhs ? 1 : 0 } }
    /// 1 where `element != rhs`, else 0.
    @inlinable public static func .!= (lhs: Matrix, rhs: Scalar) -> Matrix { lhs.map { $0 != rhs ? 1 : 0 } }

    // MARK: Choosing by a mask

    /// The elements of `chosen` where `condition` is non-zero and those of `otherwise` elsewhere:
    /// numpy's three-argument `np.where(condition, chosen, otherwise)`.
    ///
    /// `condition` is a mask as the comparisons return it (`a .> 0`: 1 where true, 0 where false); as
    /// in numpy's conversion to `bool`, every non-zero element, nan included, counts as true and both
    /// zeros as false. The three operands broadcast together as the elementwise operators broadcast
    /// (equal dimensions, or 1): `Matrix.where(a .> 0, a, [[0]])` is `relu(a)`. The scalar forms
    /// (a scalar for `chosen`, `otherwise` or both) spell numpy's `np.where(a > 0, a, 0)`.
    ///
    /// - Parameters:
    ///   - condition: the mask.
    ///   - chosen: the elements taken where `condition` is non-zero.
    ///   - otherwise: the elements taken where `condition` is zero.
    /// - Returns: a matrix of the three operands' broadcast shape.
    /// - Precondition: the three shapes broadcast together.
    @inlinable
    public static func `where`(_ condition: Matrix, _ chosen: Matrix, _ otherwise: Matrix) -> Matrix {
        let partial = broadcastShape(condition.shape, chosen.shape)
        let (rows, columns) = broadcastShape(partial, otherwise.shape)
        if partial.0 < 0 || partial.1 < 0 || rows < 0 || columns < 0 {
            failPrecondition(
                "where: shapes \(condition.shapeDescription), \(chosen.shapeDescription) and "
                    + "\(otherwise.shapeDescription) do not broadcast")
        }
        // Each operand stretched to the result's shape by the one broadcasting loop, `combine(with:)`.
        func stretched(_ operand: Matrix) -> Matrix {
            if operand.rowCount == rows && operand.columnCount == columns { return operand }
            var result = Matrix(
                uncheckedRows: rows, columns: columns, storage: Array(repeating: 0, count: rows * columns))
            result.combine(with: operand, "where") { $1 }
            return result
        }
        let mask = stretched(condition), otherwiseValues = stretched(otherwise)
        var result = stretched(chosen)
        mask.storage.withUnsafeBufferPointer { mask in
            otherwiseValues.storage.withUnsafeBufferPointer { otherwise in
                result.storage.withUnsafeMutableBufferPointer { result in
                    for index in result.indices where mask[index] == 0 { result[index] = otherwise[index] }
                }
            }
        }
        return result
    }

    /// numpy's `np.where(condition, chosen, otherwise)` with a scalar `otherwise`, as
    /// `np.where(a > 0, a, 0)`; see the three-matrix form.
    ///
    /// - Parameters:
    ///   - condition: the mask; non-zero (nan included) counts as true.
    ///   - chosen: the elements taken where `condition` is non-zero.
    ///   - otherwise: the value taken where `condition` is zero.
    /// - Returns: a matrix of `condition` and `chosen`'s broadcast shape.
    /// - Precondition: `condition` and `chosen` broadcast together.
    @inlinable
    public static func `where`(_ condition: Matrix, _ chosen: Matrix, _ otherwise: Scalar) -> Matrix {
        .where(condition, chosen, Matrix(uncheckedRows: 1, columns: 1, storage: [otherwise]))
    }

    /// numpy's `np.where(condition, chosen, otherwise)` with a scalar `chosen`; see the three-matrix
    /// form.
    ///
    /// - Parameters:
    ///   - condition: the mask; non-zero (nan included) counts as true.
    ///   - chosen: the value taken where `condition` is non-zero.
    ///   - otherwise: the elements taken where `condition` is zero.
    /// - Returns: a matrix of `condition` and `otherwise`'s broadcast shape.
    /// - Precondition: `condition` and `otherwise` broadcast together.
    @inlinable
    public static func `where`(_ condition: Matrix, _ chosen: Scalar, _ otherwise: Matrix) -> Matrix {
        .where(condition, Matrix(uncheckedRows: 1, columns: 1, storage: [chosen]), otherwise)
    }

    /// numpy's `np.where(condition, chosen, otherwise)` with two scalars: `chosen` where `condition` is
    /// non-zero, `otherwise` elsewhere; see the three-matrix form.
    ///
    /// - Parameters:
    ///   - condition: the mask; non-zero (nan included) counts as true.
    ///   - chosen: the value taken where `condition` is non-zero.
    ///   - otherwise: the value taken where `condition` is zero.
    /// - Returns: a matrix of `condition`'s shape.
    @inlinable
    public static func `where`(_ condition: Matrix, _ chosen: Scalar, _ otherwise: Scalar) -> Matrix {
        condition.map { $0 != 0 ? chosen : otherwise }
    }

    /// Whether every element is finite (neither infinite nor nan).
    @inlinable
    public var isFinite: Bool {
        storage.withUnsafeBufferPointer { buffer in
            var finite = true
            for value in buffer where !value.isFinite { finite = false }
            return finite
        }
    }
}

// MARK: Elementwise functions, as numpy's ufuncs

/// The logistic function `1 / (1 + e^-x)`.
///
/// Computed as the notebooks write it, `1 / (1 + exp(-x))`, so that ported numpy code gives the same
/// digits; only where `exp(-x)` overflows (x below about -709 in `Double`, -88 in `Float`) does it
/// switch to `e^x / (1 + e^x)`, which keeps the tiny result accurate instead of flushing it to 0.
@inlinable @inline(__always)
public func sigmoid<Scalar: MatrixScalar>(_ x: Scalar) -> Scalar {
    let e = Scalar.exp(-x)
    if e.isFinite { return 1 / (1 + e) }
    let f = Scalar.exp(x)
    return f / (1 + f)
}

/// The rectified linear unit `max(0, x)`; nan stays nan.
///
/// Written as `Swift.max(x, 0)` (which is `0 >= x ? 0 : x`): unlike `x <= 0 ? 0 : x`, this form
/// vectorizes inside the elementwise loops.
@inlinable @inline(__always)
public func relu<Scalar: MatrixScalar>(_ x: Scalar) -> Scalar { Swift.max(x, 0) }

/// `e^x` for every element (`np.exp`).
///
/// A vectorized kernel, within 1 ulp of libm's `exp` (equal to it in about 90% of cases; see
/// `VectorMath.swift`); `Real.exp(_:)` on a single scalar is libm's.
@inlinable public func exp<Scalar>(_ matrix: Matrix<Scalar>) -> Matrix<Scalar> {
    var result = matrix
    let count = result.count
    result.withUnsafeMutableBufferPointer { if let base = $0.baseAddress { exponentialsInPlace(base, count: count) } }
    return result
}
/// The natural logarithm of every element (`np.log`); 0 gives -inf and negatives give nan.
@inlinable public func log<Scalar>(_ matrix: Matrix<Scalar>) -> Matrix<Scalar> { matrix.map { Scalar.log($0) } }
/// `log(1 + x)` for every element, accurate near 0 (`np.log1p`).
@inlinable public func log1p<Scalar>(_ matrix: Matrix<Scalar>) -> Matrix<Scalar> {
    matrix.map { Scalar.log(onePlus: $0) }
}
/// The square root of every element (`np.sqrt`); negatives give nan.
@inlinable public func sqrt<Scalar>(_ matrix: Matrix<Scalar>) -> Matrix<Scalar> { matrix.map { $0.squareRoot() } }
/// Every element raised to `exponent` (`np.power`), following C's `pow` for special values.
///
/// swift-numerics' real `pow(x, y)` returns nan for every negative `x` and for `0⁰`, unlike C and
/// numpy, so integral exponents go through its `pow(x, n: Int)` (which is C's `pow`), and the
/// remaining cases where C's answer depends only on `|x|` (an infinite exponent, an integral one too
/// large for `Int`, or `x = -inf` with a non-integral exponent) use `|x|`.
@inlinable public func pow<Scalar>(_ matrix: Matrix<Scalar>, _ exponent: Scalar) -> Matrix<Scalar> {
    if exponent == 2 { return matrix.map { $0 * $0 } }
    if let integral = Int(exactly: exponent) { return matrix.map { Scalar.pow($0, integral) } }
    if exponent.isInfinite || exponent.rounded(.towardZero) == exponent {
        return matrix.map { Scalar.pow($0.magnitude, exponent) }
    }
    return matrix.map { $0 == -Scalar.infinity ? Scalar.pow(Scalar.infinity, exponent) : Scalar.pow($0, exponent) }
}
/// The absolute value of every element (`np.abs`).
@inlinable public func abs<Scalar>(_ matrix: Matrix<Scalar>) -> Matrix<Scalar> { matrix.map { Swift.abs($0) } }
/// The hyperbolic tangent of every element (`np.tanh`).
@inlinable public func tanh<Scalar>(_ matrix: Matrix<Scalar>) -> Matrix<Scalar> { matrix.map { Scalar.tanh($0) } }
/// The logistic function of every element, stable for large `|x|`.
///
/// A vectorized kernel: `1 / (1 + e)` for x ≥ 0 and `e / (1 + e)` below, with `e = e^-|x|` from the
/// kernel behind ``exp(_:)``; within 4 ulps of the scalar ``sigmoid(_:)-(Scalar)``, and exact at 0 and ±inf.
@inlinable public func sigmoid<Scalar>(_ matrix: Matrix<Scalar>) -> Matrix<Scalar> {
    var result = matrix
    let rows = result.rows, columns = result.columns
    result.withUnsafeMutableBufferPointer {
        if let base = $0.baseAddress { logisticsInPlace(base, rows: rows, columns: columns) }
    }
    return result
}
/// `max(0, x)` for every element.
@inlinable public func relu<Scalar>(_ matrix: Matrix<Scalar>) -> Matrix<Scalar> { matrix.map { relu($0) } }
/// Every element limited to `[lower, upper]` (`np.clip`); nan stays nan.
@inlinable public func clip<Scalar>(_ matrix: Matrix<Scalar>, _ lower: Scalar, _ upper: Scalar) -> Matrix<Scalar> {
    checkPrecondition(lower <= upper, "clip: lower bound \(lower) exceeds upper bound \(upper)")
    return matrix.map { $0.isNaN ? $0 : Swift.min(Swift.max($0, lower), upper) }
}
/// The elementwise maximum with broadcasting (`np.maximum`: nan if either is nan).
@inlinable public func maximum<Scalar>(_ left: Matrix<Scalar>, _ right: Matrix<Scalar>) -> Matrix<Scalar> {
    Matrix.combining(left, right, "maximum") { $0.isNaN || $1.isNaN ? Scalar.nan : Swift.max($0, $1) }
}
/// The elementwise minimum with broadcasting (`np.minimum`: nan if either is nan).
@inlinable public func minimum<Scalar>(_ left: Matrix<Scalar>, _ right: Matrix<Scalar>) -> Matrix<Scalar> {
    Matrix.combining(left, right, "minimum") { $0.isNaN || $1.isNaN ? Scalar.nan : Swift.min($0, $1) }
}
/// The elementwise maximum with a scalar (`np.maximum(x, value)`).
@inlinable public func maximum<Scalar>(_ matrix: Matrix<Scalar>, _ value: Scalar) -> Matrix<Scalar> {
    matrix.map { $0.isNaN || value.isNaN ? Scalar.nan : Swift.max($0, value) }
}
/// The elementwise minimum with a scalar (`np.minimum(x, value)`).
@inlinable public func minimum<Scalar>(_ matrix: Matrix<Scalar>, _ value: Scalar) -> Matrix<Scalar> {
    matrix.map { $0.isNaN || value.isNaN ? Scalar.nan : Swift.min($0, value) }
}
