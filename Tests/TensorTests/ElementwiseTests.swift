import Tensor
import Testing

/// Elementwise arithmetic, broadcasting, functions and comparisons against numpy, with ±0, ±inf and
/// nan among the inputs and `(1, n)`, `(n, 1)` and `(1, 1)` shapes on either side.
@Suite struct ElementwiseTests {
    struct FunctionCase: Decodable, Sendable {
        let function: String
        let input, expected64, expected32: FixtureMatrix
    }

    struct PowerCase: Decodable, Sendable {
        let exponent: String
        let input, expected64, expected32: FixtureMatrix
    }

    struct ClipCase: Decodable, Sendable {
        let lower, upper: String
        let input, expected64, expected32: FixtureMatrix
    }

    struct BinaryCase: Decodable, Sendable {
        let name, op: String
        let left, right, expected64, expected32: FixtureMatrix
    }

    struct ComparisonCase: Decodable, Sendable {
        let name, op: String
        let left, right, expected: FixtureMatrix
    }

    struct ScalarCase: Decodable, Sendable {
        let op, scalar: String
        let matrix, matrixOpScalar64, matrixOpScalar32: FixtureMatrix
        let scalarOpMatrix64, scalarOpMatrix32: FixtureMatrix?
    }

    struct Fixtures: Decodable, Sendable {
        let unary: [FunctionCase]
        let power: [PowerCase]
        let clip: [ClipCase]
        let binary: [BinaryCase]
        let comparisons: [ComparisonCase]
        let scalar: [ScalarCase]
    }

    static let fixtures: Fixtures = loadFixture("tensor_elementwise")

    // MARK: Functions

    /// The function under test and how closely it must match numpy: IEEE-exact operations bit for
    /// bit, the sign of zero being unspecified for relu, and a few ulps for the transcendental ones.
    static func function<S: MatrixScalar>(_ name: String, _: S.Type) -> ((Matrix<S>) -> Matrix<S>, Agreement) {
        switch name {
        case "exp": ({ exp($0) }, .fewUlps)
        case "log": ({ log($0) }, .fewUlps)
        case "log1p": ({ log1p($0) }, .fewUlps)
        case "sqrt": ({ sqrt($0) }, .exact)
        case "abs": ({ abs($0) }, .exact)
        case "tanh": ({ tanh($0) }, .fewUlps)
        case "sigmoid": ({ sigmoid($0) }, .fewUlps)
        case "relu": ({ relu($0) }, .equalValues)
        case "negate": ({ -$0 }, .exact)
        default: fatalError("unknown function \(name)")
        }
    }

    func checkFunctions<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.unary {
            let (function, agreement) = Self.function(test.function, S.self)
            let input = test.input.matrix(S.self)
            let expected = pick(S.self, double: test.expected64, float: test.expected32)
            expectMatrix(function(input), expected, agreement, "\(test.function) of \(input.nestedRows)")
        }
    }

    @Test func functionsMatchNumpy() {
        checkFunctions(Float.self)
        checkFunctions(Double.self)
    }

    func checkPower<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.power {
            let exponent = S(parse(test.exponent))
            let input = test.input.matrix(S.self)
            let expected = pick(S.self, double: test.expected64, float: test.expected32)
            expectMatrix(pow(input, exponent), expected, .fewUlps, "pow(\(input.nestedRows), \(exponent))")
        }
    }

    @Test func powerMatchesNumpy() {
        checkPower(Float.self)
        checkPower(Double.self)
    }

    func checkClip<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.clip {
            let lower = S(parse(test.lower)), upper = S(parse(test.upper))
            let expected = pick(S.self, double: test.expected64, float: test.expected32)
            expectMatrix(
                clip(test.input.matrix(S.self), lower, upper), expected, .equalValues, "clip to [\(lower), \(upper)]")
        }
    }

    @Test func clipMatchesNumpy() {
        checkClip(Float.self)
        checkClip(Double.self)
    }

    func checkSigmoidExtremes<S: MatrixScalar>(_: S.Type) {
        let input = Matrix<S>.row([-.infinity, -1000, -100, -30, -0.0, 0, 30, 100, 1000, .infinity])
        let output = sigmoid(input)
        for (x, y) in zip(input.scalars, output.scalars) {
            #expect(!y.isNaN && y >= 0 && y <= 1, "sigmoid(\(x)) = \(y) [\(S.self)]")
        }
        #expect(output.scalars.first == 0 && output.scalars.last == 1)
        #expect(output[0, 1] == 0 && output[0, 8] == 1)
        #expect(output[0, 4] == 0.5 && output[0, 5] == 0.5)
        #expect(sigmoid(Matrix<S>.row([.nan]))[0, 0].isNaN)
        // Far below zero the result is tiny but not flushed to zero too early: e^-30 is representable.
        #expect(output[0, 3] > 0 && agrees(output[0, 3], S.exp(-30) / (1 + S.exp(-30)), .fewUlps))
    }

    @Test func sigmoidIsZeroOrOneWithoutNaNForLargeMagnitudes() {
        checkSigmoidExtremes(Float.self)
        checkSigmoidExtremes(Double.self)
    }

    func checkMapAndApply<S: MatrixScalar>(_: S.Type) {
        let matrix: Matrix<S> = [[1, -2, 3], [0.5, .infinity, -0.0]]
        let expected: Matrix<S> = [[3, -3, 7], [2, .infinity, 1]]
        expectMatrix(matrix.map { 2 * $0 + 1 }, expected, .exact, "map")
        var applied = matrix
        applied.apply { 2 * $0 + 1 }
        expectMatrix(applied, expected, .exact, "apply")
        expectMatrix(matrix, [[1, -2, 3], [0.5, .infinity, -0.0]], .exact, "apply changed a copy")
        var filled = matrix
        filled.fill(with: 7)
        expectMatrix(filled, .filled(rows: 2, columns: 3, with: 7), .exact, "fill")
        #expect(matrix.map { $0 }.shape == (2, 3))
        #expect(Matrix<S>.zeros(rows: 0, columns: 4).map { $0 + 1 }.shape == (0, 4))
    }

    @Test func mapApplyAndFill() {
        checkMapAndApply(Float.self)
        checkMapAndApply(Double.self)
    }

    // MARK: Binary operations and broadcasting

    static func binary<S: MatrixScalar>(_ op: String, _: S.Type) -> ((Matrix<S>, Matrix<S>) -> Matrix<S>, Agreement) {
        switch op {
        case "+": ({ $0 + $1 }, .exact)
        case "-": ({ $0 - $1 }, .exact)
        case "*": ({ $0 * $1 }, .exact)
        case "/": ({ $0 / $1 }, .exact)
        // Which zero max(-0.0, 0.0) returns is unspecified in numpy and in Swift.
        case "maximum": ({ maximum($0, $1) }, .equalValues)
        case "minimum": ({ minimum($0, $1) }, .equalValues)
        default: fatalError("unknown operator \(op)")
        }
    }

    static func compound<S: MatrixScalar>(_ op: String, _: S.Type) -> ((inout Matrix<S>, Matrix<S>) -> Void)? {
        switch op {
        case "+": { $0 += $1 }
        case "-": { $0 -= $1 }
        case "*": { $0 *= $1 }
        case "/": { $0 /= $1 }
        default: nil
        }
    }

    func checkBinary<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.binary {
            let left = test.left.matrix(S.self), right = test.right.matrix(S.self)
            let expected = pick(S.self, double: test.expected64, float: test.expected32)
            let (operation, agreement) = Self.binary(test.op, S.self)
            let context = "\(test.name): \(left.shapeDescription) \(test.op) \(right.shapeDescription)"
            expectMatrix(operation(left, right), expected, agreement, context)
            // The compound form broadcasts its right operand over the left one's shape.
            if let compound = Self.compound(test.op, S.self), left.shape == expected.shape {
                var result = left
                compound(&result, right)
                expectMatrix(result, expected, agreement, context + " (compound)")
                expectMatrix(left, test.left.matrix(S.self), .exact, context + " (compound changed a copy)")
            }
        }
    }

    @Test func binaryOperationsBroadcastAsNumpy() {
        checkBinary(Float.self)
        checkBinary(Double.self)
    }

    static func scalarOperations<S: MatrixScalar>(_ op: String, _: S.Type) -> (
        matrixOpScalar: (Matrix<S>, S) -> Matrix<S>, scalarOpMatrix: ((S, Matrix<S>) -> Matrix<S>)?,
        compound: ((inout Matrix<S>, S) -> Void)?, agreement: Agreement
    ) {
        switch op {
        case "+": ({ $0 + $1 }, { $0 + $1 }, { $0 += $1 }, .exact)
        case "-": ({ $0 - $1 }, { $0 - $1 }, { $0 -= $1 }, .exact)
        case "*": ({ $0 * $1 }, { $0 * $1 }, { $0 *= $1 }, .exact)
        case "/": ({ $0 / $1 }, { $0 / $1 }, { $0 /= $1 }, .exact)
        case "maximum": ({ maximum($0, $1) }, { maximum($1, $0) }, nil, .equalValues)
        case "minimum": ({ minimum($0, $1) }, { minimum($1, $0) }, nil, .equalValues)
        case ".<": ({ $0 .< $1 }, nil, nil, .exact)
        case ".<=": ({ $0 .<= $1 }, nil, nil, .exact)
        case ".>": ({ $0 .> $1 }, nil, nil, .exact)
        case ".>=": ({ $0 .>= $1 }, nil, nil, .exact)
        case ".==": ({ $0 .== $1 }, nil, nil, .exact)
        case ".!=": ({ $0 .!= $1 }, nil, nil, .exact)
        default: fatalError("unknown operator \(op)")
        }
    }

    func checkScalarOperands<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.scalar {
            let matrix = test.matrix.matrix(S.self), scalar = S(parse(test.scalar))
            let operations = Self.scalarOperations(test.op, S.self)
            let context = "\(matrix.nestedRows) \(test.op) \(scalar)"
            let expected = pick(S.self, double: test.matrixOpScalar64, float: test.matrixOpScalar32)
            expectMatrix(operations.matrixOpScalar(matrix, scalar), expected, operations.agreement, context)
            if let compound = operations.compound {
                var result = matrix
                compound(&result, scalar)
                expectMatrix(result, expected, operations.agreement, context + " (compound)")
            }
            if let scalarOpMatrix = operations.scalarOpMatrix, let double = test.scalarOpMatrix64,
                let float = test.scalarOpMatrix32
            {
                expectMatrix(
                    scalarOpMatrix(scalar, matrix), pick(S.self, double: double, float: float), operations.agreement,
                    "\(scalar) \(test.op) \(matrix.nestedRows)")
            }
        }
    }

    @Test func scalarOnEitherSide() {
        checkScalarOperands(Float.self)
        checkScalarOperands(Double.self)
    }

    static func comparison<S: MatrixScalar>(_ op: String, _: S.Type) -> (Matrix<S>, Matrix<S>) -> Matrix<S> {
        switch op {
        case ".<": { $0 .< $1 }
        case ".<=": { $0 .<= $1 }
        case ".>": { $0 .> $1 }
        case ".>=": { $0 .>= $1 }
        case ".==": { $0 .== $1 }
        case ".!=": { $0 .!= $1 }
        default: fatalError("unknown comparison \(op)")
        }
    }

    func checkComparisons<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.comparisons {
            let left = test.left.matrix(S.self), right = test.right.matrix(S.self)
            expectMatrix(
                Self.comparison(test.op, S.self)(left, right), test.expected.matrix(S.self), .exact,
                "\(test.name): \(left.nestedRows) \(test.op) \(right.nestedRows)")
        }
    }

    @Test func comparisonsGiveNumpysBooleansAsMasks() {
        checkComparisons(Float.self)
        checkComparisons(Double.self)
    }

    func checkBroadcastShapes<S: MatrixScalar>(_: S.Type) {
        let column = Matrix<S>.column([1, 2, 3]), row = Matrix<S>.row([10, 20])
        expectMatrix(column + row, [[11, 21], [12, 22], [13, 23]], .exact, "(3, 1) + (1, 2)")
        expectMatrix(row - column, [[9, 19], [8, 18], [7, 17]], .exact, "(1, 2) - (3, 1)")
        expectMatrix(Matrix<S>([[2]]) * column, [[2], [4], [6]], .exact, "(1, 1) * (3, 1)")
        #expect((Matrix<S>.zeros(rows: 0, columns: 3) + .row([1, 2, 3])).shape == (0, 3))
        #expect((Matrix<S>.row([1, 2, 3]) + .zeros(rows: 0, columns: 3)).shape == (0, 3))
        expectMatrix(Matrix<S>([[1, -2]]) * .nan, [[.nan, .nan]], .exact, "times nan")
        expectMatrix(Matrix<S>([[1, 0, -0.0]]) / 0, [[.infinity, .nan, .nan]], .exact, "divided by zero")
        expectMatrix(Matrix<S>([[1, -1]]) / -0.0, [[-.infinity, .infinity]], .exact, "divided by -0")
        #expect(
            Matrix<S>([[1, 2]]).isFinite && !Matrix<S>([[1, .infinity]]).isFinite && !Matrix<S>([[.nan]]).isFinite)
    }

    @Test func broadcastShapesAndIEEEDivision() {
        checkBroadcastShapes(Float.self)
        checkBroadcastShapes(Double.self)
    }
}
