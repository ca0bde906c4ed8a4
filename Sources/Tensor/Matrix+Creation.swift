extension Matrix {
    /// A matrix of zeros (`np.zeros((rows, columns))`).
    @inlinable
    public static func zeros(rows: Int, columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns, repeating: 0)
    }

    /// A matrix of ones (`np.ones((rows, columns))`).
    @inlinable
    public static func ones(rows: Int, columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns, repeating: 1)
    }

    /// A matrix with every element equal to `value` (`np.full((rows, columns), value)`).
    @inlinable
    public static func filled(rows: Int, columns: Int, with value: Scalar) -> Matrix {
        Matrix(rows: rows, columns: columns, repeating: value)
    }

    /// The `size × size` identity matrix (`np.eye(size)`).
    @inlinable
    public static func identity(size: Int) -> Matrix {
        var result = Matrix.zeros(rows: size, columns: size)
        for index in 0..<size { result.storage[index * size + index] = 1 }
        return result
    }

    /// A square matrix with `values` on its diagonal and zeros elsewhere (`np.diag(values)`).
    @inlinable
    public static func diagonal(_ values: [Scalar]) -> Matrix {
        let size = values.count
        var result = Matrix.zeros(rows: size, columns: size)
        for (index, value) in values.enumerated() { result.storage[index * size + index] = value }
        return result
    }

    /// The diagonal of this matrix, `min(rows, columns)` elements (`np.diag(matrix)`).
    @inlinable
    public var diagonalScalars: [Scalar] {
        (0..<Swift.min(rowCount, columnCount)).map { storage[$0 * columnCount + $0] }
    }

    /// A one-dimensional array as a `(1, n)` row: numpy's `np.array([1, 2, 3])`.
    ///
    /// `Matrix` is always two-dimensional, and a row is the shape numpy's broadcasting gives a 1-D
    /// array (`a + np.array([1, 2, 3])` adds it to every row of `a`), so `Matrix(vector: v)` is
    /// `np.array(v)` wherever the 1-D array meets a matrix. For a column, use ``column(_:)-([Scalar])``.
    /// The same as ``row(_:)-([Scalar])``.
    ///
    /// - Parameter values: the elements, left to right; empty gives a `(1, 0)` matrix.
    @inlinable
    public init(vector values: [Scalar]) {
        self.init(uncheckedRows: 1, columns: values.count, storage: values)
    }

    /// A `(1, n)` row vector (`np.array([values])`).
    @inlinable
    public static func row(_ values: [Scalar]) -> Matrix {
        Matrix(vector: values)
    }

    /// An `(n, 1)` column vector (`np.array([values]).T`).
    @inlinable
    public static func column(_ values: [Scalar]) -> Matrix {
        Matrix(uncheckedRows: values.count, columns: 1, storage: values)
    }

    /// `count` evenly spaced values from `start` to `end` inclusive, as a `(1, count)` row (`np.linspace`).
    ///
    /// Computed as numpy does (`start + index · step`, with the last value set to `end` exactly).
    @inlinable
    public static func linearlySpaced(from start: Scalar, to end: Scalar, count: Int) -> Matrix {
        checkPrecondition(count >= 0, "linearlySpaced: negative count \(count)")
        guard count > 1 else { return .row(count == 1 ? [start] : []) }
        let step = (end - start) / Scalar(count - 1)
        var values = (0..<count).map { start + Scalar($0) * step }
        values[count - 1] = end
        return .row(values)
    }

    /// Values from `start` up to but excluding `end` in increments of `step`, as a `(1, n)` row (`np.arange`).
    ///
    /// The count is `ceil((end - start) / step)`, as numpy computes it.
    @inlinable
    public static func range(from start: Scalar, to end: Scalar, step: Scalar = 1) -> Matrix {
        checkPrecondition(step != 0 && step.isFinite, "range: step must be finite and non-zero, got \(step)")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return .row((0..<count).map { start + Scalar($0) * step })
    }
}

extension Matrix: ExpressibleByArrayLiteral {
    /// Creates a matrix from nested row literals: `let m: Matrix<Double> = [[1, 2], [3, 4]]`.
    @inlinable
    public init(arrayLiteral rows: [Scalar]...) {
        self.init(rows)
    }
}
