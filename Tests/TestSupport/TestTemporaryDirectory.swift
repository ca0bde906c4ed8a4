import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The folder that holds every temporary file and folder of this test process: one folder under the
/// system's temporary directory, removed when the process exits, so that test runs leave nothing
/// behind (before it, every run left hundreds of folders in `/tmp`). A test process that is killed
/// leaves this one folder, named for its process.
public let testTemporaryDirectory: URL = {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "nn-tests-\(getpid())-\(UUID().uuidString)")
    do {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    } catch {
        fatalError("cannot create the tests' temporary folder \(folder.path): \(error)")
    }
    atexit { try? FileManager.default.removeItem(at: testTemporaryDirectory) }
    return folder
}()
