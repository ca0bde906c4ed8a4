// Shared by the libFuzzer targets: their main (libFuzzer's driver when built with -DFUZZING, a replay
// driver otherwise) and the fuzz input as a file (the readers take paths).
#if FUZZING
    internal import CLibFuzzer
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes the fuzz input to one file per process (in `/dev/shm` when it exists, so no disk is touched)
/// and returns its path; `suffix` is the extension the reader expects.
public func fuzzInputFile(_ data: UnsafePointer<UInt8>, _ size: Int, suffix: String) -> String {
    let folder = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    let path = "\(folder)/nn-fuzz-\(getpid())\(suffix)"
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    precondition(descriptor >= 0, "fuzz: cannot create \(path)")
    var offset = 0
    while offset < size {
        let written = write(descriptor, data + offset, size - offset)
        if written < 0 && errno == EINTR { continue }
        precondition(written > 0, "fuzz: cannot write \(path)")
        offset += written
    }
    close(descriptor)
    return path
}

/// A fuzz target's entry point: one input's bytes and its size; returns 0.
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>, Int) -> CInt

/// The fuzz targets' main. Built by scripts/fuzz.sh (`-DFUZZING -sanitize=fuzzer`), it runs libFuzzer
/// on `target` with the command line's options and corpus folders; built normally, it replays the
/// files named on the command line (`FuzzCSV crash-1234`), so a crash can be re-run under a debugger.
public func fuzzMain(_ target: FuzzTarget) -> Never {
    #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let callback = unsafeBitCast(target, to: (@convention(c) (UnsafePointer<UInt8>?, Int) -> CInt).self)
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
    #else
        replay(CommandLine.arguments, target)
        exit(0)
    #endif
}

/// Runs `body` on the bytes of every file named on the command line, as libFuzzer does when it is given files.
func replay(_ arguments: [String], _ body: FuzzTarget) {
    guard arguments.count > 1 else {
        print(
            "usage: \(arguments.first ?? "fuzz") FILE...  (built without libFuzzer: replays the files; see scripts/fuzz.sh)"
        )
        return
    }
    for path in arguments.dropFirst() {
        guard let file = fopen(path, "rb") else {
            print("\(path): cannot open")
            exit(1)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        fclose(file)
        bytes.append(0)  // so that an empty input still has a valid pointer
        _ = bytes.withUnsafeBufferPointer { body($0.baseAddress!, $0.count - 1) }
        print("\(path): \(bytes.count - 1) bytes, no crash")
    }
}
