import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs `nn` with `arguments` in `folder` under a file-size limit of zero blocks (SIGXFSZ ignored, so a
/// write past the limit fails with EFBIG instead of killing the process).
func runWithoutFileSpace(_ arguments: [String], in folder: URL) throws -> CommandResult {
    try Executable.run(
        ["-c", "trap '' XFSZ; ulimit -f 0; exec \"$0\" \"$@\"", Executable.path(of: "nn")] + arguments, in: folder,
        executable: "/bin/sh")
}

/// The process id of a process that has ended (a `/bin/true` that was waited for).
func deadProcessIdentifier() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}

/// Issue 19's output defects: every output goes through the one atomic writer, so a failed write keeps
/// the previous file, errors are in words, and temporaries of killed runs are removed.
@Suite struct AtomicOutputTests {
    @Test(arguments: ["p.npy", "p.csv"])
    func predictOutputSurvivesAFailedWrite(_ output: String) throws {
        let folder = try catalogFolder()
        let made = try Executable.run(
            ["predict", "--model", "model.json", "--data", "good.csv", "--target", "label", "--output", output], in: folder)
        #expect(made.status == 0, "\(made.standardError)")
        let before = try bytes(output, in: folder)
        let failed = try runWithoutFileSpace(
            ["predict", "--model", "model.json", "--data", "good.csv", "--target", "label", "--output", output], in: folder)
        #expect(failed.status == 1 && !failed.crashed, "\(failed.standardError)")
        #expect(failed.standardError.contains("File too large"), "\(failed.standardError)")
        #expect(!failed.standardError.contains("NSCocoaErrorDomain"), "\(failed.standardError)")
        #expect(try bytes(output, in: folder) == before, "a failed predict changed \(output)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func exportRemovesTemporariesOfKilledRuns() throws {
        let folder = try catalogFolder()
        let stale = ".weights.npz.\(try deadProcessIdentifier()).tmp"
        try Data("partial".utf8).write(to: folder.appendingPathComponent(stale))
        let exported = try Executable.run(["export", "--model", "model.json", "--output", "weights.npz"], in: folder)
        #expect(exported.status == 0, "\(exported.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent(stale).path), "\(stale) was left")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("weights.npz").path))
    }

    @Test func exportSurvivesAFailedWrite() throws {
        let folder = try catalogFolder()
        let made = try Executable.run(["export", "--model", "model.json", "--output", "weights.npz"], in: folder)
        #expect(made.status == 0, "\(made.standardError)")
        let before = try bytes("weights.npz", in: folder)
        let failed = try runWithoutFileSpace(["export", "--model", "model.json", "--output", "weights.npz"], in: folder)
        #expect(failed.status == 1 && !failed.crashed, "\(failed.standardError)")
        #expect(try bytes("weights.npz", in: folder) == before)
    }
}
