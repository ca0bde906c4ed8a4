import Foundation
import Network
import Tensor
import Testing

// Loss values and gradients against numpy's formulas (scripts/fixtures/network_fixtures.py), in Float
// and Double, including extreme logits for softmax cross-entropy and probabilities of exactly 0 and 1
// for binary cross-entropy.

struct LossFixture: Decodable, Sendable, CustomStringConvertible {
    let name: String
    let loss: String
    let finalActivation: String
    let predictions: FixtureMatrix
    let targets: FixtureMatrix
    let value: String
    let gradient: FixtureMatrix

    var description: String { name }
}

let lossFixtures = loadFixture("network_losses", as: [String: [LossFixture]].self)["cases"]!

@Suite("Losses")
struct LossTests {
    @Test("value and gradient equal numpy's", arguments: lossFixtures)
    func matchesNumpy(_ fixture: LossFixture) {
        check(fixture, Double.self)
        check(fixture, Float.self)
    }

    func check<S: MatrixScalar>(_ fixture: LossFixture, _: S.Type) {
        let loss = Loss(rawValue: fixture.loss)!
        let activation = Activation(rawValue: fixture.finalActivation)!
        let predictions: Matrix<S> = fixture.predictions.matrix()
        let targets: Matrix<S> = fixture.targets.matrix()
        var gradient = Matrix<S>.zeros(rows: predictions.rows, columns: predictions.columns)
        let value = loss.valueAndGradient(
            predictions: predictions, targets: targets, gradient: &gradient, finalActivation: activation)
        #expect(value.isFinite && gradient.isFinite, "\(fixture.name) (\(S.self)): \(value), \(gradient.scalars)")
        // Float: the fused BCE case clips at 1 - 1e-7, which Float rounds to 1 - 1.19e-7.
        let tolerance = S.self == Double.self ? 1e-13 : (fixture.name.contains("saturated") ? 0.1 : 1e-5)
        expectClose(Double(value), parse(fixture.value), tolerance: tolerance, "\(fixture.name) (\(S.self)) value")
        expectClose(
            Matrix<Double>(gradient), fixture.gradient.matrix(Double.self),
            tolerance: S.self == Double.self ? 1e-13 : 1e-5,
            floor: 1e-6, "\(fixture.name) (\(S.self)) gradient")
        if activation == .identity || !loss.fuses(with: activation) {
            // `value(predictions:targets:)` gives the same number without fusing.
            if loss != .binaryCrossEntropy || activation == .identity {
                #expect(loss.value(predictions: predictions, targets: targets) == value)
            }
        }
    }

    @Test("softmax cross-entropy on logits of ±1000 stays finite and equals the log-sum-exp form")
    func extremeLogits() {
        let logits: Matrix<Double> = [[1000, -1000, 0], [-1000, -1000, 1000]]
        let targets: Matrix<Double> = [[1, 0, 0], [0, 0, 1]]
        var gradient = Matrix<Double>.zeros(rows: 2, columns: 3)
        let value = Loss.softmaxCrossEntropy.valueAndGradient(
            predictions: logits, targets: targets, gradient: &gradient, finalActivation: .identity)
        // Both rows predict their target with probability 1 - e^-1000: the loss is 0 (to rounding).
        #expect(value == 0)
        #expect(gradient.scalars.allSatisfy { $0.isFinite && Swift.abs($0) < 1e-300 || $0 == 0 })
        // Softmax itself does not overflow either.
        let probabilities = softmax(logits)
        #expect(probabilities == [[1, 0, 0], [0, 0, 1]])
        let floatProbabilities = softmax(Matrix<Float>(logits))
        #expect(floatProbabilities == [[1, 0, 0], [0, 0, 1]])
    }

    @Test(
        "binary cross-entropy on probabilities of exactly 0 and 1 is finite (clipped at 1e-7)",
        arguments: [false, true])
    func saturatedProbabilities(fused: Bool) {
        let probabilities: Matrix<Double> = [[0, 1, 0, 1]]
        let targets: Matrix<Double> = [[0, 1, 1, 0]]
        var gradient = Matrix<Double>.zeros(rows: 1, columns: 4)
        let value = Loss.binaryCrossEntropy.valueAndGradient(
            predictions: probabilities, targets: targets, gradient: &gradient,
            finalActivation: fused ? .sigmoid : .identity)
        // Two right answers cost -log(1 - 1e-7) each, two wrong ones -log(1e-7) each; mean over 4.
        let expected = (-2 * log(1 - 1e-7) - 2 * log(1e-7)) / 4
        expectClose(value, expected, tolerance: 1e-9, "value")  // 1 - (1 - 1e-7) is not exactly 1e-7
        #expect(gradient.isFinite)
        if fused { #expect(gradient == [[0, 0, -0.25, 0.25]]) }
    }

    @Test("mean squared error, half and full sums of squares relate as their definitions say")
    func squaredErrorFamily() {
        let predictions: Matrix<Double> = uniformMatrix(rows: 4, columns: 3, seed: 5)
        let targets: Matrix<Double> = uniformMatrix(rows: 4, columns: 3, seed: 6)
        let mean = Loss.meanSquaredError.value(predictions: predictions, targets: targets)
        let half = Loss.halfSumSquaredError.value(predictions: predictions, targets: targets)
        let sum = Loss.sumSquaredError.value(predictions: predictions, targets: targets)
        expectClose(sum, 2 * half, tolerance: 1e-15)
        expectClose(sum, 12 * mean, tolerance: 1e-14)
        var gradient = Matrix<Double>.zeros(rows: 4, columns: 3)
        _ = Loss.halfSumSquaredError.valueAndGradient(
            predictions: predictions, targets: targets, gradient: &gradient, finalActivation: .identity)
        #expect(gradient == predictions - targets)
    }

    @Test("predictions from outputs: softmax of logits only for softmax cross-entropy on identity")
    func predictionsFromOutputs() {
        let outputs: Matrix<Double> = [[1, 2, 3]]
        #expect(
            Loss.softmaxCrossEntropy.predictions(fromOutputs: outputs, finalActivation: .identity) == softmax(outputs))
        #expect(Loss.softmaxCrossEntropy.predictions(fromOutputs: outputs, finalActivation: .softmax) == outputs)
        #expect(Loss.meanSquaredError.predictions(fromOutputs: outputs, finalActivation: .identity) == outputs)
        #expect(Loss.binaryCrossEntropy.fuses(with: .sigmoid) && Loss.softmaxCrossEntropy.fuses(with: .softmax))
        #expect(!Loss.binaryCrossEntropy.fuses(with: .softmax) && !Loss.softmaxCrossEntropy.fuses(with: .identity))
    }
}
