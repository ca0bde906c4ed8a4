import Foundation
import Tensor
import Testing

// The vectorized exp and sigmoid kernels (Sources/CVectorMath) against glibc's libm, element by
// element: a dense sweep of the whole double range plus the edges (overflow, underflow into the
// subnormals, ±0, ±inf, nan), in both compiled forms (baseline and, where the CPU has it, AVX2+FMA).
// Each call names its form, so nothing else running in the process is affected.

/// Distance in units in the last place of `expected` (the smaller ulp of the two sides for subnormals).
private func ulps(_ actual: Double, _ expected: Double) -> Double {
    if actual == expected || (actual.isNaN && expected.isNaN) { return 0 }
    if !actual.isFinite || !expected.isFinite { return .infinity }
    return Swift.abs(actual - expected) / Swift.max(expected.ulp, Double.leastNonzeroMagnitude)
}

/// Collects the elements that break a rule, so that a broken kernel reports a count and a few
/// examples instead of one issue per element.
private struct Violations {
    var count = 0
    var examples: [String] = []

    mutating func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        guard !condition else { return }
        count += 1
        if examples.count < 5 { examples.append(message()) }
    }

    func expectNone(_ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            count == 0, "\(label): \(count) elements, e.g. \(examples.joined(separator: "; "))",
            sourceLocation: sourceLocation)
    }
}

/// Points across [-750, 715]: a dense even sweep, the integers, and values near every multiple of ln 2/2.
private let sweep: [Double] = {
    var points = stride(from: -750.0, through: 715.0, by: 0.0137).map { $0 }
    points += stride(from: -750.0, through: 715.0, by: 1.0).map { $0 }
    points += (-2200...2200).flatMap { step -> [Double] in
        let center = Double(step) * 0.34657359027997264
        return [center, center.nextUp, center.nextDown]
    }
    return points
}()

private let edges: [Double] = [
    0, -0.0, 1e-300, -1e-300, .leastNonzeroMagnitude, 709.78, 709.782712893384, 709.7827128933841, 710, 800,
    -708.39, -708.4, -744.44, -745.13, -745.14, -746, -800, .infinity, -.infinity, .nan,
    .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
]

private func exponentials(_ values: [Double], form: VectorKernelForm = .automatic) -> [Double] {
    var result = values
    result.withUnsafeMutableBufferPointer { exponentialsInPlace($0.baseAddress!, count: $0.count, form: form) }
    return result
}

@Suite struct VectorMathTests {
    /// The forms to check on this machine: baseline always, AVX2 when the CPU has it.
    static var forms: [VectorKernelForm] { VectorKernelForm.avx2.usesAVX2 ? [.baseline, .avx2] : [.baseline] }

    @Test("exp is within 1 ulp of libm across the double range and exact at the edges", arguments: forms)
    func exponentialMatchesLibm(form: VectorKernelForm) {
        let avx2 = form.usesAVX2
        let results = exponentials(sweep, form: form)
        var differing = 0
        var violations = Violations()
        for (x, y) in zip(sweep, results) {
            let expected = Foundation.exp(x)
            let distance = ulps(y, expected)
            if distance > 0 { differing += 1 }
            violations.check(distance <= 1, "exp(\(x)) = \(y), libm \(expected)")
        }
        // Not vacuous: most results equal libm's exactly, and the sweep reaches both ends.
        #expect(Double(differing) / Double(sweep.count) < 0.2)
        #expect(
            results.contains(.infinity) && results.contains(0)
                && results.contains { $0 > 0 && $0 < .leastNormalMagnitude })
        for (x, y) in zip(edges, exponentials(edges, form: form)) {
            let expected = Foundation.exp(x)
            violations.check(ulps(y, expected) <= 1, "exp(\(x)) = \(y), libm \(expected)")
        }
        violations.expectNone("exp more than 1 ulp from libm [avx2 \(avx2)]")
    }

    @Test("the two forms are different code: their results differ in the last bit somewhere")
    func formsDiffer() {
        guard Self.forms.count == 2 else { return }  // no AVX2 here: only the baseline exists
        #expect(exponentials(sweep, form: .baseline) != exponentials(sweep, form: .avx2))
        #expect(exponentials(sweep, form: .automatic) == exponentials(sweep, form: .avx2))
    }

    @Test("Float exp is libm's Double exp rounded to float", arguments: forms)
    func floatExponential(form: VectorKernelForm) {
        let avx2 = form.usesAVX2
        let inputs: [Float] =
            stride(from: -110.0, through: 95.0, by: 0.00731).map(Float.init) + [
                .nan, .infinity, -.infinity, 0, 88.72, 88.73, -103.97, -104,
            ]
        var results = inputs
        results.withUnsafeMutableBufferPointer { exponentialsInPlace($0.baseAddress!, count: $0.count, form: form) }
        var violations = Violations()
        for (x, y) in zip(inputs, results) {
            let expected = Float(Foundation.exp(Double(x)))
            // Double rounding can move a result by one float ulp at a halfway case; nothing more.
            let close =
                y == expected || (y.isNaN && expected.isNaN) || (y.isFinite && Swift.abs(y - expected) <= expected.ulp)
            violations.check(close, "exp(\(x)) = \(y), expected \(expected)")
        }
        violations.expectNone("Float exp off [avx2 \(avx2)]")
    }

    @Test("sigmoid is within 4 ulps of the scalar sigmoid, with or without a bias row", arguments: forms)
    func logisticMatchesScalar(form: VectorKernelForm) {
        let avx2 = form.usesAVX2
        let columns = 7
        let inputs = Array(sweep.prefix(sweep.count / columns * columns)).map { $0 / 10 } + edges.prefix(21)
        let rows = inputs.count / columns
        let values = Array(inputs.prefix(rows * columns))
        let bias: [Double] = [0, 0.5, -0.5, 3, -3, 1e-3, -40]
        var plain = values, biased = values
        plain.withUnsafeMutableBufferPointer {
            logisticsInPlace($0.baseAddress!, rows: rows, columns: columns, addingBias: nil, form: form)
        }
        biased.withUnsafeMutableBufferPointer { buffer in
            bias.withUnsafeBufferPointer {
                logisticsInPlace(
                    buffer.baseAddress!, rows: rows, columns: columns, addingBias: $0.baseAddress!, form: form)
            }
        }
        var violations = Violations()
        for index in values.indices {
            let x = values[index], z = x + bias[index % columns]
            violations.check(
                ulps(plain[index], sigmoid(x)) <= 4, "sigmoid(\(x)) = \(plain[index]), scalar \(sigmoid(x))")
            violations.check(
                ulps(biased[index], sigmoid(z)) <= 4, "sigmoid(\(z)) = \(biased[index]), scalar \(sigmoid(z))")
            violations.check(
                plain[index].isNaN || (plain[index] >= 0 && plain[index] <= 1),
                "sigmoid(\(x)) = \(plain[index]) outside [0, 1]")
        }
        violations.expectNone("sigmoid more than 4 ulps from the scalar one [avx2 \(avx2)]")
        var special: [Double] = [0, -0.0, .infinity, -.infinity, -800, 800, .nan]
        special.withUnsafeMutableBufferPointer {
            logisticsInPlace($0.baseAddress!, rows: 1, columns: $0.count, addingBias: nil, form: form)
        }
        #expect(special[0] == 0.5 && special[1] == 0.5 && special[2] == 1 && special[3] == 0)
        #expect(special[4] == Foundation.exp(-800.0) && special[5] == 1 && special[6].isNaN)
        // Below -709 the result is e^x itself (subnormal here), not a flush to zero.
        var tiny: [Double] = [-740]
        tiny.withUnsafeMutableBufferPointer {
            logisticsInPlace($0.baseAddress!, rows: 1, columns: 1, addingBias: nil, form: form)
        }
        #expect(tiny[0] > 0 && ulps(tiny[0], Foundation.exp(-740.0)) <= 1)
    }

    @Test("Float sigmoid with a bias agrees with the scalar Double sigmoid rounded", arguments: forms)
    func floatLogistic(form: VectorKernelForm) {
        let avx2 = form.usesAVX2
        let values: [Float] = stride(from: -60.0, through: 60.0, by: 0.0173).map(Float.init)
        let columns = 5, rows = values.count / columns
        let bias: [Float] = [0, 1, -1, 0.25, -20]
        var result = Array(values.prefix(rows * columns))
        result.withUnsafeMutableBufferPointer { buffer in
            bias.withUnsafeBufferPointer {
                logisticsInPlace(
                    buffer.baseAddress!, rows: rows, columns: columns, addingBias: $0.baseAddress!, form: form)
            }
        }
        var violations = Violations()
        for index in result.indices {
            let z = values[index] + bias[index % columns]
            let expected = Float(sigmoid(Double(z)))
            violations.check(
                Swift.abs(result[index] - expected) <= expected.ulp,
                "sigmoid(\(z)) = \(result[index]), expected \(expected)")
        }
        violations.expectNone("Float sigmoid off [avx2 \(avx2)]")
    }

    @Test("counts of zero and odd lengths leave the rest of the buffer alone", arguments: forms)
    func lengths(form: VectorKernelForm) {
        let single = exponentials([1], form: form)[0]
        #expect(ulps(single, Foundation.exp(1.0)) <= 1)
        for count in [0, 1, 2, 3, 5, 17] {
            var buffer = [Double](repeating: 1, count: 20)
            buffer.withUnsafeMutableBufferPointer { exponentialsInPlace($0.baseAddress!, count: count, form: form) }
            #expect(buffer.prefix(count).allSatisfy { $0 == single })
            #expect(buffer.dropFirst(count).allSatisfy { $0 == 1 })
        }
    }
}

@Suite struct ExtremeElementTests {
    /// The naive answer: nan if any element is nan, else the largest or smallest by comparison.
    static func naive<S: MatrixScalar>(_ values: [S], largest: Bool) -> S {
        if values.contains(where: \.isNaN) { return .nan }
        return values.dropFirst().reduce(values[0]) { largest ? ($1 > $0 ? $1 : $0) : ($1 < $0 ? $1 : $0) }
    }

    func check<S: MatrixScalar>(_: S.Type, form: VectorKernelForm) {
        var generator = TestGenerator(seed: 31)
        var failures = 0
        for count in [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000, 4099] {
            for position in [0, count / 2, count - 1] {
                for special in [S?.none, .nan, .infinity, -.infinity, 1e30, -1e30] {
                    var values = generator.matrix(S.self, rows: 1, columns: count).scalars
                    if let special { values[position] = special }
                    for largest in [true, false] {
                        let got = values.withUnsafeBufferPointer {
                            extremeElement($0.baseAddress!, count: count, largest: largest, form: form)
                        }
                        let expected = Self.naive(values, largest: largest)
                        if !(got == expected || (got.isNaN && expected.isNaN)) {
                            failures += 1
                            if failures <= 3 {
                                Issue.record(
                                    "\(S.self) count \(count) special \(String(describing: special)) at \(position) largest \(largest): \(got) vs \(expected) [\(form)]"
                                )
                            }
                        }
                    }
                }
            }
        }
        #expect(failures == 0)
    }

    @Test("max and min equal the naive loop, nan anywhere gives nan", arguments: VectorMathTests.forms)
    func matchesNaiveLoop(form: VectorKernelForm) {
        check(Float.self, form: form)
        check(Double.self, form: form)
    }

    @Test("Matrix.max and min use the kernel and agree with the axis forms")
    func matrixMaxMin() {
        let matrix: Matrix<Double> = [[3, -1, 7.5], [2, 9, -4]]
        #expect(matrix.max() == 9 && matrix.min() == -4)
        #expect(matrix.max(axis: 1).max() == matrix.max() && matrix.min(axis: 0).min() == matrix.min())
        #expect(Matrix<Float>([[1, .nan, 3]]).max().isNaN && Matrix<Float>([[1, .nan, 3]]).min().isNaN)
    }
}
