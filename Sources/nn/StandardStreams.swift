internal import FileSystem
import Foundation

/// Writes `text` to standard output at once. When standard output is closed (its reader, such as
/// `head -1`, went away: `EPIPE`, as `nn` ignores SIGPIPE) or fails, nothing more is printed, and the
/// work goes on: a training run still saves its files. A failure other than a reader that went away
/// (a full disk) makes `nn` exit with 1 at the end (``NN/finishOutput()``).
func write(_ text: String) {
    StandardStream.output.write(text)
}

/// Writes `text` to standard error (notes, warnings, errors). A standard error that is closed or
/// full loses the text, never the run: Foundation's `FileHandle.write(_:)` traps on a failed write.
func writeError(_ text: String) {
    StandardStream.error.write(text)
}

/// Standard output or standard error, written with `write(2)` (``writeAll(_:to:)``), given up for the
/// rest of the run after its first failed write, whose reason it keeps.
final class StandardStream: @unchecked Sendable {
    /// Standard output.
    static let output = StandardStream(descriptor: STDOUT_FILENO)
    /// Standard error.
    static let error = StandardStream(descriptor: STDERR_FILENO)

    private let descriptor: Int32
    private let lock = NSLock()
    private var failure: Int32?

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The `errno` of the first failed write, or nil when every write went through.
    var failureCode: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    func write(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil else { return }
        failure = writeAll(text, to: descriptor)
    }

    /// Why what `nn` printed to standard output did not all arrive, or nil when it did or when its
    /// reader chose to stop reading: a closed standard output (`>&-`) or a pipe whose reader went
    /// away (`| head -1`) is the user's choice, a full disk or an I/O error is not. Covers both this
    /// stream and C's `stdout` (which `print` writes: the examples, ArgumentParser's help), flushing it.
    static func outputFailure() -> String? {
        var code = output.failureCode
        if code == nil {
            // Flushes C's streams (stdout is the one with pending text); fails as its write fails.
            errno = 0
            if fflush(nil) != 0 { code = errno }
        }
        guard let code, code != EPIPE, code != EBADF else { return nil }
        // A pipe fails only when its reader has gone away.
        var status = stat()
        if fstat(STDOUT_FILENO, &status) == 0,
            status.st_mode & S_IFMT == S_IFIFO || status.st_mode & S_IFMT == S_IFSOCK
        {
            return nil
        }
        return String(cString: strerror(code))
    }
}
