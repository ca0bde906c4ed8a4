import Tensor
import Testing

/// Products through BLAS, each checked against numpy and against a naive triple loop.
@Suite struct ProductTests {
    struct DotCase: Decodable, Sendable {
        let name: String
        let a, b, expected: FixtureMatrix
    }

    struct MultiplyCase: Decodable, Sendable {
        let a, b, c, expected: FixtureMatrix
        let transposeLeft, transposeRight: Bool
        let alpha, beta: String
    }

    struct MultiplyVectorCase: Decodable, Sendable {
        let a, x, y, expected: FixtureMatrix
        let transposed: Bool
        let alpha, beta: String
    }

    struct OuterCase: Decodable, Sendable {
        let a, b, expected: FixtureMatrix
    }

    struct Fixtures: Decodable, Sendable {
        let dot: [DotCase]
        let multiply: [MultiplyCase]
        let multiplyVector: [MultiplyVectorCase]
        let outer: [OuterCase]
    }

    static let fixtures: Fixtures = loadFixture("tensor_products")

    /// `alpha · op(a) · op(b) + beta · c` by the textbook triple loop, with the magnitude
    /// `|alpha| · |op(a)| · |op(b)| + |beta · c|` that bounds the rounding error of any summation order.
    static func naiveProduct<S: MatrixScalar>(
        _ a: Matrix<S>, _ b: Matrix<S>, transposeLeft: Bool = false, transposeRight: Bool = false,
        alpha: S = 1, beta: S = 0, c: Matrix<S>? = nil
    ) -> (product: Matrix<S>, magnitude: Matrix<S>) {
        let m = transposeLeft ? a.columns : a.rows
        let k = transposeLeft ? a.rows : a.columns
        let n = transposeRight ? b.rows : b.columns
        var product = Matrix<S>.zeros(rows: m, columns: n)
        var magnitude = Matrix<S>.zeros(rows: m, columns: n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: S = 0
                var absoluteSum: S = 0
                for p in 0..<k {
                    let left = transposeLeft ? a[p, i] : a[i, p]
                    let right = transposeRight ? b[j, p] : b[p, j]
                    sum += left * right
                    absoluteSum += Swift.abs(left * right)
                }
                let accumulated = c.map { beta * $0[i, j] } ?? 0
                product[i, j] = alpha * sum + accumulated
                magnitude[i, j] = Swift.abs(alpha) * absoluteSum + Swift.abs(accumulated)
            }
        }
        return (product, magnitude)
    }

    /// Expects `actual` within the classic bound `(k + 2) · ε · magnitude` (doubled for slack) of `expected`.
    static func expectProduct<S: MatrixScalar>(
        _ actual: Matrix<S>, _ expected: Matrix<S>, magnitude: Matrix<S>, depth: Int, _ context: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard actual.shape == expected.shape else {
            Issue.record(
                "\(context) [\(S.self)]: shape \(actual.shapeDescription), expected \(expected.shapeDescription)",
                sourceLocation: sourceLocation)
            return
        }
        for index in 0..<actual.count {
            let bound = 2 * S(depth + 2) * S.ulpOfOne * magnitude.scalars[index] + S.leastNormalMagnitude
            let error = Swift.abs(actual.scalars[index] - expected.scalars[index])
            if !(error <= bound) {
                Issue.record(
                    """
                    \(context) [\(S.self)]: element \(index) is \(actual.scalars[index]), expected \
                    \(expected.scalars[index]) (error \(error) > bound \(bound))
                    actual:   \(actual.nestedRows)
                    expected: \(expected.nestedRows)
                    """,
                    sourceLocation: sourceLocation)
                return
            }
        }
    }

    func checkDot<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.dot {
            let a = test.a.matrix(S.self), b = test.b.matrix(S.self)
            let product = a.dot(b)
            let naive = Self.naiveProduct(a, b)
            Self.expectProduct(
                product, naive.product, magnitude: naive.magnitude, depth: a.columns, "dot \(test.name) vs loop")
            Self.expectProduct(
                product, test.expected.matrix(S.self), magnitude: naive.magnitude, depth: a.columns,
                "dot \(test.name) vs numpy")
        }
    }

    @Test func dotMatchesNumpyAndNaiveLoop() {
        checkDot(Float.self)
        checkDot(Double.self)
    }

    func checkDotOverManyShapes<S: MatrixScalar>(_: S.Type) {
        var generator = TestGenerator(seed: 7)
        for m in [1, 2, 3, 8, 13] {
            for k in [1, 2, 5, 16, 31] {
                for n in [1, 2, 4, 9, 20] {
                    let a = generator.matrix(S.self, rows: m, columns: k)
                    let b = generator.matrix(S.self, rows: k, columns: n)
                    let naive = Self.naiveProduct(a, b)
                    Self.expectProduct(
                        a.dot(b), naive.product, magnitude: naive.magnitude, depth: k, "dot (\(m), \(k)) · (\(k), \(n))"
                    )
                }
            }
        }
    }

    @Test func dotMatchesNaiveLoopOverManyShapes() {
        checkDotOverManyShapes(Float.self)
        checkDotOverManyShapes(Double.self)
    }

    func checkSmallTransposedProducts<S: MatrixScalar>(_: S.Type) {
        // The direct loops behind small products (m·n·k ≤ 512), every transpose combination, the
        // trainer's alpha 1 / beta 0 case and a general one, over a nan-filled destination for beta 0.
        var generator = TestGenerator(seed: 19)
        for (m, n, k) in [(1, 1, 1), (4, 4, 3), (4, 1, 4), (3, 4, 4), (4, 4, 1), (2, 7, 5), (8, 8, 8), (5, 3, 2)] {
            for transposeLeft in [false, true] {
                for transposeRight in [false, true] {
                    let a =
                        transposeLeft
                        ? generator.matrix(S.self, rows: k, columns: m) : generator.matrix(S.self, rows: m, columns: k)
                    let b =
                        transposeRight
                        ? generator.matrix(S.self, rows: n, columns: k) : generator.matrix(S.self, rows: k, columns: n)
                    let c = generator.matrix(S.self, rows: m, columns: n)
                    for (alpha, beta) in [(S(1), S(0)), (S(-0.5), S(0.75))] {
                        var destination = beta == 0 ? Matrix<S>(rows: m, columns: n, repeating: .nan) : c
                        Matrix.multiply(
                            a, b, into: &destination, transposeLeft: transposeLeft, transposeRight: transposeRight,
                            alpha: alpha, beta: beta)
                        let naive = Self.naiveProduct(
                            a, b, transposeLeft: transposeLeft, transposeRight: transposeRight, alpha: alpha,
                            beta: beta, c: c)
                        Self.expectProduct(
                            destination, naive.product, magnitude: naive.magnitude, depth: k,
                            "(\(m), \(n), \(k)) transposeLeft \(transposeLeft) transposeRight \(transposeRight) alpha \(alpha) beta \(beta)"
                        )
                    }
                }
            }
        }
    }

    @Test func rawMultiplyWithEmptyInnerDimensionScalesTheDestination() {
        // k = 0: the product is empty, so C becomes beta · C (zeros for beta 0, even over nan).
        let cases: [(start: [Double], transposeLeft: Bool, beta: Double, expected: [Double])] = [
            ([1, 2, .nan, 4, 5, 6], false, 0, [0, 0, 0, 0, 0, 0]),
            ([1, 2, 3, 4, 5, 6], true, 0.5, [0.5, 1, 1.5, 2, 2.5, 3]),
        ]
        let unused: [Double] = [99]
        for testCase in cases {
            var destination = testCase.start
            unused.withUnsafeBufferPointer { a in
                destination.withUnsafeMutableBufferPointer { c in
                    let left =
                        testCase.transposeLeft
                        ? StridedView(reading: a.baseAddress!, rows: 0, columns: 2)
                        : StridedView(reading: a.baseAddress!, rows: 2, columns: 0)
                    StridedView.multiply(
                        left, transposed: testCase.transposeLeft,
                        StridedView(reading: a.baseAddress!, rows: 0, columns: 3),
                        transposed: false, beta: testCase.beta, into: StridedView(c.baseAddress!, rows: 2, columns: 3))
                }
            }
            #expect(destination == testCase.expected, "transposeLeft \(testCase.transposeLeft), beta \(testCase.beta)")
        }
    }

    @Test func smallProductsMatchNaiveLoopForEveryTransposeCombination() {
        checkSmallTransposedProducts(Float.self)
        checkSmallTransposedProducts(Double.self)
    }

    func checkAddScaled<S: MatrixScalar>(_: S.Type) {
        // Both paths: the direct loop (up to 4,096 elements) and OpenBLAS's axpy (beyond, threaded when long).
        var generator = TestGenerator(seed: 23)
        for count in [0, 1, 7, 4096, 4097, 100_003] {
            let source = generator.matrix(S.self, rows: 1, columns: count).scalars
            let start = generator.matrix(S.self, rows: 1, columns: count).scalars
            let alpha = S(-0.37)
            var destination = start
            source.withUnsafeBufferPointer { x in
                destination.withUnsafeMutableBufferPointer { y in
                    if count > 0 { StridedView.addScaled(alpha, x.baseAddress!, to: y.baseAddress!, count: count) }
                }
            }
            var worst: S = 0
            for index in 0..<count {
                let expected = start[index] + alpha * source[index]
                // One rounding apart at most: a fused multiply-add rounds once, the loop twice.
                let bound = 2 * Swift.max(Swift.abs(start[index]), Swift.abs(alpha * source[index])).ulp
                worst = Swift.max(worst, Swift.abs(destination[index] - expected) / bound)
            }
            #expect(worst <= 1, "addScaled over \(count) \(S.self) elements: error \(worst) bounds")
        }
    }

    @Test func addScaledMatchesNaiveLoop() {
        checkAddScaled(Float.self)
        checkAddScaled(Double.self)
    }

    func checkMultiply<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.multiply {
            let a = test.a.matrix(S.self), b = test.b.matrix(S.self), c = test.c.matrix(S.self)
            let alpha = S(parse(test.alpha)), beta = S(parse(test.beta))
            var destination = c  // shares storage with c until multiply writes: c must stay as it was
            Matrix.multiply(
                a, b, into: &destination, transposeLeft: test.transposeLeft, transposeRight: test.transposeRight,
                alpha: alpha, beta: beta)
            let context =
                "multiply transposeLeft \(test.transposeLeft) transposeRight \(test.transposeRight) alpha \(alpha) beta \(beta)"
            let naive = Self.naiveProduct(
                a, b, transposeLeft: test.transposeLeft, transposeRight: test.transposeRight, alpha: alpha, beta: beta,
                c: c)
            let depth = test.transposeLeft ? a.rows : a.columns
            Self.expectProduct(
                destination, naive.product, magnitude: naive.magnitude, depth: depth, context + " vs loop")
            Self.expectProduct(
                destination, test.expected.matrix(S.self), magnitude: naive.magnitude, depth: depth,
                context + " vs numpy")
            expectMatrix(c, test.c.matrix(S.self), .exact, "multiply(into:) changed a copy of its destination")
        }
    }

    @Test func multiplyIntoWithTransposeFlagsAlphaAndBeta() {
        checkMultiply(Float.self)
        checkMultiply(Double.self)
    }

    func checkAccumulation<S: MatrixScalar>(_: S.Type) {
        // beta = 1 accumulates: three products into one destination equal their sum.
        var generator = TestGenerator(seed: 11)
        let a = generator.matrix(S.self, rows: 6, columns: 5), b = generator.matrix(S.self, rows: 5, columns: 4)
        var destination = Matrix<S>.zeros(rows: 6, columns: 4)
        for _ in 0..<3 { Matrix.multiply(a, b, into: &destination, beta: 1) }
        let naive = Self.naiveProduct(a, b, alpha: 3)
        Self.expectProduct(
            destination, naive.product, magnitude: naive.magnitude, depth: 15, "three accumulated products")

        // beta = 0 ignores the destination, even when it holds nan (BLAS must not compute 0 · nan).
        var poisoned = Matrix<S>(rows: 6, columns: 4, repeating: .nan)
        Matrix.multiply(a, b, into: &poisoned)
        let plain = Self.naiveProduct(a, b)
        Self.expectProduct(
            poisoned, plain.product, magnitude: plain.magnitude, depth: 5, "beta 0 over a nan destination")
    }

    @Test func multiplyAccumulatesWithBetaOne() {
        checkAccumulation(Float.self)
        checkAccumulation(Double.self)
    }

    func checkMultiplyVector<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.multiplyVector {
            let a = test.a.matrix(S.self), x = test.x.matrix(S.self), y = test.y.matrix(S.self)
            let alpha = S(parse(test.alpha)), beta = S(parse(test.beta))
            let naive = Self.naiveProduct(
                a, x.transposed(), transposeLeft: test.transposed, alpha: alpha, beta: beta, c: y)
            let depth = test.transposed ? a.rows : a.columns
            // The vector and the destination may each be a row or a column; only their counts matter.
            for vector in [x, x.transposed()] {
                for columnDestination in [true, false] {
                    var destination = columnDestination ? y : y.transposed()
                    Matrix.multiplyVector(
                        a, transposed: test.transposed, vector, into: &destination, alpha: alpha, beta: beta)
                    let result = destination.reshaped(rows: destination.count, columns: 1)
                    let context =
                        "multiplyVector transposed \(test.transposed) vector \(vector.shapeDescription) alpha \(alpha) beta \(beta)"
                    Self.expectProduct(
                        result, naive.product, magnitude: naive.magnitude, depth: depth, context + " vs loop")
                    Self.expectProduct(
                        result, test.expected.matrix(S.self), magnitude: naive.magnitude, depth: depth,
                        context + " vs numpy")
                }
            }
        }
    }

    @Test func multiplyVectorMatchesNumpyAndNaiveLoop() {
        checkMultiplyVector(Float.self)
        checkMultiplyVector(Double.self)
    }

    func checkOuter<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.outer {
            let a = test.a.matrix(S.self), b = test.b.matrix(S.self)
            let product = a.outer(b)
            // Each element is one rounded product, so the loop and numpy agree exactly.
            let naive = Matrix<S>(rows: a.count, columns: b.count) { a.scalars[$0] * b.scalars[$1] }
            expectMatrix(product, naive, .exact, "outer \(a.shapeDescription) \(b.shapeDescription) vs loop")
            expectMatrix(
                product, test.expected.matrix(S.self), .exact,
                "outer \(a.shapeDescription) \(b.shapeDescription) vs numpy")
        }
    }

    @Test func outerMatchesNumpyAndNaiveLoop() {
        checkOuter(Float.self)
        checkOuter(Double.self)
    }

    func checkSpecialOperands<S: MatrixScalar>(_: S.Type) {
        var generator = TestGenerator(seed: 3)
        let a = generator.matrix(S.self, rows: 5, columns: 7)
        expectMatrix(a.dot(.identity(size: 7)), a, .exact, "a · I")
        expectMatrix(Matrix<S>.identity(size: 5).dot(a), a, .exact, "I · a")
        expectMatrix(a.dot(.zeros(rows: 7, columns: 3)), .zeros(rows: 5, columns: 3), .equalValues, "a · 0")
        // Empty operands give numpy's shapes: an empty inner dimension sums nothing.
        expectMatrix(
            Matrix<S>.zeros(rows: 3, columns: 0).dot(.zeros(rows: 0, columns: 4)), .zeros(rows: 3, columns: 4), .exact,
            "(3, 0) · (0, 4)")
        expectMatrix(
            Matrix<S>.zeros(rows: 4, columns: 0).dot(.zeros(rows: 0, columns: 1)), .zeros(rows: 4, columns: 1), .exact,
            "(4, 0) · (0, 1)")
        #expect(Matrix<S>.zeros(rows: 0, columns: 3).dot(a.rows(0..<3)).shape == (0, 7))
        #expect(a.columns(0..<3).dot(.zeros(rows: 3, columns: 0)).shape == (5, 0))
        // nan and inf propagate as IEEE arithmetic says.
        let withNaN = Matrix<S>([[1, .nan], [2, 3]])
        let product = withNaN.dot(.identity(size: 2))
        #expect(product[0, 1].isNaN && product[1, 1] == 3)
    }

    @Test func identityZerosEmptyAndNaNOperands() {
        checkSpecialOperands(Float.self)
        checkSpecialOperands(Double.self)
    }
}

/// Shape errors are programming errors: they stop the program, and the message naming both shapes
/// must reach the user of a release build too (the standard library's `precondition` prints nothing
/// under `-O`; the package's checks do). The suite runs in release mode, so this checks exactly that.
@Suite struct ShapeErrorMessageTests {
    @Test func mismatchedProductStopsWithBothShapesInReleaseBuilds() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let left = Matrix<Double>.zeros(rows: 2, columns: 3), right = Matrix<Double>.zeros(rows: 2, columns: 3)
            _ = left.dot(right)
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("dot: (2, 3) · (2, 3): 3 columns but 2 rows"), "\(message)")
    }

    @Test func mismatchedBroadcastStopsWithBothShapesInReleaseBuilds() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Matrix<Float>.zeros(rows: 2, columns: 3) + Matrix<Float>.zeros(rows: 3, columns: 2)
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("(2, 3)") && message.contains("(3, 2)"), "\(message)")
    }
}
