import Foundation
import Tensor

extension TrainingCheckpoint {
    /// The most epochs or optimizer steps a checkpoint may record: far beyond any real run, and small
    /// enough that the counts, and `Double` powers of them, stay exact and in range.
    static let largestCount = 1 << 52

    /// Checks every numeric field against its meaning and the counts against each other, throwing
    /// ``NetworkError/invalidCheckpoint(_:)`` with one line naming the field:
    ///
    /// - `stepCount` and `progress.epoch` are whole numbers from 0 to 2^52, and no more epochs than steps;
    /// - the history has one entry per epoch (`loss`, `learningRate`, each metric; validation series
    ///   empty or one per epoch), every value finite;
    /// - `baseLearningRate` is finite and positive, `weightDecay` finite and at least 0, the
    ///   optimizer's momentum and betas in [0, 1) and its epsilon positive, the schedule's factors positive;
    /// - the early-stopping record's epochs lie within the epochs done and its loss is finite;
    /// - every saved state, gradient and best weight is finite in the model's precision.
    func validateFields(path: String) throws(NetworkError) {
        func fail(_ field: String, _ problem: String) -> NetworkError {
            .invalidCheckpoint("\(path): field '\(field)' \(problem)")
        }
        guard (0...Self.largestCount).contains(stepCount) else {
            throw fail("stepCount", "is \(stepCount); it must be a whole number from 0 to 2^52")
        }
        let epochs = progress.epoch
        guard (0...Self.largestCount).contains(epochs) else {
            throw fail("progress.epoch", "is \(epochs); it must be a whole number from 0 to 2^52")
        }
        guard stepCount >= epochs else {
            throw fail(
                "stepCount",
                "is \(stepCount), fewer than the \(epochs) epochs done (each epoch takes at least one step)")
        }
        let history = progress.history
        func series(_ name: String, _ values: [Double], optional: Bool = false) throws(NetworkError) {
            guard values.count == epochs || (optional && values.isEmpty) else {
                throw fail("progress.history.\(name)", "has \(values.count) entries for the \(epochs) epochs done")
            }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("progress.history.\(name).\(bad)", "is \(values[bad]), not a finite number")
            }
        }
        try series("loss", history.loss)
        try series("learningRate", history.learningRate)
        try series("validationLoss", history.validationLoss, optional: true)
        for (metric, values) in history.metrics.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try series("metrics.\(metric.rawValue)", values)
        }
        for (metric, values) in history.validationMetrics.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try series("validationMetrics.\(metric.rawValue)", values, optional: true)
        }
        if let best = history.bestEpoch, !(0..<Swift.max(epochs, 1)).contains(best) {
            throw fail("progress.history.bestEpoch", "is \(best); it must be one of the \(epochs) epochs done")
        }
        guard baseLearningRate.isFinite && baseLearningRate > 0 else {
            throw fail("baseLearningRate", "is \(baseLearningRate); it must be a finite positive number")
        }
        guard weightDecay.isFinite && weightDecay >= 0 else {
            throw fail("weightDecay", "is \(weightDecay); it must be a finite number at least 0")
        }
        // Each update rule checks its own settings (momentum, betas, epsilon...).
        if let (field, problem) = optimizerKind.invalidSetting { throw fail("optimizerKind.\(field)", problem) }
        switch schedule {
        case .constant: break
        case .step(let every, let factor):
            guard every >= 1 else { throw fail("schedule.step.every", "is \(every); it must be at least 1") }
            guard factor.isFinite && factor > 0 else {
                throw fail("schedule.step.factor", "is \(factor); it must be a finite positive number")
            }
        case .exponential(let decay):
            guard decay.isFinite && decay > 0 else {
                throw fail("schedule.exponential.decay", "is \(decay); it must be a finite positive number")
            }
        }
        if let stopping = progress.earlyStopping {
            guard (0..<epochs).contains(stopping.bestEpoch) else {
                throw fail(
                    "progress.earlyStopping.bestEpoch",
                    "is \(stopping.bestEpoch); it must be one of the \(epochs) epochs done")
            }
            guard (0...(epochs - 1 - stopping.bestEpoch)).contains(stopping.epochsWithoutImprovement) else {
                throw fail(
                    "progress.earlyStopping.epochsWithoutImprovement",
                    "is \(stopping.epochsWithoutImprovement); it must be from 0 to the \(epochs - 1 - stopping.bestEpoch) epochs after the best"
                )
            }
            guard stopping.bestLoss.isFinite else {
                throw fail("progress.earlyStopping.bestLoss", "is \(stopping.bestLoss), not a finite number")
            }
        }
        let largest = model.scalarPrecision.largestFiniteMagnitude
        func checkFinite(_ matrices: [Matrix<Double>], _ field: String) throws(NetworkError) {
            for (index, matrix) in matrices.enumerated() {
                let finite = matrix.withUnsafeBufferPointer { buffer in buffer.allSatisfy { $0.magnitude <= largest } }
                if !finite {
                    throw fail("\(field).\(index)", "holds a value that is not a finite \(model.precision) number")
                }
            }
        }
        try checkFinite(gradients, "gradients")
        for (index, state) in optimizerState.enumerated() { try checkFinite(state, "optimizerState.\(index)") }
        try checkFinite(progress.earlyStopping?.bestWeights ?? [], "progress.earlyStopping.bestWeights")
    }
}
