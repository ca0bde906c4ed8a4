import RealModule

// Reductions over all elements, or along an axis as numpy's `axis=` does: axis 0 reduces down the
// rows (one result per column), axis 1 across the columns (one result per row). Results along an
// axis keep both dimensions, as numpy's `keepdims=True` does: `(1, columns)` for axis 0 and
// `(rows, 1)` for axis 1; `keepingDimensions: false` gives the same values as a `(1, n)` row.

extension Matrix {
    /// Checks an axis argument and returns the shape of a reduction along it.
    @inlinable @inline(__always)
    internal func reducedShape(_ operation: StaticString, axis: Int, keepingDimensions: Bool) -> (Int, Int) {
        checkPrecondition(axis == 0 || axis == 1, "\(operation): axis \(axis) is out of range for a matrix (0 or 1)")
        let length = axis == 0 ? columnCount : rowCount
        if !keepingDimensions { return (1, length) }
        return axis == 0 ? (1, columnCount) : (rowCount, 1)
    }

    /// Folds every row (axis 1) or every column (axis 0) with `combine`, starting from `initial`.
    @inlinable
    internal func reduce(
        _ operation: StaticString, axis: Int, keepingDimensions: Bool, initial: Scalar,
        _ combine: (Scalar, Scalar) -> Scalar
    ) -> Matrix {
        let (resultRows, resultColumns) = reducedShape(operation, axis: axis, keepingDimensions: keepingDimensions)
        let rows = rowCount, columns = columnCount
        var result = Matrix(
            uncheckedRows: resultRows, columns: resultColumns,
            storage: Array(repeating: initial, count: resultRows * resultColumns))
        storage.withUnsafeBufferPointer { source in
            result.storage.withUnsafeMutableBufferPointer { out in
                if axis == 0 {
                    for row in 0..<rows {
                        let base = row &* columns
                        for column in 0..<columns { out[column] = combine(out[column], source[base &+ column]) }
                    }
                } else {
                    for row in 0..<rows {
                        var accumulator = initial
                        let base = row &* columns
                        for column in 0..<columns { accumulator = combine(accumulator, source[base &+ column]) }
                        out[row] = accumulator
                    }
                }
            }
        }
        return result
    }

    /// The sum of `count` elements from `start`, each mapped by `map` (vectorized) and `mapScalar`
    /// (the tail): eight lanes in `Scalar` within blocks of 256 elements, each block's lanes added
    /// into `Double` accumulators. For `Float` the error is that of a 32-term sum, not of a
    /// `count`-term one (within 1e-6 relative of numpy's pairwise float32 sums at 10^7 elements,
    /// where one float accumulator was off by 1e-4), at memory speed.
    @inlinable @inline(__always)
    internal static func blockedSum(
        _ start: UnsafePointer<Scalar>, count: Int, _ map: (SIMD8<Scalar>) -> SIMD8<Scalar>,
        _ mapScalar: (Scalar) -> Scalar
    ) -> Double {
        let raw = UnsafeRawPointer(start)
        let whole = count & ~7
        var total = SIMD8<Double>()
        var index = 0
        while index < whole {
            let blockEnd = Swift.min(index &+ 256, whole)
            var partial = SIMD8<Scalar>()
            while index < blockEnd {
                partial += map(
                    raw.loadUnaligned(fromByteOffset: index &* MemoryLayout<Scalar>.stride, as: SIMD8<Scalar>.self))
                index &+= 8
            }
            total += SIMD8<Double>(partial)
        }
        var result = total.sum()
        while index < count {
            result += Double(mapScalar(start[index]))
            index &+= 1
        }
        return result
    }

    /// The sum of all elements (`np.sum`); 0 for an empty matrix. Eight lanes within blocks of 256
    /// elements, blocks added in `Double`: for `Float`, within 1e-6 relative of numpy's pairwise sum
    /// at 10^7 elements; the rounding differs from a left-to-right sum by a few ulps at most.
    @inlinable
    public func sum() -> Scalar {
        storage.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return 0 }
            return Scalar(Matrix.blockedSum(start, count: buffer.count, { $0 }, { $0 }))
        }
    }

    /// The sums along `axis` (`np.sum(x, axis=axis, keepdims=True)`). Row sums (axis 1) are blocked
    /// as ``sum()`` is; column sums (axis 0) add the rows in order, as numpy does.
    @inlinable
    public func sum(axis: Int, keepingDimensions: Bool = true) -> Matrix {
        guard axis == 1, columnCount > 0 else {
            return reduce("sum", axis: axis, keepingDimensions: keepingDimensions, initial: 0, +)
        }
        let (resultRows, resultColumns) = reducedShape("sum", axis: axis, keepingDimensions: keepingDimensions)
        let columns = columnCount
        var result = Matrix(
            uncheckedRows: resultRows, columns: resultColumns, storage: Array(repeating: 0, count: rowCount))
        storage.withUnsafeBufferPointer { source in
            result.storage.withUnsafeMutableBufferPointer { out in
                for row in out.indices {
                    out[row] = Scalar(
                        Matrix.blockedSum(source.baseAddress! + row &* columns, count: columns, { $0 }, { $0 }))
                }
            }
        }
        return result
    }

    /// The mean of all elements (`np.mean`); nan for an empty matrix.
    @inlinable
    public func mean() -> Scalar { sum() / Scalar(count) }

    /// The means along `axis` (`np.mean(x, axis=axis, keepdims=True)`).
    @inlinable
    public func mean(axis: Int, keepingDimensions: Bool = true) -> Matrix {
        let length = axis == 0 ? rowCount : columnCount
        return sum(axis: axis, keepingDimensions: keepingDimensions) / Scalar(length)
    }

    /// The largest element (`np.max`); nan if any element is nan. Vectorized (SSE2, or AVX2 where the
    /// CPU has it); which of two equal zeros of opposite sign it returns is unspecified, as in numpy.
    ///
    /// - Precondition: the matrix is not empty.
    @inlinable
    public func max() -> Scalar {
        checkPrecondition(!isEmpty, "max: the matrix \(shapeDescription) is empty")
        return storage.withUnsafeBufferPointer { extremeElement($0.baseAddress!, count: $0.count, largest: true) }
    }

    /// The smallest element (`np.min`); nan if any element is nan. Vectorized like ``max()``.
    ///
    /// - Precondition: the matrix is not empty.
    @inlinable
    public func min() -> Scalar {
        checkPrecondition(!isEmpty, "min: the matrix \(shapeDescription) is empty")
        return storage.withUnsafeBufferPointer { extremeElement($0.baseAddress!, count: $0.count, largest: false) }
    }

    /// The largest elements along `axis` (`np.max(x, axis=axis, keepdims=True)`); nan propagates.
    @inlinable
    public func max(axis: Int, keepingDimensions: Bool = true) -> Matrix {
        checkPrecondition(
            axis == 0 ? rowCount > 0 : columnCount > 0,
            "max(axis:): no elements along axis \(axis) of \(shapeDescription)")
        return reduce("max", axis: axis, keepingDimensions: keepingDimensions, initial: -Scalar.infinity) {
            $0.isNaN || $1.isNaN ? Scalar.nan : Swift.max($0, $1)
        }
    }

    /// The smallest elements along `axis` (`np.min(x, axis=axis, keepdims=True)`); nan propagates.
    @inlinable
    public func min(axis: Int, keepingDimensions: Bool = true) -> Matrix {
        checkPrecondition(
            axis == 0 ? rowCount > 0 : columnCount > 0,
            "min(axis:): no elements along axis \(axis) of \(shapeDescription)")
        return reduce("min", axis: axis, keepingDimensions: keepingDimensions, initial: Scalar.infinity) {
            $0.isNaN || $1.isNaN ? Scalar.nan : Swift.min($0, $1)
        }
    }

    /// The row-major index of the first largest element (`np.argmax`); the first nan wins, as in numpy.
    @inlinable
    public func argmax() -> Int {
        checkPrecondition(!isEmpty, "argmax: the matrix \(shapeDescription) is empty")
        return Matrix.indexOfExtreme(storage[...], greater: true)
    }

    /// The row-major index of the first smallest element (`np.argmin`); the first nan wins, as in numpy.
    @inlinable
    public func argmin() -> Int {
        checkPrecondition(!isEmpty, "argmin: the matrix \(shapeDescription) is empty")
        return Matrix.indexOfExtreme(storage[...], greater: false)
    }

    /// For each column (axis 0) or row (axis 1), the index of its first largest element (`np.argmax(x, axis)`).
    @inlinable
    public func argmax(axis: Int) -> [Int] { indicesOfExtremes(axis: axis, greater: true) }

    /// For each column (axis 0) or row (axis 1), the index of its first smallest element (`np.argmin(x, axis)`).
    @inlinable
    public func argmin(axis: Int) -> [Int] { indicesOfExtremes(axis: axis, greater: false) }

    @inlinable
    internal static func indexOfExtreme<Values: Collection>(_ values: Values, greater: Bool) -> Int
    where Values.Element == Scalar {
        var bestIndex = 0
        var best = values.first!
        if best.isNaN { return 0 }
        for (offset, value) in values.enumerated() {
            if value.isNaN { return offset }
            if greater ? value > best : value < best {
                best = value
                bestIndex = offset
            }
        }
        return bestIndex
    }

    @inlinable
    internal func indicesOfExtremes(axis: Int, greater: Bool) -> [Int] {
        checkPrecondition(axis == 0 || axis == 1, "argmax/argmin: axis \(axis) is out of range for a matrix (0 or 1)")
        checkPrecondition(
            axis == 0 ? rowCount > 0 : columnCount > 0,
            "argmax/argmin: no elements along axis \(axis) of \(shapeDescription)")
        if axis == 1 {
            return (0..<rowCount).map { row in
                Matrix.indexOfExtreme(storage[(row * columnCount)..<((row + 1) * columnCount)], greater: greater)
            }
        }
        return (0..<columnCount).map { column in
            Matrix.indexOfExtreme(
                stride(from: column, to: count, by: columnCount).lazy.map { storage[$0] }, greater: greater)
        }
    }

    /// The variance of all elements (`np.var`), with `deltaDegreesOfFreedom` as numpy's `ddof`.
    @inlinable
    public func variance(deltaDegreesOfFreedom: Int = 0) -> Scalar {
        let average = mean()
        let spread = SIMD8<Scalar>(repeating: average)
        let total = storage.withUnsafeBufferPointer { buffer -> Double in
            guard let start = buffer.baseAddress else { return 0 }
            return Matrix.blockedSum(
                start, count: buffer.count, { ($0 - spread) * ($0 - spread) }, { ($0 - average) * ($0 - average) })
        }
        return Scalar(total / Double(count - deltaDegreesOfFreedom))
    }

    /// The variances along `axis` (`np.var(x, axis=axis, ddof=..., keepdims=True)`).
    @inlinable
    public func variance(axis: Int, deltaDegreesOfFreedom: Int = 0, keepingDimensions: Bool = true) -> Matrix {
        let centered = self - mean(axis: axis)
        let length = axis == 0 ? rowCount : columnCount
        return (centered * centered).sum(axis: axis, keepingDimensions: keepingDimensions)
            / Scalar(length - deltaDegreesOfFreedom)
    }

    /// The standard deviation of all elements (`np.std`), with `deltaDegreesOfFreedom` as numpy's `ddof`.
    @inlinable
    public func standardDeviation(deltaDegreesOfFreedom: Int = 0) -> Scalar {
        variance(deltaDegreesOfFreedom: deltaDegreesOfFreedom).squareRoot()
    }

    /// The standard deviations along `axis` (`np.std(x, axis=axis, ddof=..., keepdims=True)`).
    @inlinable
    public func standardDeviation(axis: Int, deltaDegreesOfFreedom: Int = 0, keepingDimensions: Bool = true) -> Matrix {
        sqrt(variance(axis: axis, deltaDegreesOfFreedom: deltaDegreesOfFreedom, keepingDimensions: keepingDimensions))
    }

    /// The Frobenius norm, the square root of the sum of squares (`np.linalg.norm(x)`), neither
    /// overflowing nor underflowing for extreme elements. `Float` squares are summed in `Double`
    /// (exact squares, no scaling needed); `Double` elements are scaled by the largest magnitude and
    /// summed in blocks as ``sum()`` is.
    @inlinable
    public func frobeniusNorm() -> Scalar {
        storage.withUnsafeBufferPointer { buffer -> Scalar in
            guard let start = buffer.baseAddress else { return 0 }
            let count = buffer.count
            if Scalar.self == Float.self {
                let raw = UnsafeRawPointer(start)
                let whole = count & ~7
                var total = SIMD8<Double>()
                var index = 0
                while index < whole {
                    let wide = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: index &* 4, as: SIMD8<Float>.self))
                    total += wide * wide
                    index &+= 8
                }
                var result = total.sum()
                while index < count {
                    let wide = Double(start[index])
                    result += wide * wide
                    index &+= 1
                }
                return Scalar(result.squareRoot())
            }
            var scale: Scalar = 0
            for value in buffer where value.isNaN { return value }
            for value in buffer { scale = Swift.max(scale, Swift.abs(value)) }
            if scale == 0 || scale.isInfinite { return scale }
            let divisor = SIMD8<Scalar>(repeating: scale)
            let total = Matrix.blockedSum(
                start, count: count, { ($0 / divisor) * ($0 / divisor) }, { ($0 / scale) * ($0 / scale) })
            return scale * Scalar(total.squareRoot())
        }
    }
}

extension Matrix {
    /// Writes the sums along `axis` into `destination` as `beta · destination + sums`, without allocating.
    ///
    /// `destination` must be `(1, columns)` for axis 0 or `(rows, 1)` for axis 1 (any vector of that
    /// length is accepted). With `beta` equal to a momentum, this is a bias gradient accumulated into
    /// a velocity buffer.
    @inlinable
    public func sum(axis: Int, into destination: inout Matrix, beta: Scalar = 0) {
        checkPrecondition(axis == 0 || axis == 1, "sum(axis:into:): axis \(axis) is out of range for a matrix (0 or 1)")
        let length = axis == 0 ? columnCount : rowCount
        checkPrecondition(
            destination.count == length,
            "sum(axis:into:): sums along axis \(axis) of \(shapeDescription) do not fit destination \(destination.shapeDescription)"
        )
        // The kernels the trainer's bias gradients use (`Kernels/StridedView+Reductions.swift`).
        withView { source in
            destination.withMutableView { out in
                if axis == 0 {
                    source.sumColumns(into: out.base, beta: beta)
                } else {
                    source.sumRows(into: out.base, beta: beta)
                }
            }
        }
    }
}
