import Foundation
import Testing

/// `nn doctor` and the re-execution with OPENBLAS_CORETYPE when OpenBLAS fell back to older kernels.
/// A fallback is simulated: NN_TEST_BLAS_CORE=Prescott pretends OpenBLAS picked Prescott, and NN_TEST_PROCESSOR
/// pretends the processor is an Intel one with SSSE3, whose best family (Core2) every x86-64 machine runs.
/// OPENBLAS_CORETYPE is emptied for the child only (an empty value counts as unset); this process keeps it.
@Suite struct DoctorCommandTests {
    static let fallback = [
        "NN_TEST_BLAS_CORE": "Prescott", "NN_TEST_PROCESSOR": "GenuineIntel:sse3,ssse3", "OPENBLAS_CORETYPE": "",
        "NN_KEEP_BLAS_KERNELS": "", "NN_BLAS_REEXECUTED": "",
    ]

    static func report(_ result: CommandResult) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(result.standardOutput)")
    }

    @Test func describesTheMachine() throws {
        let result = try Executable.run(["doctor"])
        #expect(result.status == 0, "\(result.standardError)")
        for label in [
            "BLAS:", "kernels:", "BLAS threads:", "processor:", "cores:", "vector math:", "recommended:", "check:",
        ] {
            #expect(result.standardOutput.contains(label), "no \(label) in \(result.standardOutput)")
        }
        #expect(result.standardOutput.contains("OpenBLAS 0.3"))
        #expect(result.standardOutput.contains("usable by this process"))
    }

    @Test func json() throws {
        let result = try Executable.run(["doctor", "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try Self.report(result)
        let usable = try #require(report["usableCores"] as? Int), logical = try #require(report["logicalCores"] as? Int)
        #expect(usable >= 1 && usable <= logical)
        #expect(usable == ProcessInfo.processInfo.activeProcessorCount || usable <= logical)
        #expect((report["blasCore"] as? String)?.isEmpty == false)
        #expect(report["vectorKernels"] as? String != nil)
        // This environment may set OPENBLAS_CORETYPE; the report says what it found.
        #expect(
            report["coreTypeSetting"] as? String
                == ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 })
    }

    @Test func reexecutesOnceWithTheRecommendedKernels() throws {
        let result = try Executable.run(["doctor", "--json"], environment: Self.fallback)
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("OpenBLAS picked its Prescott kernels"))
        #expect(result.standardError.contains("OPENBLAS_CORETYPE=Core2"))
        let report = try Self.report(result)
        #expect(report["coreTypeSetting"] as? String == "Core2")
        #expect(report["blasCore"] as? String == "Core2")
        #expect(report["firstCoreBeforeReexecution"] as? String == "Prescott")
        #expect(report["shouldSwitch"] as? Bool == false)
    }

    @Test func keepVariableTurnsItOff() throws {
        var environment = Self.fallback
        environment["NN_KEEP_BLAS_KERNELS"] = "1"
        let result = try Executable.run(["doctor", "--json"], environment: environment)
        #expect(result.status == 0)
        #expect(result.standardError.isEmpty, "\(result.standardError)")
        let report = try Self.report(result)
        #expect(report["blasCore"] as? String == "Prescott")
        #expect(report["shouldSwitch"] as? Bool == true)
        #expect(report["recommendedCore"] as? String == "Core2")
    }

    @Test func markerPreventsALoop() throws {
        var environment = Self.fallback
        environment["NN_BLAS_REEXECUTED"] = "Prescott"
        let result = try Executable.run(["doctor", "--json"], environment: environment)
        #expect(result.status == 0)
        #expect(result.standardError.isEmpty, "\(result.standardError)")
    }

    @Test func userSettingIsLeftAlone() throws {
        var environment = Self.fallback
        environment["OPENBLAS_CORETYPE"] = "Prescott"
        let result = try Executable.run(["doctor"], environment: environment)
        #expect(result.status == 0)
        #expect(result.standardError.isEmpty, "\(result.standardError)")
        #expect(result.standardOutput.contains("OPENBLAS_CORETYPE=Prescott is set"))
    }

    /// Other commands re-execute too, and their output is unchanged by it.
    @Test func otherCommandsRunAfterReexecution() throws {
        let result = try Executable.run(["examples"], environment: Self.fallback)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("running again with OPENBLAS_CORETYPE=Core2"))
        let plain = try Executable.run(["examples"])
        #expect(result.standardOutput == plain.standardOutput)
    }
}
