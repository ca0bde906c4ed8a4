import Foundation
import Tensor
import Testing

// Checks the LinearAlgebra API against numpy.linalg (scripts/fixtures/linalg_fixtures.py) and against
// identities (A·A⁻¹ = I, U·S·Vᵀ = A, Q·R = A, L·Lᵀ = A, A·v = λ·v), for Float and Double.
// Inputs are rebuilt here from the fixtures' seeds with the script's generator, so only numpy's results are stored.

// MARK: Fixtures and helpers

private struct SquareCase: Decodable {
    struct Norms: Decodable { var one, two, infinity, frobenius, nuclear: Double }
    var n: Int
    var seed: UInt32
    var solve: [Double]
    var inverseFirstRow: [Double]
    var sign: Double
    var logAbsoluteDeterminant: Double
    var eigenvalueRealParts: [Double]
    var eigenvalueImaginaryParts: [Double]
    var symmetricEigenvalues: [Double]
    var singularValues: [Double]
    var conditionNumber: Double
    var rank: Int
    var norms: Norms
    var choleskyDiagonal: [Double]
    var solvePositiveDefinite: [Double]
    var determinant: Double?
    var inverse: [Double]?
    var cholesky: [Double]?
}

private struct RectangularCase: Decodable {
    var rows: Int
    var columns: Int
    var seed: UInt32
    var rankDeficient: Bool
    var solution: [Double]
    var residuals: [Double]
    var rank: Int
    var singularValues: [Double]
    var matrixRank: Int
    var rAbsoluteDiagonal: [Double]
    var pseudoInverse: [Double]?
    var r: [Double]?
    var q: [Double]?
}

private struct SpecialCases: Decodable {
    var hilbert12ConditionNumber: Double
    var hilbert12Rank: Int
}

private func fixture<Content: Decodable>(_ name: String, as type: Content.Type) throws -> Content {
    let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name)
    return try JSONDecoder().decode(Content.self, from: Data(contentsOf: url))
}

/// The fixture script's generator: values (state >> 8) / 2²⁴ - 0.5, exact in Float and Double.
private func uniform<Scalar: MatrixScalar>(_ rows: Int, _ columns: Int, seed: UInt32) -> Matrix<Scalar> {
    var state = seed
    var values: [Scalar] = []
    for _ in 0..<(rows * columns) {
        state = state &* 1_664_525 &+ 1_013_904_223
        values.append(Scalar(Double(state >> 8) / 16_777_216 - 0.5))
    }
    return Matrix(rows: rows, columns: columns, scalars: values)
}

private func general<Scalar: MatrixScalar>(_ n: Int, seed: UInt32) -> Matrix<Scalar> {
    uniform(n, n, seed: seed) + Matrix<Scalar>.identity(size: n) * Scalar(Double(n) / 2 + 1)
}

private func symmetric<Scalar: MatrixScalar>(_ n: Int, seed: UInt32) -> Matrix<Scalar> {
    let r: Matrix<Scalar> = uniform(n, n, seed: seed)
    return (r + r.transposed()) / 2
}

private func positiveDefinite<Scalar: MatrixScalar>(_ n: Int, seed: UInt32) -> Matrix<Scalar> {
    symmetric(n, seed: seed) + Matrix<Scalar>.identity(size: n) * Scalar(Double(n) / 2 + 1)
}

private func rankDeficient<Scalar: MatrixScalar>(_ m: Int, _ n: Int, seed: UInt32) -> Matrix<Scalar> {
    let r: Matrix<Scalar> = uniform(m, n - 2, seed: seed)
    return r.appendingColumns(r.columns(0..<2))
}

/// The relative tolerance of the task: 1e-10 for Double, 1e-4 for Float.
private func tolerance<Scalar: MatrixScalar>(_: Scalar.Type) -> Double {
    Scalar.self == Double.self ? 1e-10 : 1e-4
}

private func maxAbs<Values: Collection>(_ values: Values) -> Double where Values.Element: BinaryFloatingPoint {
    values.reduce(0) { Swift.max($0, Swift.abs(Double($1))) }
}

/// `max |actual - expected| / max |expected|`, or infinity when the counts differ.
private func relativeError<Scalar: MatrixScalar>(_ actual: [Scalar], _ expected: [Double]) -> Double {
    guard actual.count == expected.count else { return .infinity }
    if expected.isEmpty { return 0 }
    let difference = zip(actual, expected).reduce(0.0) { Swift.max($0, Swift.abs(Double($1.0) - $1.1)) }
    return difference / Swift.max(maxAbs(expected), .leastNormalMagnitude)
}

/// `max |left - right| / max(max |right|, 1)` for two matrices of the same shape.
private func relativeDifference<Scalar: MatrixScalar>(_ left: Matrix<Scalar>, _ right: Matrix<Scalar>) -> Double {
    guard left.shape == right.shape else { return .infinity }
    return maxAbs((left - right).scalars) / Swift.max(maxAbs(right.scalars), 1)
}

private func expectClose<Scalar: MatrixScalar>(
    _ actual: [Scalar], _ expected: [Double], _ label: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    let error = relativeError(actual, expected)
    #expect(
        error <= tolerance(Scalar.self), "\(Scalar.self) \(label): relative error \(error)",
        sourceLocation: sourceLocation)
}

private func expectIdentity<Scalar: MatrixScalar>(
    _ left: Matrix<Scalar>, _ right: Matrix<Scalar>, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let difference = relativeDifference(left, right)
    #expect(
        difference <= tolerance(Scalar.self),
        "\(Scalar.self) \(label): \(left.shapeDescription) vs \(right.shapeDescription), relative difference \(difference)",
        sourceLocation: sourceLocation)
}

/// Every expected eigenvalue has one of ours within tolerance (the order is not compared).
private func expectSameSpectrum<Scalar: MatrixScalar>(
    real: [Scalar], imaginary: [Scalar], expectedReal: [Double], expectedImaginary: [Double], _ label: String
) {
    #expect(real.count == expectedReal.count && imaginary.count == expectedImaginary.count)
    let scale = Swift.max(maxAbs(expectedReal), maxAbs(expectedImaginary), 1)
    var unmatched = Array(zip(real, imaginary))
    for (expectedRe, expectedIm) in zip(expectedReal, expectedImaginary) {
        let distances = unmatched.map {
            (pow(Double($0.0) - expectedRe, 2) + pow(Double($0.1) - expectedIm, 2)).squareRoot()
        }
        guard let nearest = distances.indices.min(by: { distances[$0] < distances[$1] }) else { break }
        #expect(
            distances[nearest] / scale <= tolerance(Scalar.self),
            "\(Scalar.self) \(label): no eigenvalue near \(expectedRe) + \(expectedIm)i")
        unmatched.remove(at: nearest)
    }
}

private func isUpperTriangular<Scalar: MatrixScalar>(_ matrix: Matrix<Scalar>) -> Bool {
    for row in 0..<matrix.rows {
        for column in 0..<Swift.min(row, matrix.columns) where matrix[row, column] != 0 { return false }
    }
    return true
}

// MARK: Tests

@Suite struct LinearAlgebraTests {
    @Test func squareMatricesAgreeWithNumPy() throws {
        let cases = try fixture("linalg_square.json", as: [SquareCase].self)
        #expect(cases.count == 8)
        for testCase in cases {
            try checkSquare(testCase, Double.self)
            try checkSquare(testCase, Float.self)
        }
    }

    private func checkSquare<Scalar: MatrixScalar>(_ testCase: SquareCase, _: Scalar.Type) throws {
        let n = testCase.n, seed = testCase.seed
        let a: Matrix<Scalar> = general(n, seed: seed)
        let b: Matrix<Scalar> = uniform(n, 2, seed: seed + 1)
        let label = "n = \(n)"

        expectClose(try solve(a, b).scalars, testCase.solve, "solve \(label)")
        let inverse = try a.inverse()
        expectClose(inverse.row(0).scalars, testCase.inverseFirstRow, "inverse row 0 \(label)")
        if let expected = testCase.inverse { expectClose(inverse.scalars, expected, "inverse \(label)") }
        expectIdentity(a.dot(inverse), .identity(size: n), "A·inverse(A) = I \(label)")
        expectIdentity(inverse.dot(a), .identity(size: n), "inverse(A)·A = I \(label)")

        let (sign, logarithm) = try a.signAndLogDeterminant()
        #expect(sign == Scalar(testCase.sign))
        expectClose([logarithm], [testCase.logAbsoluteDeterminant], "log |det| \(label)")
        if let expected = testCase.determinant { expectClose([try a.determinant()], [expected], "det \(label)") }

        // General eigenproblem: numpy's spectrum, and A·v = λ·v with unit eigenvectors.
        let eigen = try a.eigen()
        expectSameSpectrum(
            real: eigen.eigenvalueRealParts, imaginary: eigen.eigenvalueImaginaryParts,
            expectedReal: testCase.eigenvalueRealParts, expectedImaginary: testCase.eigenvalueImaginaryParts,
            "eigen \(label)")
        let vr = eigen.eigenvectorRealParts, vi = eigen.eigenvectorImaginaryParts
        let lr = Matrix.row(eigen.eigenvalueRealParts), li = Matrix.row(eigen.eigenvalueImaginaryParts)
        expectIdentity(a.dot(vr), vr * lr - vi * li, "Re(A·v) = Re(λ·v) \(label)")
        expectIdentity(a.dot(vi), vi * lr + vr * li, "Im(A·v) = Im(λ·v) \(label)")
        let squaredNorms = (vr * vr + vi * vi).sum(axis: 0)
        expectIdentity(squaredNorms, .ones(rows: 1, columns: n), "|v| = 1 \(label)")

        // Symmetric eigenproblem: ascending values as numpy's, orthonormal vectors, A·V = V·diag(λ).
        let s: Matrix<Scalar> = symmetric(n, seed: seed + 2)
        let (values, vectors) = try s.symmetricEigen()
        expectClose(values, testCase.symmetricEigenvalues, "symmetricEigen values \(label)")
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }, "eigenvalues ascending")
        expectIdentity(s.dot(vectors), vectors * Matrix.row(values), "S·V = V·diag(λ) \(label)")
        expectIdentity(vectors.transposed().dot(vectors), .identity(size: n), "VᵀV = I \(label)")

        // Cholesky and the positive-definite solver.
        let p: Matrix<Scalar> = positiveDefinite(n, seed: seed + 3)
        let lower = try p.cholesky()
        expectClose(lower.diagonalScalars, testCase.choleskyDiagonal, "cholesky diagonal \(label)")
        if let expected = testCase.cholesky { expectClose(lower.scalars, expected, "cholesky \(label)") }
        #expect(isUpperTriangular(lower.transposed()), "cholesky factor is lower triangular")
        expectIdentity(lower.dot(lower.transposed()), p, "L·Lᵀ = P \(label)")
        expectClose(try solveSymmetricPositiveDefinite(p, b).scalars, testCase.solvePositiveDefinite, "posv \(label)")

        // SVD, norms, rank and condition number.
        expectClose(try a.singularValues(), testCase.singularValues, "singularValues \(label)")
        let (u, singular, vTransposed) = try a.singularValueDecomposition(full: true)
        expectClose(singular, testCase.singularValues, "svd values \(label)")
        expectIdentity(u.dot(Matrix.diagonal(singular)).dot(vTransposed), a, "U·S·Vᵀ = A \(label)")
        expectIdentity(u.transposed().dot(u), .identity(size: n), "UᵀU = I \(label)")
        expectIdentity(vTransposed.dot(vTransposed.transposed()), .identity(size: n), "VᵀV = I \(label)")
        expectClose([try a.conditionNumber()], [testCase.conditionNumber], "cond \(label)")
        #expect(try a.rank() == testCase.rank)
        let norms = testCase.norms
        expectClose([try a.norm(.one)], [norms.one], "norm 1 \(label)")
        expectClose([try a.norm(.two)], [norms.two], "norm 2 \(label)")
        expectClose([try a.norm(.infinity)], [norms.infinity], "norm inf \(label)")
        expectClose([try a.norm(.frobenius)], [norms.frobenius], "norm fro \(label)")
        expectClose([try a.norm(.nuclear)], [norms.nuclear], "norm nuc \(label)")
    }

    @Test func rectangularMatricesAgreeWithNumPy() throws {
        let cases = try fixture("linalg_rectangular.json", as: [RectangularCase].self)
        #expect(cases.count == 11)
        for testCase in cases {
            try checkRectangular(testCase, Double.self)
            try checkRectangular(testCase, Float.self)
        }
    }

    private func checkRectangular<Scalar: MatrixScalar>(_ testCase: RectangularCase, _: Scalar.Type) throws {
        let m = testCase.rows, n = testCase.columns, k = Swift.min(m, n), seed = testCase.seed
        let a: Matrix<Scalar> = testCase.rankDeficient ? rankDeficient(m, n, seed: seed) : uniform(m, n, seed: seed)
        let b: Matrix<Scalar> = uniform(m, 2, seed: seed + 1)
        let label = "(\(m), \(n))\(testCase.rankDeficient ? " rank-deficient" : "")"

        let fit = try leastSquares(a, b)
        #expect(fit.rank == testCase.rank, "\(Scalar.self) lstsq rank \(label)")
        expectClose(fit.solution.scalars, testCase.solution, "lstsq solution \(label)")
        #expect(fit.residuals.count == testCase.residuals.count, "\(Scalar.self) lstsq residual count \(label)")
        if fit.residuals.count == testCase.residuals.count {
            // Residuals are differences of nearly equal quantities: compare relative to |b|².
            let scale = Swift.max(maxAbs(b.scalars) * maxAbs(b.scalars) * Double(m), 1)
            for (actual, expected) in zip(fit.residuals, testCase.residuals) {
                #expect(Swift.abs(Double(actual) - expected) / scale <= tolerance(Scalar.self), "residual \(label)")
            }
        }
        expectClose(fit.singularValues, testCase.singularValues, "lstsq singular values \(label)")
        #expect(try a.rank() == testCase.matrixRank, "\(Scalar.self) rank \(label)")
        expectClose(try a.singularValues(), testCase.singularValues, "singularValues \(label)")

        // SVD, full and reduced, through identities.
        for full in [true, false] {
            let (u, s, vTransposed) = try a.singularValueDecomposition(full: full)
            #expect(u.shape == (m, full ? m : k) && vTransposed.shape == (full ? n : k, n))
            var sigma = Matrix<Scalar>.zeros(rows: u.columns, columns: vTransposed.rows)
            for index in 0..<k { sigma[index, index] = s[index] }
            expectIdentity(u.dot(sigma).dot(vTransposed), a, "U·S·Vᵀ = A full: \(full) \(label)")
            expectIdentity(u.transposed().dot(u), .identity(size: u.columns), "UᵀU = I \(label)")
            expectIdentity(
                vTransposed.dot(vTransposed.transposed()), .identity(size: vTransposed.rows), "VᵀV = I \(label)")
        }

        // QR, reduced and complete: identities, and numpy's factors up to the sign of each R row.
        for mode in QRMode.allCases {
            let (q, r) = try a.qr(mode: mode)
            let columns = mode == .reduced ? k : m
            #expect(q.shape == (m, columns) && r.shape == (columns, n), "\(Scalar.self) qr \(mode) shapes \(label)")
            #expect(isUpperTriangular(r), "R is upper triangular \(label)")
            expectIdentity(q.dot(r), a, "Q·R = A \(mode) \(label)")
            expectIdentity(q.transposed().dot(q), .identity(size: columns), "QᵀQ = I \(mode) \(label)")
            expectClose(r.diagonalScalars.map { Swift.abs($0) }, testCase.rAbsoluteDiagonal, "|diag R| \(label)")
        }
        if let expectedR = testCase.r, let expectedQ = testCase.q, !testCase.rankDeficient {
            let (q, r) = try a.qr()
            // Flip each of our R rows (and Q columns) to the sign numpy chose.
            let signs = (0..<k).map { index -> Scalar in
                (r[index, index] < 0) == (expectedR[index * n + index] < 0) ? 1 : -1
            }
            expectClose((r * Matrix.column(signs)).scalars, expectedR, "R \(label)")
            expectClose((q * Matrix.row(signs)).scalars, expectedQ, "Q \(label)")
        }
        if let expected = testCase.pseudoInverse {
            let pseudoInverse = try a.pseudoInverse()
            #expect(pseudoInverse.shape == (n, m))
            expectClose(pseudoInverse.scalars, expected, "pinv \(label)")
            expectIdentity(a.dot(pseudoInverse).dot(a), a, "A·A⁺·A = A \(label)")
        }
    }

    @Test func singularMatricesThrowOrReportZeroDeterminant() throws {
        try checkSingular(Double.self)
        try checkSingular(Float.self)
    }

    private func checkSingular<Scalar: MatrixScalar>(_: Scalar.Type) throws {
        let singular: Matrix<Scalar> = [[1, 2], [2, 4]]
        #expect(throws: LinearAlgebraError.singularMatrix(function: "solve(_:_:)", info: 2)) {
            try solve(singular, Matrix.column([1, 1]))
        }
        #expect(throws: LinearAlgebraError.singularMatrix(function: "inverse()", info: 2)) { try singular.inverse() }
        #expect(try singular.determinant() == 0)
        let (sign, logarithm) = try singular.signAndLogDeterminant()
        #expect(sign == 0 && logarithm == -.infinity)
        #expect(try singular.rank() == 1)
        #expect(try singular.conditionNumber() > 1 / Scalar.ulpOfOne)
        // numpy's lstsq handles a singular matrix: the minimum-norm solution of x + 2y = 1 is (0.2, 0.4).
        let fit = try leastSquares(singular, Matrix.column([1, 2]))
        #expect(fit.rank == 1 && fit.residuals.isEmpty)
        expectClose(fit.solution.scalars, [0.2, 0.4], "lstsq of a singular matrix")
        let pseudoInverse = try singular.pseudoInverse()
        expectClose(pseudoInverse.scalars, [0.04, 0.08, 0.08, 0.16], "pinv of a singular matrix")

        let indefinite: Matrix<Scalar> = [[1, 2], [2, 1]]
        #expect(throws: LinearAlgebraError.notPositiveDefinite(function: "cholesky()", info: 2)) {
            try indefinite.cholesky()
        }
        #expect(
            throws: LinearAlgebraError.notPositiveDefinite(function: "solveSymmetricPositiveDefinite(_:_:)", info: 2)
        ) {
            try solveSymmetricPositiveDefinite(indefinite, Matrix.column([1, 1]))
        }
        // An eigenvector problem with a complex pair: rotation by 90°, eigenvalues ±i, as numpy orders them.
        let rotation: Matrix<Scalar> = [[0, -1], [1, 0]]
        let eigen = try rotation.eigen()
        #expect(!eigen.isReal)
        #expect(eigen.eigenvalueRealParts == [0, 0] && eigen.eigenvalueImaginaryParts == [1, -1])
        expectClose(
            eigen.eigenvectorRealParts.scalars + eigen.eigenvectorImaginaryParts.scalars,
            [0.7071067811865476, 0.7071067811865476, 0, 0, 0, 0, -0.7071067811865476, 0.7071067811865476],
            "eig vectors of a rotation (numpy)")
    }

    @Test func illConditionedMatricesAreReportedAsNumPyDoes() throws {
        let special = try fixture("linalg_special.json", as: SpecialCases.self)
        let hilbert = Matrix<Double>(rows: 12, columns: 12) { row, column in 1 / Double(row + column + 1) }
        let condition = try hilbert.conditionNumber()
        #expect(condition > 1e15, "cond(hilbert(12)) = \(condition), numpy \(special.hilbert12ConditionNumber)")
        #expect(Swift.abs(try hilbert.rank() - special.hilbert12Rank) <= 1)
        // numpy's solve does not flag a nearly singular matrix, and neither does ours: the result is
        // backward stable (small residual) even though its forward error is large.
        let ones = Matrix<Double>.ones(rows: 12, columns: 1)
        let rightHandSide = hilbert.dot(ones)
        let x = try solve(hilbert, rightHandSide)
        #expect(relativeDifference(hilbert.dot(x), rightHandSide) < 1e-12)

        let hilbertFloat = Matrix<Float>(hilbert)
        #expect(try hilbertFloat.conditionNumber() > 1e6)
    }

    @Test func nonFiniteInputThrowsBeforeLAPACKRuns() {
        checkNonFinite(Double.self)
        checkNonFinite(Float.self)
    }

    private func checkNonFinite<Scalar: MatrixScalar>(_: Scalar.Type) {
        for bad in [Scalar.nan, .infinity, -.infinity] {
            let a: Matrix<Scalar> = [[1, 0], [0, bad]]
            let b: Matrix<Scalar> = .column([1, 1])
            let badColumn: Matrix<Scalar> = .column([1, bad])
            let good: Matrix<Scalar> = .identity(size: 2)
            func expectNonFinite(_ function: String, _ body: () throws -> Void) {
                #expect(throws: LinearAlgebraError.nonFiniteInput(function: function)) { try body() }
            }
            expectNonFinite("solve(_:_:)") { _ = try solve(a, b) }
            expectNonFinite("solve(_:_:)") { _ = try solve(good, badColumn) }
            expectNonFinite("solveSymmetricPositiveDefinite(_:_:)") { _ = try solveSymmetricPositiveDefinite(a, b) }
            expectNonFinite("inverse()") { _ = try a.inverse() }
            expectNonFinite("determinant()") { _ = try a.determinant() }
            expectNonFinite("signAndLogDeterminant()") { _ = try a.signAndLogDeterminant() }
            expectNonFinite("leastSquares(_:_:rcond:)") { _ = try leastSquares(good, badColumn) }
            expectNonFinite("singularValueDecomposition(full:)") { _ = try a.singularValueDecomposition() }
            expectNonFinite("singularValues()") { _ = try a.singularValues() }
            expectNonFinite("symmetricEigen()") { _ = try a.symmetricEigen() }
            expectNonFinite("eigen()") { _ = try a.eigen() }
            expectNonFinite("cholesky()") { _ = try a.cholesky() }
            expectNonFinite("qr(mode:)") { _ = try a.qr() }
            expectNonFinite("pseudoInverse(rcond:)") { _ = try a.pseudoInverse() }
            expectNonFinite("rank(tolerance:)") { _ = try a.rank() }
            expectNonFinite("conditionNumber()") { _ = try a.conditionNumber() }
            expectNonFinite("norm(_:)") { _ = try a.norm(.two) }
            expectNonFinite("norm(_:)") { _ = try a.norm(.nuclear) }
        }
    }

    @Test func emptyMatricesAndDescriptions() throws {
        let empty = Matrix<Double>.zeros(rows: 0, columns: 0)
        #expect(try empty.determinant() == 1)
        #expect(try empty.inverse().shape == (0, 0))
        #expect(try empty.singularValues().isEmpty)
        #expect(try empty.norm(.two) == 0)
        #expect(try Matrix<Double>.zeros(rows: 3, columns: 0).pseudoInverse().shape == (0, 3))

        let error = LinearAlgebraError.singularMatrix(function: "solve(_:_:)", info: 2)
        #expect(error.description.contains("solve(_:_:)") && error.description.contains("info 2"))
        let nonFinite = LinearAlgebraError.nonFiniteInput(function: "inverse()")
        #expect(nonFinite.description.contains("inverse()") && nonFinite.description.contains("nan"))
    }
}
