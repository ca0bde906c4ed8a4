import Foundation
import Testing

/// Runs the built `nn` executable (from the same build folder as the test bundle) and captures its output.
struct CommandResult {
    let status: Int32
    let standardOutput: String
    let standardError: String
    /// Whether the process ended through a signal (a crash) rather than exiting.
    let crashed: Bool
}

enum Executable {
    /// The `nn` binary next to the test bundle.
    static var url: URL { url(named: "nn") }

    /// A binary of this package (`nn`, `gemm-bench`, `train-bench`) next to the test bundle.
    static func url(named name: String) -> URL {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        let buildFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build")
        for configuration in ["release", "debug"] {
            let candidate = buildFolder.appendingPathComponent(configuration).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        fatalError("the \(name) executable was not found next to \(Bundle.main.bundleURL.path); build it first")
    }

    /// The path of a binary of this package.
    static func path(of name: String) -> String { url(named: name).path }

    /// Runs `nn` (or another of the package's binaries, or an absolute path) with `arguments`, in
    /// `directory` if given, with standard input closed.
    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:], executable: String = "nn"
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable.hasPrefix("/") ? URL(fileURLWithPath: executable) : url(named: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Standard error is drained on another thread while standard output is read here, so that a
        // child filling one pipe never waits on a reader busy with the other.
        let errorBox = DataBox()
        let errorRead = DispatchGroup()
        let errorHandle = error.fileHandleForReading
        DispatchQueue.global().async(group: errorRead) { errorBox.data = errorHandle.readDataToEndOfFile() }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        errorRead.wait()
        let errorData = errorBox.data
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self),
            crashed: process.terminationReason == .uncaughtSignal)
    }
}

/// Bytes handed from the thread that read them to the one that waits for it (the DispatchGroup orders the two).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
