import Foundation
import Testing

/// `nn examples`, run through the built executable.
@Suite struct ExamplesCommandTests {
    @Test func listsTheFiveExamples() throws {
        let result = try Executable.run(["examples"])
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n").filter { $0.first?.isNumber == true }
        #expect(lines.map { String($0.prefix(3)) } == ["000", "001", "002", "003", "004"])
    }

    @Test func runsTheFirstNotebook() throws {
        let result = try Executable.run(["examples", "000"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("0.4964100319027"))
        #expect(result.standardOutput.contains("nn train --dataset notebook-000"))
    }

    @Test func rejectsAnUnknownExample() throws {
        let result = try Executable.run(["examples", "007"])
        #expect(result.status != 0)
        #expect(!result.crashed)
        #expect(result.standardError.contains("no example named '007'"))
    }
}
