// Times saving and loading a float model of a given size, with the peak resident memory of each step
// (issue 19 item 2: a 100M-parameter model must save and load at disk speed with peak memory under
// 1.5x its weights' bytes). Run through benchmarks/model-file.sh, which also reports /usr/bin/time -v.
//
//   model-file-bench save PARAMETERS PATH     builds a one-layer float network (1,000 inputs) and saves it
//   model-file-bench load PATH                reads it back into a network (ModelFile.readNetwork)
import Foundation
import Network
import Tensor

/// A line of /proc/self/status (`VmRSS`, `VmHWM`) in bytes.
func statusBytes(_ key: String) -> Double {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key + ":") }),
        let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
    else { return .nan }
    return kibibytes * 1024
}

/// Resets the peak resident size (`VmHWM`) to the current one (Linux 4.0 and later).
func resetPeak() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

func mebibytes(_ bytes: Double) -> String { String(format: "%.0f MiB", bytes / 1_048_576) }

let arguments = CommandLine.arguments
guard arguments.count >= 3, ["save", "load"].contains(arguments[1]) else {
    print("usage: model-file-bench save PARAMETERS PATH | load PATH")
    exit(64)
}
if arguments[1] == "save" {
    let parameters = Int(arguments[2])!
    let path = arguments[3]
    let outputs = parameters / 1000
    let network = Sequential<Float>([
        Dense(inputSize: 1000, outputSize: outputs, bias: false, weightInitializer: .zeros)
    ])
    let weightBytes = Double(1000 * outputs * 4)
    let before = statusBytes("VmRSS")
    resetPeak()
    let start = Date()
    try network.save(to: path, loss: .meanSquaredError)
    let seconds = Date().timeIntervalSince(start)
    let peak = statusBytes("VmHWM")
    print(
        String(
            format:
                "save %d parameters: %.3f s (%.0f MB/s); resident before %@, peak during the save %@ (+%@ = %.2fx the weights' %@)",
            1000 * outputs, seconds, weightBytes / seconds / 1e6, mebibytes(before), mebibytes(peak),
            mebibytes(peak - before),
            (peak - before) / weightBytes, mebibytes(weightBytes)))
} else {
    let path = arguments[2]
    let before = statusBytes("VmRSS")
    resetPeak()
    let start = Date()
    let (file, network) = try ModelFile.readNetwork(from: path, as: Float.self)
    let seconds = Date().timeIntervalSince(start)
    let peak = statusBytes("VmHWM")
    let parameters = network.parameters.reduce(0) { $0 + $1.count }
    let weightBytes = Double(parameters * 4)
    print(
        String(
            format:
                "load %d parameters (%@ layers): %.3f s (%.0f MB/s); resident before %@, peak %@ (%.2fx the weights' %@ above the start)",
            parameters, String(file.layers.count), seconds, weightBytes / seconds / 1e6, mebibytes(before),
            mebibytes(peak),
            (peak - before) / weightBytes, mebibytes(weightBytes)))
}
