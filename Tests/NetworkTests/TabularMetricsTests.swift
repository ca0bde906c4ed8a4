import Foundation
import Network
import Tensor
import Testing

// The table metrics, fills and splits against scikit-learn and numpy (scripts/fixtures/tabular_fixtures.py).

private struct TabularFixture: Decodable {
    struct Classification: Decodable {
        let actual: [Int], predicted: [Int]
        let precision: [String], recall: [String], f1: [String], support: [Int]
        let macro: [String], weighted: [String], accuracy: String
    }
    struct Regression: Decodable {
        let targets: [String], predictions: [String], r2: String, rmse: String, mae: String
    }
    struct Fills: Decodable {
        let values: [String], mean: String, median: String, mostFrequent: String
    }
    struct Split: Decodable {
        let classes: [Int], fraction: Double, seed: UInt32, heldOut: [Int]
    }
    let classification: Classification
    let regression: Regression
    let fills: Fills
    let split: Split
}

@Suite struct TabularMetricsTests {
    private let fixture: TabularFixture = loadFixture("tabular_metrics")

    @Test func classificationReportMatchesScikitLearn() {
        let data = fixture.classification
        let report = ClassificationReport(
            ConfusionMatrix(actual: data.actual, predicted: data.predicted, classCount: 4))
        for index in 0..<4 {
            #expect(
                abs(report.classes[index].precision - parse(data.precision[index])) < 1e-15, "precision of \(index)")
            #expect(abs(report.classes[index].recall - parse(data.recall[index])) < 1e-15, "recall of \(index)")
            #expect(abs(report.classes[index].f1 - parse(data.f1[index])) < 1e-15, "f1 of \(index)")
            #expect(report.classes[index].support == data.support[index])
        }
        for (scores, expected) in [(report.macroAverage, data.macro), (report.weightedAverage, data.weighted)] {
            #expect(abs(scores.precision - parse(expected[0])) < 1e-15)
            #expect(abs(scores.recall - parse(expected[1])) < 1e-15)
            #expect(abs(scores.f1 - parse(expected[2])) < 1e-15)
            #expect(scores.support == data.actual.count)
        }
        #expect(abs(report.accuracy - parse(data.accuracy)) < 1e-15)
    }

    @Test func regressionScoresMatchScikitLearn() {
        let data = fixture.regression
        let targets = Matrix<Double>(rows: 25, columns: 2, scalars: data.targets.map(parse))
        let predictions = Matrix<Double>(rows: 25, columns: 2, scalars: data.predictions.map(parse))
        let scores = RegressionScores(predictions: predictions, targets: targets)
        #expect(abs(scores.r2 - parse(data.r2)) < 1e-13)
        #expect(abs(scores.rootMeanSquaredError - parse(data.rmse)) < 1e-13)
        #expect(abs(scores.meanAbsoluteError - parse(data.mae)) < 1e-13)
        // A perfect prediction of a constant column scores 1, as scikit-learn's r2_score does.
        let constant = Matrix<Double>.column([2, 2, 2])
        #expect(RegressionScores(predictions: constant, targets: constant).r2 == 1)
    }

    @Test func missingValueFillsMatchNumpy() {
        let values = fixture.fills.values.map { $0 == "nan" ? Double.nan : parse($0) }
        #expect(abs(MissingFill.mean(values)! - parse(fixture.fills.mean)) < 1e-15)
        #expect(MissingFill.median(values) == parse(fixture.fills.median))
        #expect(MissingFill.mostFrequent(values) == parse(fixture.fills.mostFrequent))
        #expect(MissingFill.mean([.nan]) == nil)
        #expect(MissingFill.mostFrequent(["b", nil, "a", "b", "a"]) == "a", "ties go to the first in sorted order")
    }

    @Test func stratifiedSplitMatchesNumpysPermutations() {
        let data = fixture.split
        let split = StratifiedSplit(
            rowCount: data.classes.count, fraction: data.fraction, classIndices: data.classes, seed: data.seed)
        #expect(split.heldOut == data.heldOut)
        #expect(
            Set(split.kept).union(split.heldOut) == Set(0..<data.classes.count)
                && Set(split.kept).isDisjoint(with: split.heldOut))
        // Without classes: round(fraction · n) rows, the same for the same seed, others for another.
        let plain = StratifiedSplit(rowCount: 50, fraction: 0.2, seed: 3)
        #expect(plain.heldOut.count == 10 && plain == StratifiedSplit(rowCount: 50, fraction: 0.2, seed: 3))
        #expect(plain != StratifiedSplit(rowCount: 50, fraction: 0.2, seed: 4))
    }

    @Test func targetTransformInvertsItself() {
        let targets = Matrix<Double>(rows: 4, columns: 2, scalars: [25, 1, 346, 2, 151, 3, 90, 5])
        let transform = ModelFile.InputTransform.standardizing(targets)
        let standardized = transform.apply(to: targets)
        #expect(abs(standardized.mean(axis: 0).scalars[0]) < 1e-12)
        let back = transform.invert(standardized)
        #expect(zip(back.scalars, targets.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
    }
}
