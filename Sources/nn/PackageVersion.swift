/// The package's version: the one place it is written. `nn --version` and `nn doctor` print it,
/// CHANGELOG.md's latest release heading and the DocC landing pages name it, and a test checks that
/// they agree.
enum PackageVersion {
    static let current = "0.6.2"
}
