import Testing

// `nn train --distributed` in the default build (no MPI trait): a usage error naming the build
// command, before any data is read. The MPI build's runs are scripts/mpi-tests.sh (CI).
@Suite("nn train --distributed without MPI")
struct DistributedFlagTests {
    @Test("exits 64 and names the build command with the MPI trait")
    func withoutTheTrait() throws {
        let result = try Executable.run(["train", "--dataset", "xor", "--distributed"])
        #expect(result.status == 64)
        #expect(result.standardError.contains("swift build -c release --traits MPI"), "\(result.standardError)")
        #expect(result.standardError.contains("libopenmpi-dev"))
        #expect(result.standardOutput.isEmpty)
    }
}
