// Order statistics, as numpy's `median`, `quantile` and `percentile` with their default method,
// 'linear' (Hyndman and Fan's method 7). Like the reductions of Matrix+Reductions.swift, each has a
// form over all elements that returns a scalar and a form along an axis that keeps both dimensions
// (numpy's `keepdims=True`) unless `keepingDimensions` is false. A lane that holds a nan gives nan, as
// in numpy (whose `nanmedian` and `nanquantile`, which skip nan, have no counterpart here).

extension Matrix {
    /// numpy's median of `sorted`, a lane in ascending order with nan last: nan for an empty lane or
    /// one with a nan, the middle element for an odd length, the mean `(a + b) / 2` of the middle two
    /// (in `Scalar`, as `np.mean` takes it) for an even one.
    @inlinable
    internal static func median(ofSorted sorted: UnsafeMutableBufferPointer<Scalar>) -> Scalar {
        let length = sorted.count
        guard length > 0, !sorted[length - 1].isNaN else { return .nan }
        if length % 2 == 1 { return sorted[length / 2] }
        return (sorted[length / 2 - 1] + sorted[length / 2]) / 2
    }

    /// numpy's 'linear' quantile `q` of `sorted`, a non-empty lane in ascending order with nan last.
    ///
    /// The position is `(n − 1) · q` in `Double`; between its neighbours `a` and `b`, with weight `t` its
    /// fractional part, the value is numpy's `_lerp`: `a + (b − a) · t`, or `b − (b − a) · (1 − t)`
    /// when `t ≥ 0.5`, with `t` and `1 − t` computed in `Double` and rounded to `Scalar` (numpy's weak
    /// Python float), the rest in `Scalar`. As numpy does, a position at the end interpolates the last
    /// element with itself (weight `n`), which gives it back, or nan when it is infinite. A lane with a
    /// nan gives nan.
    @inlinable
    internal static func quantile(_ q: Double, ofSorted sorted: UnsafeMutableBufferPointer<Scalar>) -> Scalar {
        let length = sorted.count
        if sorted[length - 1].isNaN { return .nan }
        let position = Double(length - 1) * q
        var lower = position.rounded(.down)
        let previous: Scalar, next: Scalar
        if position >= Double(length - 1) {
            // numpy's _get_indexes: both neighbours are the last element, and index -1 enters the weight.
            (previous, next) = (sorted[length - 1], sorted[length - 1])
            lower = -1
        } else {
            (previous, next) = (sorted[Int(lower)], sorted[Int(lower) + 1])
        }
        let weight = position - lower
        let difference = next - previous
        return weight >= 0.5
            ? next - difference * Scalar(1 - weight) : previous + difference * Scalar(weight)
    }

    /// `statistic` of each lane along `axis` (all elements for `nil`), each lane sorted first.
    @inlinable
    internal func orderStatistic(
        _ operation: StaticString, axis: Int?, keepingDimensions: Bool,
        _ statistic: (UnsafeMutableBufferPointer<Scalar>) -> Scalar
    ) -> Matrix {
        let lanes = lanes(operation, axis: axis)
        let shape =
            axis == nil
            ? (1, 1) : reducedShape(operation, axis: axis ?? 0, keepingDimensions: keepingDimensions)
        var result = [Scalar](repeating: 0, count: lanes.count)
        var lane = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: lanes.length)
        defer { lane.deallocate() }
        storage.withUnsafeBufferPointer { source in
            for index in 0..<lanes.count {
                for position in 0..<lanes.length {
                    lane[position] = source[lanes.offset(lane: index, position: position)]
                }
                lane.sort(by: Matrix.sortsBefore)
                result[index] = statistic(lane)
            }
        }
        return Matrix(uncheckedRows: shape.0, columns: shape.1, storage: result)
    }

    /// The quantiles `q` of each lane along `axis` (of all elements for `nil`), after checking `q`, the
    /// axis and that every lane has an element; `operation` names the public method in a trap.
    @inlinable
    internal func quantiles(
        _ operation: StaticString, _ q: Double, axis: Int?, keepingDimensions: Bool
    ) -> Matrix {
        checkPrecondition(q >= 0 && q <= 1, "\(operation): quantile \(q) is outside [0, 1]")
        let lanes = lanes(operation, axis: axis)
        checkPrecondition(
            axis == nil || lanes.length > 0 || lanes.count == 0,
            "\(operation): no elements along axis \(axis ?? 0) of \(shapeDescription)")
        checkPrecondition(axis != nil || count > 0, "\(operation): the matrix \(shapeDescription) is empty")
        return orderStatistic(operation, axis: axis, keepingDimensions: keepingDimensions) {
            Matrix.quantile(q, ofSorted: $0)
        }
    }

    /// The median of all elements: numpy's `np.median(a)`.
    ///
    /// The middle element in sorted order, or the mean of the two middle ones for an even count; nan if
    /// any element is nan, and nan for an empty matrix (numpy warns "Mean of empty slice" and returns nan).
    ///
    /// - Returns: the median.
    @inlinable
    public func median() -> Scalar {
        orderStatistic("median()", axis: nil, keepingDimensions: true) { Matrix.median(ofSorted: $0) }.storage[0]
    }

    /// The medians along `axis`: numpy's `np.median(a, axis=axis, keepdims=True)`.
    ///
    /// Axis 0 gives one median per column as a `(1, columns)` row, axis 1 one per row as a `(rows, 1)`
    /// column; `keepingDimensions: false` gives the same values as a `(1, n)` row. A lane with a nan,
    /// or with no elements, gives nan.
    ///
    /// - Parameters:
    ///   - axis: 0 for each column's median, 1 for each row's.
    ///   - keepingDimensions: whether the reduced axis stays, with length 1 (the default, numpy's
    ///     `keepdims=True`).
    /// - Returns: the medians.
    /// - Precondition: `axis` is 0 or 1.
    @inlinable
    public func median(axis: Int, keepingDimensions: Bool = true) -> Matrix {
        checkPrecondition(axis == 0 || axis == 1, "median(axis:): axis \(axis) is out of range for a matrix (0 or 1)")
        return orderStatistic("median(axis:)", axis: axis, keepingDimensions: keepingDimensions) {
            Matrix.median(ofSorted: $0)
        }
    }

    /// The quantile `q` of all elements: numpy's `np.quantile(a, q)`, with its default 'linear' method.
    ///
    /// With the elements sorted as `x₀ ≤ … ≤ xₙ₋₁`, the quantile lies at position `(n − 1) · q`, between
    /// its two neighbours by linear interpolation: `quantile(0)` is the minimum, `quantile(1)` the
    /// maximum, `quantile(0.5)` the median (up to rounding). nan if any element is nan; infinite
    /// neighbours give what numpy's interpolation gives (`±inf`, or nan where it subtracts them).
    ///
    /// See also ``percentile(_:)``, the same in percent, and ``median()``.
    ///
    /// - Parameter q: the quantile, in `[0, 1]`.
    /// - Returns: the quantile, computed as numpy computes it.
    /// - Precondition: `0 <= q <= 1`, and the matrix is not empty (numpy raises `IndexError`).
    @inlinable
    public func quantile(_ q: Double) -> Scalar {
        quantiles("quantile(_:)", q, axis: nil, keepingDimensions: true).storage[0]
    }

    /// The quantiles `q` along `axis`: numpy's `np.quantile(a, q, axis=axis, keepdims=True)`.
    ///
    /// Each column (axis 0) or row (axis 1) as ``quantile(_:)`` takes it, in the shapes of
    /// ``median(axis:keepingDimensions:)``.
    ///
    /// - Parameters:
    ///   - q: the quantile, in `[0, 1]`.
    ///   - axis: 0 for each column's quantile, 1 for each row's.
    ///   - keepingDimensions: whether the reduced axis stays, with length 1 (the default).
    /// - Returns: the quantiles.
    /// - Precondition: `0 <= q <= 1`, `axis` is 0 or 1, and the lanes are not empty.
    @inlinable
    public func quantile(_ q: Double, axis: Int, keepingDimensions: Bool = true) -> Matrix {
        checkPrecondition(
            axis == 0 || axis == 1, "quantile(_:axis:): axis \(axis) is out of range for a matrix (0 or 1)")
        return quantiles("quantile(_:axis:)", q, axis: axis, keepingDimensions: keepingDimensions)
    }

    /// The `p`-th percentile of all elements: numpy's `np.percentile(a, p)`, the quantile `p / 100`
    /// (divided in `Double`, as numpy divides).
    ///
    /// See ``quantile(_:)`` for the method and the special values.
    ///
    /// - Parameter p: the percentile, in `[0, 100]`.
    /// - Returns: the percentile.
    /// - Precondition: `0 <= p <= 100`, and the matrix is not empty.
    @inlinable
    public func percentile(_ p: Double) -> Scalar {
        checkPrecondition(p >= 0 && p <= 100, "percentile(_:): percentile \(p) is outside [0, 100]")
        return quantiles("percentile(_:)", p / 100, axis: nil, keepingDimensions: true).storage[0]
    }

    /// The `p`-th percentiles along `axis`: numpy's `np.percentile(a, p, axis=axis, keepdims=True)`.
    ///
    /// - Parameters:
    ///   - p: the percentile, in `[0, 100]`.
    ///   - axis: 0 for each column's percentile, 1 for each row's.
    ///   - keepingDimensions: whether the reduced axis stays, with length 1 (the default).
    /// - Returns: the percentiles, in the shapes of ``median(axis:keepingDimensions:)``.
    /// - Precondition: `0 <= p <= 100`, `axis` is 0 or 1, and the lanes are not empty.
    @inlinable
    public func percentile(_ p: Double, axis: Int, keepingDimensions: Bool = true) -> Matrix {
        checkPrecondition(p >= 0 && p <= 100, "percentile(_:axis:): percentile \(p) is outside [0, 100]")
        checkPrecondition(
            axis == 0 || axis == 1, "percentile(_:axis:): axis \(axis) is out of range for a matrix (0 or 1)")
        return quantiles("percentile(_:axis:)", p / 100, axis: axis, keepingDimensions: keepingDimensions)
    }
}
