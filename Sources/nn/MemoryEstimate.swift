import Foundation

/// How much memory a training run will allocate, estimated before anything is allocated, and how
/// much the machine has: a run that cannot fit is refused with both figures (unless `--force`)
/// instead of aborting in the middle of an allocation.
enum MemoryEstimate {
    /// The bytes `nn train` allocates for a network of layer `widths` (input, then each layer's
    /// output) holding `parameterCounts` trainable scalars per layer: the parameters' values and
    /// gradient buffers, the optimizer's state (`stateSlots` copies), the largest layer's initial
    /// draw (drawn in `Double`, then rounded), and the workspaces (each layer's outputs and gradients
    /// at `batchSize` rows, the gathered batch, and the evaluation's at `max(batchSize, 256)` rows, as
    /// `fit` evaluates, but no more than the `sampleCount` rows there are, and each convolution's
    /// `unrolledScalars`, one image's unrolled windows, at least).
    static func trainingBytes(
        widths: [Int], parameterCounts: [Int], unrolledScalars: [Int], scalarSize: Int, stateSlots: Int,
        batchSize: Int, sampleCount: Int
    ) -> Double {
        let parameters = parameterCounts.reduce(0.0) { $0 + Double($1) }
        let largestLayer = Double(parameterCounts.max() ?? 0)
        let width = widths.reduce(0.0) { $0 + Double($1) }
        let evaluationRows = Double(Swift.min(Swift.max(batchSize, 256), Swift.max(sampleCount, batchSize)))
        let workspaces =
            (2 * Double(batchSize) + 2 * evaluationRows) * width + unrolledScalars.reduce(0.0) { $0 + Double($1) }
        let scalars = parameters * Double(2 + stateSlots) + largestLayer + workspaces
        return scalars * Double(scalarSize) + largestLayer * 8
    }

    /// The bytes a forward pass of `rows` rows through a network of layer `widths` (input, hidden...,
    /// output) allocates: the execution plan's workspace, which holds the batch's inputs and targets and
    /// each layer's outputs and gradients (`nn predict` and `nn evaluate`).
    static func inferenceBytes(widths: [Int], scalarSize: Int, rows: Int) -> Double {
        let layers = widths.dropFirst().reduce(0.0) { $0 + Double($1) }
        let perRow = Double(widths.first ?? 0) + Double(widths.last ?? 0) + 2 * layers
        return perRow * Double(rows) * Double(scalarSize)
    }

    /// The memory this process may still use, in bytes, and where the figure comes from: the smallest
    /// of `/proc/meminfo`'s MemAvailable, the cgroup's limit less its usage, and the address-space
    /// limit (`ulimit -v`) less the address space the process already maps (`VmSize`); `nil` when none
    /// is known. The environment variable `NN_AVAILABLE_MEMORY` (bytes) replaces them all, for tests.
    static func available() -> (bytes: Double, source: String)? {
        if let text = ProcessInfo.processInfo.environment["NN_AVAILABLE_MEMORY"], let bytes = Double(text) {
            return (bytes, "NN_AVAILABLE_MEMORY")
        }
        var best: (bytes: Double, source: String)? = nil
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
            let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        {
            best = (kibibytes * 1024, "MemAvailable")
        }
        // cgroup v2, then v1.
        let limits = [
            ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
        ]
        for (limitPath, usagePath) in limits {
            guard let limitText = try? String(contentsOfFile: limitPath, encoding: .utf8),
                let limit = Double(limitText.trimmingCharacters(in: .whitespacesAndNewlines)), limit < 1e18
            else { continue }
            let usage =
                (try? String(contentsOfFile: usagePath, encoding: .utf8))
                .flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            let room = Swift.max(0, limit - usage)
            if best == nil || room < best!.bytes { best = (room, "the cgroup memory limit") }
            break
        }
        if let limit = KernelSwitch.addressSpaceLimit,
            let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmSize:") }),
            let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        {
            let room = Swift.max(0, Double(limit) - kibibytes * 1024)
            if best == nil || room < best!.bytes { best = (room, "the address-space limit, ulimit -v") }
        }
        return best
    }

    /// A byte count in words: `3.2 GiB`, `512 MiB`.
    static func describe(_ bytes: Double) -> String {
        bytes >= Double(1 << 30)
            ? String(format: "%.1f GiB", bytes / Double(1 << 30)) : String(format: "%.0f MiB", bytes / Double(1 << 20))
    }

    /// Throws when `estimate` bytes exceed what is available (unless `force`); `remedy` says what
    /// would make it smaller.
    static func check(
        estimate: Double, force: Bool, what: String, remedy: String = "choose smaller --layers or --batch-size"
    ) throws {
        guard !force, let (available, source) = available(), estimate > available else { return }
        throw CommandError.invalidOption(
            "\(what) needs about \(describe(estimate)) of memory but \(describe(available)) is available (\(source)); "
                + "\(remedy), or pass --force to try anyway")
    }
}
