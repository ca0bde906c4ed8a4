// The package's checks of programming errors (a shape that does not fit, an index out of range).
//
// The standard library's `precondition` and `preconditionFailure` print their message only in
// unoptimized builds: in `-O` builds, the ones users ship, they stop the program with no word of what
// was wrong. These stop it with the message in every configuration (as `fatalError` does), so that
// "multiply: (2, 3) · (2, 3): 3 columns but 2 rows" reaches the user of a release build.

/// Stops the program with `message` (naming the operation and the shapes at fault) when `condition`
/// is false, in every build configuration.
@inlinable @inline(__always)
package func checkPrecondition(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { failPrecondition(message(), file: file, line: line) }
}

/// Stops the program with `message`, in every build configuration.
@usableFromInline @inline(never)
package func failPrecondition(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError(message, file: file, line: line)
}
