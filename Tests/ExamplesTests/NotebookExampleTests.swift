import Examples
import Foundation
import Testing

/// The examples print the seeded notebooks' numbers: checked against numpy running each notebook's
/// own loop (scripts/fixtures/notebook_fixtures.py), to 1e-12 relative.
@Suite struct NotebookExampleTests {
    static let fixtures: [String: [String: [String]]] = {
        let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(
            "notebooks.json")
        return try! JSONDecoder().decode([String: [String: [String]]].self, from: Data(contentsOf: url))
    }()

    static func expected(_ notebook: String, _ name: String) -> [Double] {
        fixtures[notebook]![name]!.map { Double(hexadecimal: $0) }
    }

    func run(_ name: String) throws -> (result: ExampleResult, text: String) {
        var lines: [String] = []
        let result = try NotebookExample.named(name)!.run { lines.append($0) }
        return (result, lines.joined(separator: "\n"))
    }

    func expectClose(_ actual: [Double]?, _ expected: [Double], relative: Double = 1e-12, _ what: String) {
        guard let actual else {
            Issue.record("\(what): missing")
            return
        }
        #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)")
        for (index, (a, e)) in zip(actual, expected).enumerated() {
            #expect(Swift.abs(a - e) <= relative * Swift.abs(e), "\(what)[\(index)]: \(a) vs numpy \(e)")
        }
    }

    @Test func notebook000MatchesNumpy() throws {
        let (result, text) = try run("000")
        #expect(
            result.values["weights0"] == Self.expected("000", "weights0"), "weights0 must equal numpy's bit for bit")
        #expect(result.values["weights1"] == Self.expected("000", "weights1"))
        expectClose(result.values["meanAbsoluteError"], Self.expected("000", "meanAbsoluteError"), "mean |error|")
        // The notebook's own printout, as shown in the seed file.
        #expect(text.contains("array([[-0.16595599,  0.44064899, -0.99977125, -0.39533485],"))
        #expect(text.contains("array([[0.44856632, 0.51939863, 0.45968497, 0.59156505],"))
        #expect(text.contains("array([[-0.11810546],"))
        #expect(text.contains("array([[-0.00103683, -0.00496476, -0.00375422, -0.00155545],"))
        let notebook = [
            0.4964100319027255, 0.008584525653247157, 0.005789459862507806,
            0.004629176776769983, 0.003958765280273646, 0.0035101225678616736,
        ]
        expectClose(result.values["meanAbsoluteError"], notebook, "mean |error| against the notebook's printout")
    }

    @Test func notebook001MatchesNumpy() throws {
        let (result, _) = try run("001")
        let losses001 = try #require(result.values["loss"])
        expectClose(
            [0, 1, 2, 10, 100].map { losses001[$0] }, Self.expected("001", "lossAtEpochs0_1_2_10_100"),
            "early loss trajectory")
        expectClose(result.values["leastSquaresSolution"], [2, 1, -3], relative: 1e-10, "least-squares plane")
        let losses = try #require(result.values["loss"])
        #expect(losses.last! < losses.first! / 1.5, "training must reduce the loss: \(losses.first!) → \(losses.last!)")
    }

    @Test func notebook002MatchesNumpy() throws {
        let (result, text) = try run("002")
        #expect(result.values["W1"] == Self.expected("002", "W1"), "initial W1 must equal numpy's bit for bit")
        #expect(result.values["W2"] == Self.expected("002", "W2"))
        expectClose(result.values["lossEvery1000"], Self.expected("002", "lossEvery1000"), "MSE trajectory")
        expectClose(result.values["finalW1"], Self.expected("002", "finalW1"), "final W1")
        expectClose(result.values["finalW2"], Self.expected("002", "finalW2"), "final W2")
        let stuckLoss = try #require(result.values["loss"]?.last)
        #expect(Swift.abs(stuckLoss - 0.25) < 0.01, "the notebook's settings stay near 0.25, got \(stuckLoss)")
        let learned = try #require(result.values["learnedOutputs"])
        for (value, target) in zip(learned, [0.0, 1, 1, 0]) {
            #expect(Swift.abs(value - target) < 0.2, "the learning settings must solve XOR: \(learned)")
        }
        #expect(text.contains("nn train --dataset notebook-002"))
    }

    @Test func notebook003MatchesNumpy() throws {
        let (result, text) = try run("003")
        for stage in ["Initial", "Final"] {
            for name in ["hidden weights", "hidden bias", "output weights", "output bias"] {
                let key = "\(stage) \(name)"
                if stage == "Initial" {
                    #expect(result.values[key] == Self.expected("003", key), "\(key) must equal numpy's bit for bit")
                } else {
                    expectClose(result.values[key], Self.expected("003", key), key)
                }
            }
        }
        #expect(text.contains("Initial hidden weights: [[0.91687358 0.58854191]"))
    }

    @Test func notebook004ClassifiesXOR() throws {
        let (result, _) = try run("004")
        let outputs = try #require(result.values["output"])
        for (value, target) in zip(outputs, [0.0, 1, 1, 0]) {
            #expect(Swift.abs(value - target) < 0.1, "outputs \(outputs) must classify XOR as the notebook's do")
        }
    }

    @Test func everyExampleHasACommandLineAndSummary() {
        #expect(NotebookExample.all.map(\.name) == ["000", "001", "002", "003", "004"])
        for example in NotebookExample.all {
            #expect(example.commandLine.hasPrefix("nn train --dataset notebook-\(example.name)"))
            #expect(!example.summary.isEmpty)
        }
        #expect(NotebookExample.named("notebook-003")?.name == "003")
        #expect(NotebookExample.named("3")?.name == "003")
        #expect(NotebookExample.named("999") == nil)
    }
}

extension Double {
    /// Parses Python's `float.hex()` form, such as `-0x1.5p-3`.
    init(hexadecimal text: String) {
        self = Double(text)!
    }
}
