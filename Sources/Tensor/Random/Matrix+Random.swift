extension Matrix {
    /// Fills a matrix in row-major order with `draw()`, computed in `Double` and rounded to `Scalar`.
    @inlinable
    internal static func drawn(rows: Int, columns: Int, operation: String, _ draw: () -> Double) -> Matrix {
        checkPrecondition(rows >= 0 && columns >= 0, "\(operation): negative shape (\(rows), \(columns))")
        let count = rows * columns
        let storage = [Scalar](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            for index in 0..<count { buffer.initializeElement(at: index, to: Scalar(draw())) }
            initializedCount = count
        }
        return Matrix(uncheckedRows: rows, columns: columns, storage: storage)
    }

    /// A matrix of uniform draws in `[0, 1)`, as `np.random.rand(rows, columns)`.
    ///
    /// Elements are drawn in row-major order as `Double`s and rounded to `Scalar`, so with a
    /// ``NumpyRandomState`` a `Matrix<Double>` equals numpy's array exactly and a `Matrix<Float>` equals
    /// `np.random.rand(rows, columns).astype(np.float32)`.
    @inlinable
    public static func random<Generator: RealRandomNumberGenerator>(
        rows: Int, columns: Int, using generator: inout Generator
    ) -> Matrix {
        drawn(rows: rows, columns: columns, operation: "Matrix.random(rows:columns:using:)") {
            generator.randomSample()
        }
    }

    /// A matrix of uniform draws in `[low, high)`, as `np.random.uniform(low, high, size=(rows, columns))`.
    ///
    /// The bounds are `Double` because numpy computes `low + (high − low) · u` in double precision before
    /// any conversion; a `Matrix<Float>` then equals numpy's result `.astype(np.float32)`.
    ///
    /// - Precondition: `high - low` is finite.
    @inlinable
    public static func uniform<Generator: RealRandomNumberGenerator>(
        rows: Int, columns: Int, low: Double = 0, high: Double = 1, using generator: inout Generator
    ) -> Matrix {
        let width = high - low
        checkPrecondition(
            width.isFinite, "Matrix.uniform(rows:columns:low:high:using:): the range \(low) to \(high) is not finite")
        return drawn(rows: rows, columns: columns, operation: "Matrix.uniform(rows:columns:low:high:using:)") {
            low + width * generator.randomSample()
        }
    }

    /// A matrix of standard normal draws, as `np.random.randn(rows, columns)`.
    ///
    /// Drawn in row-major order in `Double` and rounded to `Scalar` (see ``random(rows:columns:using:)``).
    @inlinable
    public static func standardNormal<Generator: RealRandomNumberGenerator>(
        rows: Int, columns: Int, using generator: inout Generator
    ) -> Matrix {
        drawn(rows: rows, columns: columns, operation: "Matrix.standardNormal(rows:columns:using:)") {
            generator.standardNormal()
        }
    }

    /// A matrix of normal draws, as `np.random.normal(mean, standardDeviation, size=(rows, columns))`:
    /// each element is `mean + standardDeviation · z` computed in `Double`, then rounded to `Scalar`.
    ///
    /// - Precondition: `standardDeviation >= 0`.
    @inlinable
    public static func normal<Generator: RealRandomNumberGenerator>(
        rows: Int, columns: Int, mean: Double = 0, standardDeviation: Double = 1, using generator: inout Generator
    ) -> Matrix {
        checkPrecondition(
            standardDeviation >= 0,
            "Matrix.normal(rows:columns:mean:standardDeviation:using:): negative standard deviation \(standardDeviation)"
        )
        return drawn(
            rows: rows, columns: columns, operation: "Matrix.normal(rows:columns:mean:standardDeviation:using:)"
        ) {
            mean + standardDeviation * generator.standardNormal()
        }
    }

    // MARK: The default stream
    //
    // numpy's `np.random.rand(2, 3)` draws from a hidden global generator. Here a creator without
    // `using:` draws from a fresh ``NumpyRandomState/defaultStream`` (seed 0), the generator `fit` and
    // `Sequential` use when none is given: the result is reproducible and equals numpy's after
    // `np.random.seed(0)`, and two calls give the same matrix. Keep a generator and pass it with
    // `using:` for draws that continue one another.

    /// A matrix of uniform draws in `[0, 1)` from the default stream: numpy's
    /// `np.random.seed(0); np.random.rand(rows, columns)`.
    ///
    /// Every call starts the stream afresh (``NumpyRandomState/defaultStream``), so two calls return
    /// the same matrix; pass a generator to ``random(rows:columns:using:)`` for independent draws.
    ///
    /// - Parameters:
    ///   - rows: the number of rows, at least 0.
    ///   - columns: the number of columns, at least 0.
    /// - Returns: a `(rows, columns)` matrix, drawn in row-major order.
    /// - Precondition: neither dimension is negative.
    @inlinable
    public static func random(rows: Int, columns: Int) -> Matrix {
        var generator = NumpyRandomState.defaultStream
        return random(rows: rows, columns: columns, using: &generator)
    }

    /// A matrix of uniform draws in `[low, high)` from the default stream: numpy's
    /// `np.random.seed(0); np.random.uniform(low, high, size=(rows, columns))`.
    ///
    /// Every call starts the stream afresh (see ``random(rows:columns:)``).
    ///
    /// - Parameters:
    ///   - rows: the number of rows, at least 0.
    ///   - columns: the number of columns, at least 0.
    ///   - low: the inclusive lower end.
    ///   - high: the exclusive upper end.
    /// - Returns: a `(rows, columns)` matrix, drawn in row-major order.
    /// - Precondition: `high - low` is finite, and neither dimension is negative.
    @inlinable
    public static func uniform(rows: Int, columns: Int, low: Double = 0, high: Double = 1) -> Matrix {
        var generator = NumpyRandomState.defaultStream
        return uniform(rows: rows, columns: columns, low: low, high: high, using: &generator)
    }

    /// A matrix of standard normal draws from the default stream: numpy's
    /// `np.random.seed(0); np.random.randn(rows, columns)`.
    ///
    /// Every call starts the stream afresh (see ``random(rows:columns:)``).
    ///
    /// - Parameters:
    ///   - rows: the number of rows, at least 0.
    ///   - columns: the number of columns, at least 0.
    /// - Returns: a `(rows, columns)` matrix, drawn in row-major order.
    /// - Precondition: neither dimension is negative.
    @inlinable
    public static func standardNormal(rows: Int, columns: Int) -> Matrix {
        var generator = NumpyRandomState.defaultStream
        return standardNormal(rows: rows, columns: columns, using: &generator)
    }

    /// A matrix of normal draws from the default stream: numpy's
    /// `np.random.seed(0); np.random.normal(mean, standardDeviation, size=(rows, columns))`.
    ///
    /// Every call starts the stream afresh (see ``random(rows:columns:)``).
    ///
    /// - Parameters:
    ///   - rows: the number of rows, at least 0.
    ///   - columns: the number of columns, at least 0.
    ///   - mean: the mean of the distribution.
    ///   - standardDeviation: its standard deviation, at least 0.
    /// - Returns: a `(rows, columns)` matrix, drawn in row-major order.
    /// - Precondition: `standardDeviation >= 0`, and neither dimension is negative.
    @inlinable
    public static func normal(rows: Int, columns: Int, mean: Double = 0, standardDeviation: Double = 1) -> Matrix {
        var generator = NumpyRandomState.defaultStream
        return normal(rows: rows, columns: columns, mean: mean, standardDeviation: standardDeviation, using: &generator)
    }
}
