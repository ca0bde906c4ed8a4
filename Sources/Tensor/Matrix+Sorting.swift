// Sorting along an axis and the distinct values, as numpy's `sort`, `argsort` and `unique`. The order is
// numpy's: ascending, with nan after everything else (+inf included), so sorting never traps and a nan
// cannot scatter the other values.

extension Matrix {
    /// numpy's sort order: `left` comes before `right` when it is smaller, or when only `right` is nan.
    ///
    /// A strict weak ordering in which every nan is equivalent and last; `-0.0` and `0.0` are equivalent.
    @inlinable @inline(__always)
    internal static func sortsBefore(_ left: Scalar, _ right: Scalar) -> Bool {
        left < right || (right.isNaN && !left.isNaN)
    }

    /// The elements sorted in ascending order along `axis`, nan last: numpy's `np.sort(a, axis=axis)`.
    ///
    /// Axis 1 (the default, numpy's `axis=-1` for two dimensions) sorts each row, axis 0 each column,
    /// and `nil` all elements, returned as a `(1, count)` row (numpy's flattening `axis=None`). nan
    /// sorts after `+inf`, as in numpy; `-0.0` and `0.0` are equal, so their order among themselves
    /// follows the input. An empty matrix sorts to itself (a `(1, 0)` row for `nil`).
    ///
    /// See also ``argsort(axis:)`` for the order as indices.
    ///
    /// - Parameter axis: 1 for rows, 0 for columns, `nil` for all elements.
    /// - Returns: a matrix of this shape, or `(1, count)` for `nil`.
    /// - Precondition: `axis` is 0, 1 or `nil`.
    @inlinable
    public func sorted(axis: Int? = 1) -> Matrix {
        mappingLanes("sorted(axis:)", axis: axis) { lane, result in
            var lane = lane
            lane.sort(by: Matrix.sortsBefore)
            _ = result.update(fromContentsOf: lane)
        }
    }

    /// The indices that sort the elements along `axis`, stably: numpy's
    /// `np.argsort(a, axis=axis, kind="stable")`.
    ///
    /// The result has the layout of ``sorted(axis:)``'s, as nested rows: along axis 1, row `i` lists
    /// the columns of row `i` from its smallest element to its largest; along axis 0, element `[i][j]`
    /// is the row of the `i`-th smallest element of column `j`; for `nil`, one row of row-major indices
    /// (numpy's `axis=None`). Equal elements keep their order (numpy's `kind="stable"`, which its
    /// default quicksort does not promise), and nan comes last.
    ///
    /// - Parameter axis: 1 for rows, 0 for columns, `nil` for all elements.
    /// - Returns: `rows` arrays of `columns` indices (one array of `count` for `nil`; none for a matrix
    ///   without rows).
    /// - Precondition: `axis` is 0, 1 or `nil`.
    @inlinable
    public func argsort(axis: Int? = 1) -> [[Int]] {
        let lanes = lanes("argsort(axis:)", axis: axis)
        let (resultRows, resultColumns) = axis == nil ? (1, count) : (rowCount, columnCount)
        var indices = [Int](repeating: 0, count: resultRows * resultColumns)
        var order = [Int](repeating: 0, count: lanes.length)
        var values = [Scalar](repeating: 0, count: lanes.length)
        storage.withUnsafeBufferPointer { source in
            for lane in 0..<lanes.count {
                for position in 0..<lanes.length {
                    values[position] = source[lanes.offset(lane: lane, position: position)]
                    order[position] = position
                }
                // Ties broken by position, so the sort is stable whatever algorithm `sort` uses.
                order.sort { left, right in
                    let a = values[left], b = values[right]
                    if Matrix.sortsBefore(a, b) { return true }
                    if Matrix.sortsBefore(b, a) { return false }
                    return left < right
                }
                // With axis nil the single lane is the whole row-major storage, as the result's one row.
                for position in 0..<lanes.length {
                    indices[lanes.offset(lane: lane, position: position)] = order[position]
                }
            }
        }
        return (0..<resultRows).map { row in Array(indices[(row * resultColumns)..<((row + 1) * resultColumns)]) }
    }

    /// The distinct elements in ascending order, as a `(1, n)` row: numpy's `np.unique(a)`.
    ///
    /// The matrix is flattened, as numpy flattens without `axis`. Every nan counts as one value, placed
    /// last (numpy's default `equal_nan=True`); `-0.0` and `0.0` are one value, and which of the two is
    /// kept is unspecified, as in numpy. An empty matrix gives a `(1, 0)` row.
    ///
    /// See also ``uniqueWithCounts()``.
    ///
    /// - Returns: the distinct elements, ascending, nan last.
    @inlinable
    public func unique() -> Matrix { uniqueWithCounts().values }

    /// The distinct elements in ascending order and how often each occurs: numpy's
    /// `np.unique(a, return_counts=True)`.
    ///
    /// The values are those of ``unique()``; every nan is counted under the one nan value.
    ///
    /// - Returns: `values`, a `(1, n)` row of the distinct elements, and `counts`, the number of
    ///   elements equal to each (so `counts` adds up to `count`).
    @inlinable
    public func uniqueWithCounts() -> (values: Matrix, counts: [Int]) {
        let ordered = sorted(axis: nil).storage
        var values: [Scalar] = []
        var counts: [Int] = []
        for value in ordered {
            if let last = values.last, last == value || (last.isNaN && value.isNaN) {
                counts[counts.count - 1] += 1
            } else {
                values.append(value)
                counts.append(1)
            }
        }
        return (Matrix(vector: values), counts)
    }
}
