import RealModule
import Tensor
import Testing

// The kernel layer (`Sources/Tensor/Kernels`) against naive loops, in Float and Double, on strided
// views whose rows have a gap: every kernel must read and write only its `rows × columns`
// elements, and the gap must come back untouched.

/// A `rows × columns` block stored with `gap` extra scalars after each row, filled with a sentinel.
struct StridedBlock<S: MatrixScalar> {
    let rows: Int
    let columns: Int
    let gap: Int
    var storage: [S]
    static var sentinel: S { 12345 }

    init(_ matrix: Matrix<S>, gap: Int) {
        rows = matrix.rows
        columns = matrix.columns
        self.gap = gap
        storage = Array(repeating: Self.sentinel, count: Swift.max(1, matrix.rows * (matrix.columns + gap)))
        for row in 0..<rows {
            for column in 0..<columns { storage[row * (columns + gap) + column] = matrix[row, column] }
        }
    }

    /// Calls `body` with a view of the block.
    mutating func withView<R>(_ body: (StridedView<S>) -> R) -> R {
        let (rows, columns, stride) = (self.rows, self.columns, self.columns + gap)
        return storage.withUnsafeMutableBufferPointer {
            body(StridedView($0.baseAddress!, rows: rows, columns: columns, rowStride: stride))
        }
    }

    /// The block's elements as a matrix.
    var matrix: Matrix<S> {
        Matrix(
            rows: rows, columns: columns,
            scalars: (0..<rows).flatMap { row in storage[(row * (columns + gap))..<(row * (columns + gap) + columns)] })
    }

    /// Whether every gap scalar still holds the sentinel.
    var gapsUntouched: Bool {
        (0..<rows).allSatisfy { row in
            (columns..<(columns + gap)).allSatisfy { storage[row * (columns + gap) + $0] == Self.sentinel }
        }
    }
}

@Suite("Kernels on strided views")
struct KernelTests {
    /// The largest difference between two matrices in units of `tolerance · max(1, |expected|)`.
    func expectNear<S: MatrixScalar>(_ actual: Matrix<S>, _ expected: Matrix<S>, _ tolerance: S, _ label: String) {
        #expect(actual.shape == expected.shape, "\(label): shape")
        for (a, e) in zip(actual.scalars, expected.scalars)
        where !(Swift.abs(a - e) <= tolerance * Swift.max(1, Swift.abs(e))) {
            Issue.record(
                "\(label) (\(S.self)): \(a) vs \(e)\nactual:   \(actual.scalars)\nexpected: \(expected.scalars)")
            return
        }
    }

    @Test("products with every transpose combination, alpha and beta, on strided operands, small and BLAS-sized")
    func products() {
        checkProducts(Float.self)
        checkProducts(Double.self)
    }

    func checkProducts<S: MatrixScalar>(_: S.Type) {
        var generator = TestGenerator(seed: 5)
        for (m, n, k) in [(3, 4, 2), (2, 1, 5), (17, 13, 11)] {
            for transposeLeft in [false, true] {
                for transposeRight in [false, true] {
                    for (alpha, beta) in [(S(1), S(0)), (S(0.5), S(1)), (S(-2), S(0.25))] {
                        let a = generator.matrix(S.self, rows: transposeLeft ? k : m, columns: transposeLeft ? m : k)
                        let b = generator.matrix(S.self, rows: transposeRight ? n : k, columns: transposeRight ? k : n)
                        let c = generator.matrix(S.self, rows: m, columns: n)
                        var left = StridedBlock(a, gap: 2), right = StridedBlock(b, gap: 3),
                            destination = StridedBlock(c, gap: 1)
                        left.withView { l in
                            right.withView { r in
                                destination.withView { d in
                                    StridedView.multiply(
                                        l, transposed: transposeLeft, r, transposed: transposeRight, alpha: alpha,
                                        beta: beta, into: d)
                                }
                            }
                        }
                        var expected = c
                        for i in 0..<m {
                            for j in 0..<n {
                                var total: S = 0
                                for p in 0..<k {
                                    total += (transposeLeft ? a[p, i] : a[i, p]) * (transposeRight ? b[j, p] : b[p, j])
                                }
                                expected[i, j] = alpha * total + beta * c[i, j]
                            }
                        }
                        let label = "(\(m), \(n), \(k)) \(transposeLeft) \(transposeRight) \(alpha) \(beta)"
                        expectNear(destination.matrix, expected, 64 * S.ulpOfOne, label)
                        #expect(
                            destination.gapsUntouched && left.gapsUntouched && right.gapsUntouched, "\(label): gaps")
                    }
                }
            }
        }
    }

    @Test("bias addition fused with an activation, the logistic kernel and the row softmax")
    func activations() {
        checkActivations(Float.self)
        checkActivations(Double.self)
    }

    func checkActivations<S: MatrixScalar>(_: S.Type) {
        var generator = TestGenerator(seed: 9)
        let values = generator.matrix(S.self, rows: 5, columns: 7) * 8
        let bias = generator.matrix(S.self, rows: 1, columns: 7)
        bias.withUnsafeBufferPointer { b in
            var block = StridedBlock(values, gap: 3)
            block.withView { $0.transform(addingRow: b.baseAddress!) { S.tanh($0) } }
            let tanhExpected = Matrix(
                rows: 5, columns: 7,
                scalars: (0..<35).map { (index: Int) -> S in S.tanh(values.scalars[index] + bias.scalars[index % 7]) })
            expectNear(block.matrix, tanhExpected, 0, "tanh with bias")
            #expect(block.gapsUntouched)

            // A bias per row (a convolution's, one per filter), with NaN, ±infinity and -0 among the values.
            var special = values
            for (index, value) in [S.nan, .infinity, -.infinity, -0.0, 0].enumerated() {
                special[index, (index * 3) % 7] = value
            }
            // Rows 3 and 4 (holding the -0 and the +0) get biases -0 and +0, so the signs of zero
            // sums are checked: -0 + -0 is -0, and +0 + +0 is +0.
            var columnBias = generator.matrix(S.self, rows: 5, columns: 1)
            columnBias[3, 0] = -0.0
            columnBias[4, 0] = 0
            columnBias.withUnsafeBufferPointer { c in
                for parts in [1, 2, 5] {
                    var rectified = StridedBlock(special, gap: 3), shifted = StridedBlock(special, gap: 3)
                    rectified.withView { $0.transform(addingColumn: c.baseAddress!, parts: parts) { relu($0) } }
                    shifted.withView { $0.transform(addingColumn: c.baseAddress!, parts: parts) { $0 } }
                    let sums = (0..<35).map { (index: Int) -> S in
                        special.scalars[index] + columnBias.scalars[index / 7]
                    }
                    func same(_ result: [S], _ naive: [S]) -> Bool {
                        zip(result, naive).allSatisfy { ($0 == $1 && $0.sign == $1.sign) || ($0.isNaN && $1.isNaN) }
                    }
                    #expect(
                        same(rectified.matrix.scalars, sums.map { Swift.max($0, 0) }) && rectified.gapsUntouched,
                        "relu with a bias per row, \(parts) parts (\(S.self))")
                    #expect(
                        same(shifted.matrix.scalars, sums) && shifted.matrix[3, 2].sign == .minus
                            && shifted.gapsUntouched,
                        "a bias per row alone, \(parts) parts (\(S.self))")
                }
            }

            var logistic = StridedBlock(values, gap: 2)
            logistic.withView { $0.logistic(addingRow: b.baseAddress!) }
            let expected = Matrix(
                rows: 5, columns: 7, scalars: (0..<35).map { sigmoid(values.scalars[$0] + bias.scalars[$0 % 7]) })
            expectNear(logistic.matrix, expected, 8 * S.ulpOfOne, "logistic with bias")
            #expect(logistic.gapsUntouched)
        }
        var softmax = StridedBlock(values, gap: 4)
        softmax.withView { $0.softmaxRows() }
        var expected = values
        for row in 0..<5 {
            var total: S = 0
            for column in 0..<7 { total += S.exp(values[row, column]) }
            for column in 0..<7 { expected[row, column] = S.exp(values[row, column]) / total }
        }
        expectNear(softmax.matrix, expected, 16 * S.ulpOfOne, "softmax")
        #expect(softmax.gapsUntouched)
    }

    @Test("activation derivatives and the softmax Jacobian-vector product")
    func derivatives() {
        checkDerivatives(Float.self)
        checkDerivatives(Double.self)
    }

    func checkDerivatives<S: MatrixScalar>(_: S.Type) {
        var generator = TestGenerator(seed: 13)
        let output = generator.matrix(S.self, rows: 4, columns: 6),
            gradient = generator.matrix(S.self, rows: 4, columns: 6)
        let cases: [(String, (StridedView<S>, StridedView<S>) -> Void, (S, S) -> S)] = [
            ("logistic", { $0.multiplyByLogisticDerivative(output: $1) }, { g, a in g * (a * (1 - a)) }),
            ("tanh", { $0.multiplyByTanhDerivative(output: $1) }, { g, a in g * (1 - a * a) }),
            (
                "relu", { $0.multiplyByRectifierDerivative(output: $1, negativeSlope: 0) },
                { g, a in g * (a > 0 ? 1 : 0) }
            ),
            (
                "leaky", { $0.multiplyByRectifierDerivative(output: $1, negativeSlope: S(0.01)) },
                { g, a in g * (a > 0 ? 1 : S(0.01)) }
            ),
        ]
        for (name, kernel, formula) in cases {
            var g = StridedBlock(gradient, gap: 2), a = StridedBlock(output, gap: 5)
            g.withView { gv in a.withView { av in kernel(gv, av) } }
            let expected = Matrix(rows: 4, columns: 6, scalars: zip(gradient.scalars, output.scalars).map(formula))
            #expect(g.matrix == expected && g.gapsUntouched && a.gapsUntouched, "\(name) (\(S.self))")
        }
        var g = StridedBlock(gradient, gap: 1), a = StridedBlock(output, gap: 3)
        g.withView { gv in a.withView { av in gv.softmaxBackward(output: av) } }
        var expected = gradient
        for row in 0..<4 {
            var dot: S = 0
            for column in 0..<6 { dot += gradient[row, column] * output[row, column] }
            for column in 0..<6 { expected[row, column] = output[row, column] * (gradient[row, column] - dot) }
        }
        #expect(g.matrix == expected && g.gapsUntouched, "softmax backward (\(S.self))")
    }

    @Test("column and row sums into a buffer with beta 0, 1 and other; log-sum-exp of a row")
    func reductions() {
        checkReductions(Float.self)
        checkReductions(Double.self)
    }

    func checkReductions<S: MatrixScalar>(_: S.Type) {
        var generator = TestGenerator(seed: 17)
        let values = generator.matrix(S.self, rows: 6, columns: 5)
        var block = StridedBlock(values, gap: 2)
        for beta in [S(0), S(1), S(0.9)] {
            var columnSums: [S] = [1, 2, 3, 4, 5], rowSums: [S] = [1, -1, 2, -2, 3, -3]
            let columnStart = columnSums, rowStart = rowSums
            block.withView { view in
                columnSums.withUnsafeMutableBufferPointer { view.sumColumns(into: $0.baseAddress!, beta: beta) }
                rowSums.withUnsafeMutableBufferPointer { view.sumRows(into: $0.baseAddress!, beta: beta) }
            }
            for column in 0..<5 {
                var total = beta == 0 ? 0 : beta * columnStart[column]
                for row in 0..<6 { total += values[row, column] }
                #expect(columnSums[column] == total, "column \(column), beta \(beta) (\(S.self))")
            }
            for row in 0..<6 {
                var total: S = 0
                for column in 0..<5 { total += values[row, column] }
                #expect(
                    rowSums[row] == (beta == 0 ? 0 : beta * rowStart[row]) + total,
                    "row \(row), beta \(beta) (\(S.self))")
            }
        }
        let (largest, logSum) = block.withView { $0.logSumExp(row: 2) }
        let rowValues = (0..<5).map { values[2, $0] }
        #expect(largest == rowValues.max()!)
        let naive = S.log(rowValues.map { S.exp($0 - largest) }.reduce(0, +))
        #expect(Swift.abs(logSum - naive) <= 4 * S.ulpOfOne)
        #expect(block.gapsUntouched)
    }

    @Test(
        "the losses' value and gradient: squared error, binary cross-entropy, softmax cross-entropy on logits and probabilities"
    )
    func losses() {
        checkLosses(Float.self)
        checkLosses(Double.self)
    }

    func checkLosses<S: MatrixScalar>(_: S.Type) {
        var generator = TestGenerator(seed: 29)
        let predictions = generator.matrix(S.self, rows: 4, columns: 3) * 3
        let probabilities = predictions.map { 1 / (1 + S.exp(-$0)) }
        let targets = Matrix<S>([[0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]])
        var p = StridedBlock(predictions, gap: 2), q = StridedBlock(probabilities, gap: 1),
            y = StridedBlock(targets, gap: 3)
        var g = StridedBlock(Matrix<S>.zeros(rows: 4, columns: 3), gap: 2)
        let count = S(12)

        let squared = p.withView { pv in
            y.withView { yv in
                g.withView { gv in
                    StridedView.squaredError(predictions: pv, targets: yv, gradient: gv, scale: 2, divisor: count)
                }
            }
        }
        let expectedSquared: S = zip(predictions.scalars, targets.scalars).map { (p: S, y: S) -> S in (p - y) * (p - y)
        }.reduce(0, +)
        #expect(Swift.abs(squared - expectedSquared) <= 16 * S.ulpOfOne * expectedSquared)
        #expect(
            g.matrix
                == Matrix(
                    rows: 4, columns: 3,
                    scalars: zip(predictions.scalars, targets.scalars).map { 2 * ($0 - $1) / count }))

        let binary = q.withView { qv in
            y.withView { yv in
                g.withView { gv in
                    StridedView.binaryCrossEntropy(
                        probabilities: qv, targets: yv, gradient: gv, count: count, fusedWithSigmoid: true)
                }
            }
        }
        let expectedBinary: S = zip(probabilities.scalars, targets.scalars).map { (p: S, y: S) -> S in
            -(y * S.log(p) + (1 - y) * S.log(1 - p))
        }.reduce(0, +)
        #expect(Swift.abs(binary - expectedBinary) <= 64 * S.ulpOfOne * expectedBinary)
        #expect(
            g.matrix
                == Matrix(
                    rows: 4, columns: 3, scalars: zip(probabilities.scalars, targets.scalars).map { ($0 - $1) / count })
        )

        let logits = p.withView { pv in
            y.withView { yv in
                g.withView { gv in
                    StridedView.softmaxCrossEntropy(logits: pv, targets: yv, gradient: gv)
                }
            }
        }
        var expectedLogits: S = 0
        var expectedGradient = predictions
        for row in 0..<4 {
            let total = (0..<3).map { S.exp(predictions[row, $0]) }.reduce(0, +)
            for column in 0..<3 {
                let probability = S.exp(predictions[row, column]) / total
                expectedLogits -= targets[row, column] * S.log(probability)
                expectedGradient[row, column] = (probability - targets[row, column]) / 4
            }
        }
        #expect(Swift.abs(logits - expectedLogits) <= 64 * S.ulpOfOne * expectedLogits)
        expectNear(g.matrix, expectedGradient, 16 * S.ulpOfOne, "softmax cross-entropy gradient")

        let fromProbabilities = q.withView { qv in
            y.withView { yv in
                g.withView { gv in
                    StridedView.crossEntropy(probabilities: qv, targets: yv, gradient: gv)
                }
            }
        }
        let expectedFromProbabilities: S = zip(probabilities.scalars, targets.scalars).map { (p: S, y: S) -> S in
            y == 0 ? 0 : -y * S.log(p)
        }.reduce(0, +)
        #expect(Swift.abs(fromProbabilities - expectedFromProbabilities) <= 16 * S.ulpOfOne * expectedFromProbabilities)
        #expect(
            g.matrix
                == Matrix(
                    rows: 4, columns: 3, scalars: zip(probabilities.scalars, targets.scalars).map { ($0 - $1) / 4 }))
        #expect(p.gapsUntouched && q.gapsUntouched && y.gapsUntouched && g.gapsUntouched)
    }

    @Test("a Float loss over a large batch accumulates in Double: within 1e-6 relative of a Double reference")
    func largeFloatBatchLoss() {
        // 2²⁰ terms: a Float running sum drifts by about 1e-5 relative here, so this fails if the sum is Float.
        let (rows, columns) = (1024, 1024)
        var generator = TestGenerator(seed: 31)
        let predictions = generator.matrix(Float.self, rows: rows, columns: columns)
        let targets = generator.matrix(Float.self, rows: rows, columns: columns).map { $0 < 0 ? Float(0) : 1 }
        let probabilities = predictions.map { 1 / (1 + Float.exp(-4 * $0)) }
        var p = StridedBlock(predictions, gap: 1), q = StridedBlock(probabilities, gap: 0),
            y = StridedBlock(targets, gap: 2)
        var g = StridedBlock(Matrix<Float>.zeros(rows: rows, columns: columns), gap: 0)
        let pairs = zip(predictions.scalars.map(Double.init), targets.scalars.map(Double.init))
        let probabilityPairs = zip(probabilities.scalars.map(Double.init), targets.scalars.map(Double.init))

        let squared = p.withView { pv in
            y.withView { yv in
                g.withView { gv in
                    StridedView.squaredError(predictions: pv, targets: yv, gradient: gv, scale: 2, divisor: 1)
                }
            }
        }
        let expectedSquared = pairs.reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        #expect(
            Swift.abs(Double(squared) - expectedSquared) <= 1e-6 * expectedSquared,
            "squared error \(squared) vs \(expectedSquared)")

        let binary = q.withView { qv in
            y.withView { yv in
                g.withView { gv in
                    StridedView.binaryCrossEntropy(
                        probabilities: qv, targets: yv, gradient: gv, count: 1, fusedWithSigmoid: true)
                }
            }
        }
        let expectedBinary = probabilityPairs.reduce(0.0) {
            $0 - ($1.1 * Double.log($1.0) + (1 - $1.1) * Double.log(1 - $1.0))
        }
        #expect(
            Swift.abs(Double(binary) - expectedBinary) <= 1e-6 * expectedBinary,
            "binary cross-entropy \(binary) vs \(expectedBinary)")

        let fromProbabilities = q.withView { qv in
            y.withView { yv in
                g.withView { gv in
                    StridedView.crossEntropy(probabilities: qv, targets: yv, gradient: gv)
                }
            }
        }
        let expectedFromProbabilities = probabilityPairs.reduce(0.0) { $0 - ($1.1 == 0 ? 0 : $1.1 * Double.log($1.0)) }
        #expect(
            Swift.abs(Double(fromProbabilities) - expectedFromProbabilities) <= 1e-6 * expectedFromProbabilities,
            "cross-entropy \(fromProbabilities) vs \(expectedFromProbabilities)")
    }

    @Test("axpy: the direct loop and OpenBLAS's, against a naive loop")
    func axpy() {
        for count in [1, 4096, 5000] {
            let x = (0..<count).map { Double($0 % 7) - 3 }
            var y = (0..<count).map { Double($0 % 5) }
            let start = y
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeMutableBufferPointer {
                    StridedView.addScaled(0.5, xs.baseAddress!, to: $0.baseAddress!, count: count)
                }
            }
            #expect(y == zip(start, x).map { $0 + 0.5 * $1 }, "\(count)")
        }
    }
}
