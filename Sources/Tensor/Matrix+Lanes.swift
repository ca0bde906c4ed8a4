// The lanes of an operation along an axis, numpy's `axis=` for the operations that work on whole
// one-dimensional slices (sorting, cumulative sums, medians and quantiles): axis 1 works along each row,
// axis 0 down each column, and `nil` on all elements in row-major order, numpy's flattening `axis=None`.

/// How an operation along an axis walks a matrix's row-major storage: `count` lanes of `length`
/// elements, lane `lane` starting at `lane · laneStep` with its elements `elementStep` apart.
@usableFromInline
internal struct Lanes {
    /// The number of lanes: rows for axis 1, columns for axis 0, one when flattened.
    @usableFromInline internal let count: Int
    /// The number of elements in each lane.
    @usableFromInline internal let length: Int
    /// The storage offset between the starts of consecutive lanes.
    @usableFromInline internal let laneStep: Int
    /// The storage offset between consecutive elements of a lane.
    @usableFromInline internal let elementStep: Int

    @inlinable
    internal init(count: Int, length: Int, laneStep: Int, elementStep: Int) {
        self.count = count
        self.length = length
        self.laneStep = laneStep
        self.elementStep = elementStep
    }

    /// The storage offset of element `position` of lane `lane`.
    @inlinable @inline(__always)
    internal func offset(lane: Int, position: Int) -> Int { lane &* laneStep &+ position &* elementStep }
}

extension Matrix {
    /// The lanes along `axis` (1: rows, 0: columns, `nil`: every element in row-major order), or a trap
    /// naming `operation` for any other axis.
    @inlinable
    internal func lanes(_ operation: StaticString, axis: Int?) -> Lanes {
        switch axis {
        case nil: return Lanes(count: 1, length: count, laneStep: 0, elementStep: 1)
        case 1: return Lanes(count: rowCount, length: columnCount, laneStep: columnCount, elementStep: 1)
        case 0: return Lanes(count: columnCount, length: rowCount, laneStep: 1, elementStep: columnCount)
        case let axis?:
            failPrecondition("\(operation): axis \(axis) is out of range for a matrix (0, 1 or nil)")
        }
    }

    /// A matrix of this shape (or a `(1, count)` row when `axis` is `nil`) whose every lane along `axis`
    /// is `transform` of this matrix's lane: `transform` reads the lane's `length` elements in order
    /// from its first argument and writes as many into its second.
    @inlinable
    internal func mappingLanes(
        _ operation: StaticString, axis: Int?,
        _ transform: (_ lane: UnsafeMutableBufferPointer<Scalar>, _ result: UnsafeMutableBufferPointer<Scalar>) -> Void
    ) -> Matrix {
        let lanes = lanes(operation, axis: axis)
        var result = axis == nil ? Matrix(uncheckedRows: 1, columns: count, storage: storage) : self
        let length = lanes.length
        let lane = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: length)
        let transformed = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: length)
        defer {
            lane.deallocate()
            transformed.deallocate()
        }
        result.storage.withUnsafeMutableBufferPointer { values in
            for index in 0..<lanes.count {
                for position in 0..<length { lane[position] = values[lanes.offset(lane: index, position: position)] }
                transform(lane, transformed)
                for position in 0..<length {
                    values[lanes.offset(lane: index, position: position)] = transformed[position]
                }
            }
        }
        return result
    }
}
