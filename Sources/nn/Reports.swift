import Foundation
import Network
import Tensor

/// A model's score on labelled data: the loss, and accuracy with a per-class report for a
/// classifier, or R², RMSE and MAE in target units for a regressor.
struct Score: Encodable {
    /// The number of samples scored.
    var count: Int
    /// The loss, as training measures it (for standardized targets, in standardized units).
    var loss: Double
    /// The fraction classified right (classifiers).
    var accuracy: Double?
    /// R², RMSE and MAE in target units (regressors).
    var regression: RegressionScores?
    /// Per-class precision, recall, F1 and support (classifiers).
    var report: ClassificationReport?
    /// The class names of the report's rows.
    var classNames: [String]?
    /// `confusion[actual][predicted]` (classifiers).
    var confusion: [[Int]]?

    /// Scores `network` on `inputs` (already scaled) against `targets` (as prepared for the loss,
    /// standardized when `targetTransform` is set), `batchSize` rows at a time; `model` names the model
    /// in the error for outputs that overflow its precision.
    static func measure<Scalar: MatrixScalar>(
        network: Sequential<Scalar>, inputs: Matrix<Scalar>, targets: PreparedTargets<Scalar>, loss: Loss,
        targetTransform: ModelFile.InputTransform?, model: String, batchSize: Int = InferenceOptions.largestDefaultBatch
    ) throws -> Score {
        let outputs = try network.predict(inputs, batchSize: batchSize)
        try checkFinite(outputs, what: "outputs", model: model, inputs: inputs)
        let evaluation = try network.evaluate(inputs, targets.targets, loss: loss, metrics: [], batchSize: batchSize)
        var score = Score(count: inputs.rows, loss: evaluation.loss)
        if let classNames = targets.classNames, targets.measuresAccuracy {
            let predicted = loss.classIndices(fromOutputs: outputs, finalActivation: network.finalActivation)
            let actual = loss.classIndices(fromOutputs: targets.targets, finalActivation: .sigmoid)
            let confusion = ConfusionMatrix(actual: actual, predicted: predicted, classCount: max(classNames.count, 2))
            let report = ClassificationReport(confusion)
            score.accuracy = report.accuracy
            score.report = report
            score.classNames = classNames
            score.confusion = confusion.counts
        } else {
            let predictions = loss.predictions(fromOutputs: outputs, finalActivation: network.finalActivation)
            let actual = targetTransform?.invert(targets.targets) ?? targets.targets
            let predicted = targetTransform?.invert(predictions) ?? predictions
            try checkFinite(predicted, what: "predictions in target units", model: model)
            score.regression = RegressionScores(predictions: predicted, targets: actual)
        }
        return score
    }

    /// The report as scikit-learn's `classification_report` prints it.
    func reportLines() -> [String] {
        guard let report, let classNames else { return [] }
        let width = max(12, (classNames.map(\.count).max() ?? 0) + 2)
        func pad(_ text: String, _ count: Int) -> String {
            String(repeating: " ", count: max(0, count - text.count)) + text
        }
        func row(_ name: String, _ scores: ClassificationReport.Scores) -> String {
            pad(name, width) + pad(fixed(scores.precision, 2), 11) + pad(fixed(scores.recall, 2), 10)
                + pad(fixed(scores.f1, 2), 10)
                + pad(String(scores.support), 10)
        }
        var lines = [
            pad("", width) + pad("precision", 11) + pad("recall", 10) + pad("f1-score", 10) + pad("support", 10), "",
        ]
        for (index, scores) in report.classes.enumerated() {
            lines.append(row(index < classNames.count ? classNames[index] : String(index), scores))
        }
        lines.append("")
        lines.append(
            pad("accuracy", width) + pad("", 21) + pad(fixed(report.accuracy, 2), 10)
                + pad(String(report.macroAverage.support), 10))
        lines.append(row("macro avg", report.macroAverage))
        lines.append(row("weighted avg", report.weightedAverage))
        return lines
    }
}

/// `nn train --json`: the run's summary.
struct TrainSummary: Encodable {
    var task: String
    var target: String?
    var classes: [String]?
    var features: [String]?
    var network: String
    var loss: String
    var optimizer: String
    var learningRate: Double
    var batchSize: Int
    var trainingSamples: Int
    var validationSamples: Int
    var testSamples: Int
    /// The epochs run in all (a resumed run's included).
    var epochs: Int
    var stoppedEarly: Bool
    /// The epoch whose weights the model holds (the saved model), with its scores.
    var keptEpoch: EpochNumbers
    /// The last epoch run, with its scores (the same as keptEpoch unless early stopping kept an earlier one).
    var lastEpoch: EpochNumbers
    var seconds: Double
    var test: Score?
    var inputScaling: String
    /// The one-hot inputs that `inputScaling` left 0 and 1; absent when none was (no scaling, no text column).
    var oneHotInputsLeftUnscaled: Int?
    var targetScaling: String
    var saved: String?
    /// Every setting of the run, with where it came from.
    var settings: [String: RunSetting]
    /// OpenBLAS's thread count, where it came from and the step's multiply-adds the thread rule goes by.
    var threads: ThreadChoice?
}

/// `value` as sorted, pretty-printed JSON; a nan or infinite number is written as the string `"nan"`, `"inf"` or
/// `"-inf"` (JSON has no such numbers; Python's `float()` reads these strings back).
func jsonText<Value: Encodable>(_ value: Value) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
