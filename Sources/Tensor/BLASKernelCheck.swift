#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Which of OpenBLAS's kernel families runs, and whether it is the best one this OpenBLAS has for the processor.
// OpenBLAS built with DYNAMIC_ARCH (as Debian ships 0.3.21) picks a family when it loads, from a table of
// the processors it knows; on a newer one it falls back to an old family (Prescott, SSE3, on Sapphire Rapids:
// dgemm 93 GFLOP/s on 16 cores against 346 with SkylakeX). The decision is a pure function of the processor
// and the core name, so it is tested with made-up processors; the C calls stay in BLAS.swift and Processor.swift.

/// Checks the BLAS kernel family against the processor and recommends a better one where OpenBLAS fell back.
///
/// OpenBLAS reads the environment variable `OPENBLAS_CORETYPE` (``coreTypeVariable``) once, when the library
/// loads, and then runs that kernel family (`Haswell`, `Zen`, `SkylakeX`, `Cooperlake`, `Sandybridge`…, any
/// case) instead of the one it detects. It cannot be changed in a running process: set it before the program
/// starts (`OPENBLAS_CORETYPE=SkylakeX ./program`), or re-execute the program with it, as `nn` does. An unknown
/// name is ignored, and a family whose instructions the processor lacks crashes with an illegal instruction.
///
/// ```swift
/// let check = BLASKernelCheck.current()
/// if check.shouldSwitch, let better = check.recommendedCore {
///     print("run with OPENBLAS_CORETYPE=\(better) (OpenBLAS picked \(check.coreName))")
/// }
/// ```
///
/// The recommendation, for OpenBLAS 0.3.21's x86-64 families:
///
/// | processor | recommended | also fine |
/// |---|---|---|
/// | AVX-512 (F, DQ, BW, VL): Intel Skylake-SP to Sapphire Rapids, AMD Zen 4 and Zen 5 | `SkylakeX` | `Cooperlake` when it has AVX-512 BF16 (the same gemm kernels) |
/// | Intel with AVX2 and FMA | `Haswell` | — |
/// | AMD with AVX2 and FMA (Zen 1-3) | `Zen` | `Haswell` (the same kernels) |
/// | Intel with AVX | `Sandybridge` | — |
/// | AMD with AVX (Bulldozer family) | `Piledriver` with FMA, `Bulldozer` without | the other Bulldozer-family cores, `Sandybridge` |
/// | SSE4.2 | `Nehalem` (Intel), `Barcelona` (AMD) | — |
/// | SSSE3 | `Core2` (Intel), `Opteron_SSE3` (AMD) | `Penryn`, `Dunnington` |
/// | SSE3 | `Prescott` (Intel), `Opteron_SSE3` (AMD) | — |
/// | anything else (no CPUID, another vendor, not x86-64) | none | — |
///
/// See also ``BLASLibrary``, whose `threadCount` the check reports.
public struct BLASKernelCheck: Sendable, Hashable {
    /// The environment variable that makes OpenBLAS run a named kernel family: `OPENBLAS_CORETYPE`.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"

    /// How the running kernel family compares with the recommended one.
    public enum Verdict: String, Sendable, Hashable {
        /// The running family is the recommended one, or one as good.
        case best
        /// The running family is older than the processor allows (such as `Prescott` on an AVX-512
        /// processor): OpenBLAS did not know the processor.
        case fellBack
        /// The running family is not older than the recommended one, but not one of those as good either (such as
        /// `Cooperlake`, which needs AVX-512 BF16, on a processor without it, or `Zen` on an Intel processor).
        case slowerFamily
        /// No recommendation for this processor (another vendor or architecture, or no CPUID).
        case unknownProcessor
    }

    /// The kernel family that runs (`openblas_get_corename`), such as `Haswell`.
    public var coreName: String
    /// OpenBLAS's thread count for large products (``BLASLibrary/threadCount``).
    public var threadCount: Int
    /// OpenBLAS's build configuration, such as `OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64`.
    public var configuration: String
    /// The processor checked.
    public var processor: Processor
    /// The value of `OPENBLAS_CORETYPE` when the process started, or nil when it was not set (or empty).
    public var coreTypeSetting: String?

    /// Checks a described library and processor (the decision table's tests use made-up ones).
    public init(
        coreName: String, threadCount: Int, configuration: String, processor: Processor, coreTypeSetting: String?
    ) {
        self.coreName = coreName
        self.threadCount = threadCount
        self.configuration = configuration
        self.processor = processor
        self.coreTypeSetting = coreTypeSetting.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Checks the OpenBLAS library and the processor of this process.
    public static func current() -> BLASKernelCheck {
        BLASKernelCheck(
            coreName: BLASLibrary.coreName, threadCount: BLASLibrary.threadCount,
            configuration: BLASLibrary.configuration.trimmingSpaces, processor: .current,
            coreTypeSetting: getenv(coreTypeVariable).map { String(cString: $0) })
    }

    /// OpenBLAS's version, from the configuration string (`0.3.21`), or nil if it does not say.
    public var version: String? {
        let words = configuration.split(separator: " ")
        guard let index = words.firstIndex(of: "OpenBLAS"), index + 1 < words.count else { return nil }
        return String(words[index + 1])
    }

    /// Whether the library was built with DYNAMIC_ARCH, so that `OPENBLAS_CORETYPE` can choose among families.
    public var canSwitchCores: Bool { configuration.split(separator: " ").contains("DYNAMIC_ARCH") }

    /// The best kernel family this OpenBLAS has for ``processor`` (see the table above), or nil.
    public var recommendedCore: String? { Self.recommendedCore(for: processor) }

    /// How the running family compares with the recommended one.
    public var verdict: Verdict { Self.verdict(coreName: coreName, processor: processor) }

    /// Whether a program should run again with `OPENBLAS_CORETYPE` set to ``recommendedCore``: the running
    /// family is worse than the recommendation, the user has not set the variable, and the library can switch.
    public var shouldSwitch: Bool {
        (verdict == .fellBack || verdict == .slowerFamily) && coreTypeSetting == nil && canSwitchCores
            && recommendedCore != nil
    }

    /// One line that says what runs and what would be better, for `nn doctor` and logs.
    public var summary: String {
        let recommended = recommendedCore ?? "none"
        switch verdict {
        case .best:
            return "OpenBLAS runs its \(coreName) kernels, the best it has for this processor"
        case .unknownProcessor:
            return "OpenBLAS runs its \(coreName) kernels; no recommendation for this processor"
        case .fellBack, .slowerFamily:
            let why =
                verdict == .slowerFamily
                ? "slower on this processor than \(recommended)"
                : coreTypeSetting == nil
                    ? "an older family than this processor supports (OpenBLAS did not recognize it)"
                    : "an older family than this processor supports"
            var line =
                "OpenBLAS runs its \(coreName) kernels, \(why); recommended: \(Self.coreTypeVariable)=\(recommended)"
            if let coreTypeSetting {
                line += " (\(Self.coreTypeVariable)=\(coreTypeSetting) is set, so it is left as set)"
            } else if !canSwitchCores {
                line += " (this OpenBLAS was built without DYNAMIC_ARCH and cannot switch)"
            }
            return line
        }
    }

    // MARK: The decision table (pure functions)

    /// The best kernel family OpenBLAS 0.3.21 has for `processor`, or nil when there is no recommendation.
    public static func recommendedCore(for processor: Processor) -> String? {
        acceptableCores(for: processor).first
    }

    /// The recommended family first, then the families as good as it.
    static func acceptableCores(for processor: Processor) -> [String] {
        let features = processor.features
        guard processor.isIntel || processor.isAMD else { return [] }
        // Intel and AMD (Zen 4, Zen 5) alike: on a Zen 5, SkylakeX and Cooperlake ran sgemm and dgemm at the same
        // speed, 1.6-1.9 times Zen's and Haswell's (BENCHMARKS.md, "Which OpenBLAS kernels on AMD EPYC").
        if processor.hasAVX512 { return features.contains(.avx512bf16) ? ["SkylakeX", "Cooperlake"] : ["SkylakeX"] }
        if processor.hasAVX2 { return processor.isAMD ? ["Zen", "Haswell"] : ["Haswell"] }
        if features.contains(.avx) {
            guard processor.isAMD else { return ["Sandybridge"] }
            let bulldozers = ["Piledriver", "Bulldozer", "Steamroller", "Excavator", "Sandybridge"]
            return features.contains(.fma) ? bulldozers : ["Bulldozer"] + bulldozers.filter { $0 != "Bulldozer" }
        }
        if features.contains(.sse42) { return processor.isAMD ? ["Barcelona", "Nehalem"] : ["Nehalem"] }
        if features.contains(.ssse3) {
            return processor.isAMD ? ["Opteron_SSE3", "Core2"] : ["Core2", "Penryn", "Dunnington"]
        }
        if features.contains(.sse3) { return processor.isAMD ? ["Opteron_SSE3", "Prescott"] : ["Prescott"] }
        return []
    }

    /// How a running family compares with the recommendation for `processor`.
    public static func verdict(coreName: String, processor: Processor) -> Verdict {
        let acceptable = acceptableCores(for: processor)
        guard let recommended = acceptable.first else { return .unknownProcessor }
        if acceptable.contains(where: { $0.lowercased() == coreName.lowercased() }) { return .best }
        return instructionLevel(of: coreName) < instructionLevel(of: recommended) ? .fellBack : .slowerFamily
    }

    /// The widest instructions a family's kernels use: 0 SSE2, 1 SSE3, 2 SSSE3, 3 SSE4.2, 4 AVX, 5 AVX2, 6 AVX-512;
    /// -1 for a name this table does not know (such as `Unknown`).
    static func instructionLevel(of coreName: String) -> Int {
        switch coreName.lowercased() {
        case "katmai", "coppermine", "northwood", "athlon", "banias", "opteron": 0
        case "prescott", "opteron_sse3", "atom", "nano": 1
        case "core2", "penryn", "dunnington": 2
        case "nehalem", "barcelona", "bobcat": 3
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": 4
        case "haswell", "zen": 5
        case "skylakex", "cooperlake", "sapphirerapids": 6
        default: -1
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " || text.last == "\n" { text = text.dropLast() }
        return String(text)
    }
}
