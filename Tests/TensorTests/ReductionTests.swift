import Tensor
import Testing

/// Reductions over all elements and along each axis, with and without kept dimensions, against numpy.
@Suite struct ReductionTests {
    struct AxisExpectations: Decodable, Sendable {
        let sum, mean, max, min: FixtureMatrix
        let argmax, argmin: [Int]
        let variance, standardDeviation: [FixtureMatrix]
    }

    struct Case: Decodable, Sendable {
        let name: String
        let input: FixtureMatrix
        let doubleOnly: Bool
        let sum, mean, max, min, frobeniusNorm: String
        let argmax, argmin: Int
        let variance, standardDeviation: [String]
        let axis0, axis1: AxisExpectations
    }

    struct Fixtures: Decodable, Sendable {
        let cases: [Case]
    }

    static let fixtures: Fixtures = loadFixture("tensor_reductions")

    /// Expects agreement within `4 · n · ε · magnitude`, the error any summation order of `n` terms
    /// of that magnitude can make; non-finite expectations must match exactly.
    static func expectClose<S: MatrixScalar>(
        _ actual: S, _ expected: S, terms: Int, magnitude: S, _ context: @autoclosure () -> String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let bound = 4 * S(terms + 1) * S.ulpOfOne * magnitude + S.leastNonzeroMagnitude
        let close = expected.isFinite ? Swift.abs(actual - expected) <= bound : agrees(actual, expected, .equalValues)
        #expect(
            close, "\(context()) [\(S.self)]: \(actual) vs \(expected) (bound \(bound))", sourceLocation: sourceLocation
        )
    }

    static func expectClose<S: MatrixScalar>(
        _ actual: Matrix<S>, _ expected: Matrix<S>, terms: Int, magnitude: S, _ context: @autoclosure () -> String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard actual.shape == expected.shape else {
            Issue.record(
                "\(context()) [\(S.self)]: shape \(actual.shapeDescription), expected \(expected.shapeDescription)",
                sourceLocation: sourceLocation)
            return
        }
        for (a, e) in zip(actual.scalars, expected.scalars) {
            expectClose(a, e, terms: terms, magnitude: magnitude, context(), sourceLocation: sourceLocation)
        }
    }

    func checkWholeMatrix<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.cases where !(test.doubleOnly && S.self == Float.self) {
            let x = test.input.matrix(S.self)
            let largest = x.scalars.filter(\.isFinite).map(\.magnitude).max() ?? 0
            let n = x.count
            let context = test.name
            Self.expectClose(x.sum(), S(parse(test.sum)), terms: n, magnitude: S(n) * largest, context + " sum")
            Self.expectClose(x.mean(), S(parse(test.mean)), terms: n, magnitude: largest, context + " mean")
            expectScalar(x.max(), S(parse(test.max)), .equalValues, context + " max")
            expectScalar(x.min(), S(parse(test.min)), .equalValues, context + " min")
            #expect(x.argmax() == test.argmax, "\(context) argmax [\(S.self)]")
            #expect(x.argmin() == test.argmin, "\(context) argmin [\(S.self)]")
            for ddof in 0...1 {
                let variance = x.variance(deltaDegreesOfFreedom: ddof)
                Self.expectClose(
                    variance, S(parse(test.variance[ddof])), terms: n, magnitude: 4 * largest * largest,
                    context + " variance ddof \(ddof)")
                let deviation = x.standardDeviation(deltaDegreesOfFreedom: ddof)
                let expectedDeviation = S(parse(test.standardDeviation[ddof]))
                Self.expectClose(
                    deviation * deviation, expectedDeviation * expectedDeviation, terms: n + 2,
                    magnitude: 4 * largest * largest, context + " standard deviation² ddof \(ddof)")
                #expect(deviation.isNaN == expectedDeviation.isNaN)
            }
            expectScalar(x.frobeniusNorm(), S(parse(test.frobeniusNorm)), .fewUlps, context + " frobeniusNorm")
        }
    }

    @Test func wholeMatrixReductionsMatchNumpy() {
        checkWholeMatrix(Float.self)
        checkWholeMatrix(Double.self)
    }

    func checkAxes<S: MatrixScalar>(_: S.Type) {
        for test in Self.fixtures.cases where !(test.doubleOnly && S.self == Float.self) {
            let x = test.input.matrix(S.self)
            let largest = x.scalars.filter(\.isFinite).map(\.magnitude).max() ?? 0
            for axis in 0...1 {
                let expected = axis == 0 ? test.axis0 : test.axis1
                let n = axis == 0 ? x.rows : x.columns
                for keep in [true, false] {
                    // keepingDimensions: false gives the same values as a (1, count) row.
                    func shaped(_ fixture: FixtureMatrix) -> Matrix<S> {
                        let matrix = fixture.matrix(S.self)
                        return keep ? matrix : matrix.reshaped(rows: 1, columns: matrix.count)
                    }
                    let context = "\(test.name) axis \(axis) keepingDimensions \(keep)"
                    Self.expectClose(
                        x.sum(axis: axis, keepingDimensions: keep), shaped(expected.sum), terms: n,
                        magnitude: S(n) * largest, context + " sum")
                    Self.expectClose(
                        x.mean(axis: axis, keepingDimensions: keep), shaped(expected.mean), terms: n,
                        magnitude: largest,
                        context + " mean")
                    expectMatrix(
                        x.max(axis: axis, keepingDimensions: keep), shaped(expected.max), .equalValues, context + " max"
                    )
                    expectMatrix(
                        x.min(axis: axis, keepingDimensions: keep), shaped(expected.min), .equalValues, context + " min"
                    )
                    for ddof in 0...1 {
                        Self.expectClose(
                            x.variance(axis: axis, deltaDegreesOfFreedom: ddof, keepingDimensions: keep),
                            shaped(expected.variance[ddof]), terms: n, magnitude: 4 * largest * largest,
                            context + " variance ddof \(ddof)")
                        let deviation = x.standardDeviation(
                            axis: axis, deltaDegreesOfFreedom: ddof, keepingDimensions: keep)
                        let expectedDeviation = shaped(expected.standardDeviation[ddof])
                        Self.expectClose(
                            deviation * deviation, expectedDeviation * expectedDeviation, terms: n + 2,
                            magnitude: 4 * largest * largest, context + " standard deviation² ddof \(ddof)")
                    }
                }
                #expect(x.argmax(axis: axis) == expected.argmax, "\(test.name) argmax axis \(axis) [\(S.self)]")
                #expect(x.argmin(axis: axis) == expected.argmin, "\(test.name) argmin axis \(axis) [\(S.self)]")
            }
        }
    }

    @Test func axisReductionsMatchNumpy() {
        checkAxes(Float.self)
        checkAxes(Double.self)
    }

    func checkEdgeCases<S: MatrixScalar>(_: S.Type) {
        // The norm neither overflows nor underflows where the naive square root of a sum of squares would.
        let huge = S.greatestFiniteMagnitude / 4
        expectScalar(
            Matrix<S>.row([huge, huge]).frobeniusNorm(), huge * S(2).squareRoot(), .fewUlps, "norm of huge values")
        let tiny = S.leastNormalMagnitude
        expectScalar(Matrix<S>.row([3 * tiny, 4 * tiny]).frobeniusNorm(), 5 * tiny, .fewUlps, "norm of tiny values")
        expectScalar(Matrix<S>.row([.infinity, 1]).frobeniusNorm(), .infinity, .exact, "norm with inf")
        expectScalar(Matrix<S>.row([.infinity, .nan]).frobeniusNorm(), .nan, .exact, "norm with inf and nan")
        expectScalar(Matrix<S>.zeros(rows: 2, columns: 3).frobeniusNorm(), 0, .equalValues, "norm of zeros")
        expectScalar(Matrix<S>.zeros(rows: 0, columns: 3).frobeniusNorm(), 0, .equalValues, "norm of an empty matrix")
        // Empty sums are 0 as in numpy; the SIMD sum handles counts that are not multiples of 8.
        #expect(Matrix<S>.zeros(rows: 0, columns: 0).sum() == 0)
        #expect(Matrix<S>.zeros(rows: 0, columns: 3).sum(axis: 0).scalars == [0, 0, 0])
        for count in [1, 7, 8, 9, 17, 31] {
            #expect(Matrix<S>.ones(rows: 1, columns: count).sum() == S(count))
        }
        // Only the first extreme counts; a nan is the answer as soon as one appears.
        let ties: Matrix<S> = [[2, 5, 5], [5, 1, 1]]
        #expect(ties.argmax() == 1 && ties.argmin() == 4)
        #expect(Matrix<S>.row([1, .nan, 3, .nan]).argmax() == 1)
        #expect(Matrix<S>.row([1, .nan, -3]).argmin() == 1)
        #expect(Matrix<S>.row([.nan, 2]).max().isNaN && Matrix<S>.row([2, .nan]).min().isNaN)
    }

    @Test func normsOfExtremeValuesAndNaNAndTies() {
        checkEdgeCases(Float.self)
        checkEdgeCases(Double.self)
    }
}
