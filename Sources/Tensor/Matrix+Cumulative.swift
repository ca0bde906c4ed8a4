// Running sums and products along an axis, as numpy's `cumsum` and `cumprod`. Like numpy, and unlike
// the reductions, the default axis is `nil`: the matrix is flattened in row-major order and the result
// is a `(1, count)` row. Each running value is accumulated left to right in the matrix's own precision,
// as numpy's `add.accumulate` does, so `Float` results equal numpy's float32 ones.

extension Matrix {
    /// The running `combine` of each lane along `axis`, starting from its first element.
    @inlinable
    internal func accumulating(
        _ operation: StaticString, axis: Int?, _ combine: (Scalar, Scalar) -> Scalar
    ) -> Matrix {
        mappingLanes(operation, axis: axis) { lane, result in
            guard !lane.isEmpty else { return }
            var running = lane[0]
            result[0] = running
            for position in 1..<lane.count {
                running = combine(running, lane[position])
                result[position] = running
            }
        }
    }

    /// The running sums along `axis`: numpy's `np.cumsum(a, axis=axis)`.
    ///
    /// Element `i` of a lane is the sum of its elements `0...i`, added left to right in `Scalar`. With
    /// `axis` `nil` (the default, as in numpy) the matrix is flattened in row-major order and the result
    /// is a `(1, count)` row; axis 1 sums along each row, axis 0 down each column, keeping the shape. nan
    /// and infinities propagate as IEEE arithmetic says (`inf + -inf` is nan). An empty matrix gives an
    /// empty result.
    ///
    /// - Parameter axis: 1 for rows, 0 for columns, `nil` for all elements in row-major order.
    /// - Returns: a matrix of this shape, or `(1, count)` for `nil`.
    /// - Precondition: `axis` is 0, 1 or `nil`.
    @inlinable
    public func cumulativeSum(axis: Int? = nil) -> Matrix {
        accumulating("cumulativeSum(axis:)", axis: axis, +)
    }

    /// The running products along `axis`: numpy's `np.cumprod(a, axis=axis)`.
    ///
    /// Element `i` of a lane is the product of its elements `0...i`, multiplied left to right in
    /// `Scalar`; the axes are those of ``cumulativeSum(axis:)``. Overflow gives ±inf and `0 · inf` gives
    /// nan, as IEEE arithmetic says.
    ///
    /// - Parameter axis: 1 for rows, 0 for columns, `nil` for all elements in row-major order.
    /// - Returns: a matrix of this shape, or `(1, count)` for `nil`.
    /// - Precondition: `axis` is 0, 1 or `nil`.
    @inlinable
    public func cumulativeProduct(axis: Int? = nil) -> Matrix {
        accumulating("cumulativeProduct(axis:)", axis: axis, *)
    }
}
