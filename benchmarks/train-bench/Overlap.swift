// train-bench overlap: what running a dense layer's two backward products side by side buys. For each layer
// shape, at each thread count: the input-gradient product ∂Z·Wᵀ and the weight-gradient product Xᵀ·∂Z (with
// momentum's beta) one after the other, as the sequential backward pass runs them, and side by side on the
// kernel pool (`KernelPool.runSideBySide`, what `Dense` does where `ThreadRule.overlapsProducts` says so). The
// hand-off cost is the side-by-side time minus the slower product's time alone, also in multiply-adds' time
// at the single-threaded rate of the same products (ThreadRule.overlapHandOffCost was fitted from it). Only
// products that OpenBLAS runs single-threaded (at most 262,144 multiply-adds) are paired: a threaded product
// started on an OpenBLAS worker would wait for workers that are busy (benchmarks/overlap/ times larger pairs
// from threads of its own).
import ArgumentParser
import Foundation
import Network
import Tensor

struct OverlapBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlap",
        abstract: "Time a dense layer's two backward products one after the other and side by side.")

    @Option(help: "OpenBLAS thread counts to run with, comma-separated.")
    var threads: String = "2"

    @Option(help: "Layer shapes as rows×inputs×outputs, comma-separated.")
    var shapes: String = "16x128x10,32x128x10,64x128x10,128x128x10,128x64x32,64x64x64"

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    struct Row: Codable {
        var rows: Int, inputs: Int, outputs: Int, threads: Int
        /// Multiply-adds of each of the two products.
        var multiplyAdds: Int
        /// Median seconds: the input-gradient product alone, the weight-gradient product alone, both one after the
        /// other, both side by side.
        var inputGradientSeconds: Double, weightGradientSeconds: Double, sequentialSeconds: Double
        var sideBySideSeconds: Double
        /// Side by side minus the slower product alone, in seconds and in multiply-adds' time.
        var handOffSeconds: Double, handOffMultiplyAdds: Double
        /// What the rule decides for this pair at this thread count.
        var ruleOverlaps: Bool
    }

    func run() throws {
        var results: [Row] = []
        print(
            "overlap: OpenBLAS \(BLASLibrary.coreName) kernels, \(Processor.current.usableCoreCount) usable cores, float"
        )
        for threadCount in threads.split(separator: ",").compactMap({ Int($0) }) {
            BLASLibrary.threadCount = threadCount
            for shape in shapes.split(separator: ",") {
                let sizes = shape.split(separator: "x").compactMap { Int($0) }
                guard sizes.count == 3 else { throw ValidationError("shape '\(shape)': expected rows×inputs×outputs") }
                guard sizes[0] * sizes[1] * sizes[2] <= ThreadRule.singleThreadedProductLimit else {
                    throw ValidationError(
                        "shape '\(shape)': \(sizes[0] * sizes[1] * sizes[2]) multiply-adds; only products of at most \(ThreadRule.singleThreadedProductLimit), which OpenBLAS runs single-threaded, can be paired"
                    )
                }
                results.append(measure(rows: sizes[0], inputs: sizes[1], outputs: sizes[2], threads: threadCount))
                let row = results[results.count - 1]
                print(
                    String(
                        format:
                            "%4d×%4d→%4d, %d thread(s), %7d multiply-adds each: ∂X %.1f µs, ∂W %.1f µs, one after the other %.1f µs, side by side %.1f µs (%.2f×); hand-off %.1f µs = %.0f multiply-adds; rule: %@",
                        row.rows, row.inputs, row.outputs, row.threads, row.multiplyAdds,
                        row.inputGradientSeconds * 1e6,
                        row.weightGradientSeconds * 1e6, row.sequentialSeconds * 1e6, row.sideBySideSeconds * 1e6,
                        row.sideBySideSeconds / row.sequentialSeconds, row.handOffSeconds * 1e6,
                        row.handOffMultiplyAdds, row.ruleOverlaps ? "side by side" : "one after the other"))
                fflush(nil)
            }
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
        }
    }

    func measure(rows: Int, inputs: Int, outputs: Int, threads: Int) -> Row {
        func buffer(_ count: Int, _ seed: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            for index in 0..<count { pointer[index] = Float((index * seed) % 1000) / 1000 - 0.5 }
            return pointer
        }
        let x = buffer(rows * inputs, 7919), w = buffer(inputs * outputs, 104_729), dz = buffer(rows * outputs, 31)
        let dx = buffer(rows * inputs, 1), dw = buffer(inputs * outputs, 1)
        defer { for pointer in [x, w, dz, dx, dw] { pointer.deallocate() } }
        let gradient = StridedView(dz, rows: rows, columns: outputs)
        func inputGradient() {
            StridedView.multiply(
                gradient, transposed: false, StridedView(w, rows: inputs, columns: outputs), transposed: true,
                into: StridedView(dx, rows: rows, columns: inputs))
        }
        func weightGradient() {
            StridedView.multiply(
                StridedView(reading: x, rows: rows, columns: inputs), transposed: true, gradient, transposed: false,
                beta: 0.9, into: StridedView(dw, rows: inputs, columns: outputs))
        }
        let alone = (
            input: SubnormalBenchmark.medianSeconds(inputGradient),
            weight: SubnormalBenchmark.medianSeconds(weightGradient)
        )
        let sequential = SubnormalBenchmark.medianSeconds {
            inputGradient()
            weightGradient()
        }
        let sideBySide = SubnormalBenchmark.medianSeconds {
            KernelPool.shared.runSideBySide(inputGradient, weightGradient)
        }
        let work = rows * inputs * outputs
        let handOff = sideBySide - max(alone.input, alone.weight)
        return Row(
            rows: rows, inputs: inputs, outputs: outputs, threads: threads, multiplyAdds: work,
            inputGradientSeconds: alone.input, weightGradientSeconds: alone.weight, sequentialSeconds: sequential,
            sideBySideSeconds: sideBySide, handOffSeconds: handOff,
            handOffMultiplyAdds: handOff / ((alone.input + alone.weight) / Double(2 * work)),
            ruleOverlaps: ThreadRule.overlapsProducts(work, work, threads: threads))
    }
}
