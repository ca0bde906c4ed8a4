/// What a file's name says about its format: the one rule for the files `nn` reads and writes. Only
/// the last path component is read (a folder's name, such as a `mktemp` folder's `tmp.bIdx3q`, never
/// decides), and case does not matter: `.CSV`, `.Npy` and `.csv.GZ` are the formats they name.
enum FileName {
    /// The last component of `path`, a trailing `/` ignored (`path` itself when it has none).
    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    /// Whether the file's name ends in `ending` (`.csv`, `.safetensors`, `-ubyte`), whatever the case of either.
    static func hasEnding(_ path: String, _ ending: String) -> Bool {
        lastComponent(path).lowercased().hasSuffix(ending.lowercased())
    }

    /// `path` without `ending` when its name ends in it (whatever the case), else `path`.
    static func removingEnding(_ path: String, _ ending: String) -> String {
        hasEnding(path, ending) ? String(path.dropLast(ending.count)) : path
    }

    /// The format of a data file (`npy`, `npz`, `idx` or `csv`), read from its name, a `.gz` ending
    /// set aside. An extension that names a format decides (`idx3.csv` is a CSV); else IDX images are
    /// known by their data set's names (`-ubyte`, `.idx`, or `idx3` anywhere in the name:
    /// `images.idx3`); anything else is read as CSV.
    static func dataKind(of path: String) -> String {
        let lower = lastComponent(path).lowercased()
        let name = lower.hasSuffix(".gz") ? String(lower.dropLast(3)) : lower
        let dot = name.lastIndex(of: ".")
        let fileExtension = dot.map { String(name[name.index(after: $0)...]) }
        switch fileExtension {
        case "npy": return "npy"
        case "npz": return "npz"
        case "csv": return "csv"
        default: break
        }
        return name.hasSuffix("-ubyte") || fileExtension == "idx" || name.contains("idx3") ? "idx" : "csv"
    }
}
