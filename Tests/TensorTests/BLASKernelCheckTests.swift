import Tensor
import Testing

/// The BLAS kernel check's decision table, on made-up processors: which family it recommends, and whether the
/// family OpenBLAS picked is the best, a fallback to older instructions, or a family measured slower.
@Suite struct BLASKernelCheckTests {
    static let sse3: Set<ProcessorFeature> = [.sse3]
    static let ssse3: Set<ProcessorFeature> = sse3.union([.ssse3])
    static let sse42: Set<ProcessorFeature> = ssse3.union([.sse41, .sse42])
    static let avx: Set<ProcessorFeature> = sse42.union([.avx])
    static let avx2: Set<ProcessorFeature> = avx.union([.avx2, .fma])
    static let avx512: Set<ProcessorFeature> = avx2.union([.avx512f, .avx512dq, .avx512bw, .avx512vl])
    static let sapphireRapids: Set<ProcessorFeature> = avx512.union([.avx512bf16, .amxTile])
    static let zen4: Set<ProcessorFeature> = avx512.union([.avx512bf16])

    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var vendor: String
        var features: Set<ProcessorFeature>
        var picked: String
        var recommended: String?
        var verdict: BLASKernelCheck.Verdict
        var testDescription: String { "\(name): \(picked)" }
    }

    static let intel = "GenuineIntel", amd = "AuthenticAMD"
    static let table: [Row] = [
        // The measured failure: OpenBLAS 0.3.21 does not know Sapphire Rapids and runs SSE3 kernels.
        Row(
            name: "Sapphire Rapids", vendor: intel, features: sapphireRapids, picked: "Prescott",
            recommended: "SkylakeX", verdict: .fellBack),
        Row(
            name: "Sapphire Rapids", vendor: intel, features: sapphireRapids, picked: "SkylakeX",
            recommended: "SkylakeX", verdict: .best),
        Row(
            name: "Sapphire Rapids", vendor: intel, features: sapphireRapids, picked: "Cooperlake",
            recommended: "SkylakeX", verdict: .best),
        Row(
            name: "Sapphire Rapids", vendor: intel, features: sapphireRapids, picked: "Haswell",
            recommended: "SkylakeX", verdict: .fellBack),
        Row(
            name: "Skylake-SP", vendor: intel, features: avx512, picked: "SkylakeX", recommended: "SkylakeX",
            verdict: .best),
        // Cooperlake's kernels need AVX-512 BF16: not acceptable where it is missing (OpenBLAS would not pick it).
        Row(
            name: "Skylake-SP", vendor: intel, features: avx512, picked: "Cooperlake", recommended: "SkylakeX",
            verdict: .slowerFamily),
        Row(
            name: "Skylake-SP", vendor: intel, features: avx512, picked: "Unknown", recommended: "SkylakeX",
            verdict: .fellBack),
        // AMD with AVX-512: OpenBLAS picks Cooperlake on Zen 5 (as fast as SkylakeX here), and Zen on some Zen 4
        // machines (half the speed: 256-bit kernels).
        Row(name: "Zen 5", vendor: amd, features: zen4, picked: "Cooperlake", recommended: "SkylakeX", verdict: .best),
        Row(name: "Zen 5", vendor: amd, features: zen4, picked: "Haswell", recommended: "SkylakeX", verdict: .fellBack),
        Row(name: "Zen 4", vendor: amd, features: zen4, picked: "Zen", recommended: "SkylakeX", verdict: .fellBack),
        Row(
            name: "Zen 4", vendor: amd, features: zen4, picked: "Prescott", recommended: "SkylakeX", verdict: .fellBack),
        Row(
            name: "Zen 4 (Hygon name)", vendor: "HygonGenuine", features: zen4, picked: "Prescott",
            recommended: "SkylakeX", verdict: .fellBack),
        Row(name: "Zen 3", vendor: amd, features: avx2, picked: "Zen", recommended: "Zen", verdict: .best),
        Row(name: "Zen 3", vendor: amd, features: avx2, picked: "Haswell", recommended: "Zen", verdict: .best),
        Row(name: "Zen 3", vendor: amd, features: avx2, picked: "Sandybridge", recommended: "Zen", verdict: .fellBack),
        Row(name: "Haswell", vendor: intel, features: avx2, picked: "Haswell", recommended: "Haswell", verdict: .best),
        Row(
            name: "Haswell", vendor: intel, features: avx2, picked: "Zen", recommended: "Haswell",
            verdict: .slowerFamily),
        Row(
            name: "Haswell", vendor: intel, features: avx2, picked: "Prescott", recommended: "Haswell",
            verdict: .fellBack),
        // AVX2 without FMA does not run Haswell's kernels.
        Row(
            name: "AVX2 without FMA", vendor: intel, features: avx.union([.avx2]), picked: "Sandybridge",
            recommended: "Sandybridge", verdict: .best),
        Row(
            name: "Sandy Bridge", vendor: intel, features: avx, picked: "Sandybridge", recommended: "Sandybridge",
            verdict: .best),
        Row(
            name: "Sandy Bridge", vendor: intel, features: avx, picked: "Nehalem", recommended: "Sandybridge",
            verdict: .fellBack),
        Row(
            name: "Piledriver", vendor: amd, features: avx.union([.fma]), picked: "Piledriver",
            recommended: "Piledriver", verdict: .best),
        Row(
            name: "Piledriver", vendor: amd, features: avx.union([.fma]), picked: "Excavator",
            recommended: "Piledriver", verdict: .best),
        Row(
            name: "Bulldozer", vendor: amd, features: avx, picked: "Barcelona", recommended: "Bulldozer",
            verdict: .fellBack),
        Row(name: "Nehalem", vendor: intel, features: sse42, picked: "Nehalem", recommended: "Nehalem", verdict: .best),
        Row(
            name: "Nehalem", vendor: intel, features: sse42, picked: "Prescott", recommended: "Nehalem",
            verdict: .fellBack),
        Row(
            name: "Barcelona", vendor: amd, features: sse42, picked: "Barcelona", recommended: "Barcelona",
            verdict: .best),
        Row(name: "Core 2", vendor: intel, features: ssse3, picked: "Penryn", recommended: "Core2", verdict: .best),
        Row(
            name: "Core 2", vendor: intel, features: ssse3, picked: "Prescott", recommended: "Core2", verdict: .fellBack
        ),
        Row(
            name: "Prescott", vendor: intel, features: sse3, picked: "Prescott", recommended: "Prescott", verdict: .best
        ),
        Row(
            name: "Prescott", vendor: intel, features: sse3, picked: "Katmai", recommended: "Prescott",
            verdict: .fellBack),
        Row(
            name: "SSE2 only", vendor: intel, features: [], picked: "Katmai", recommended: nil,
            verdict: .unknownProcessor),
        Row(
            name: "another vendor", vendor: "CentaurHauls", features: avx2, picked: "Nano", recommended: nil,
            verdict: .unknownProcessor),
        Row(name: "no CPUID", vendor: "", features: [], picked: "armv8", recommended: nil, verdict: .unknownProcessor),
    ]

    static let dynamic = "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Prescott MAX_THREADS=64"

    static func check(_ row: Row, setting: String? = nil, configuration: String = dynamic) -> BLASKernelCheck {
        BLASKernelCheck(
            coreName: row.picked, threadCount: 16, configuration: configuration,
            processor: Processor(vendor: row.vendor, features: row.features), coreTypeSetting: setting)
    }

    @Test(arguments: table)
    func decision(_ row: Row) {
        let check = Self.check(row)
        #expect(check.recommendedCore == row.recommended)
        #expect(check.verdict == row.verdict)
        // A switch is recommended exactly when the picked family is worse and there is a better one.
        #expect(check.shouldSwitch == (row.verdict == .fellBack || row.verdict == .slowerFamily))
        #expect(BLASKernelCheck.verdict(coreName: row.picked.uppercased(), processor: check.processor) == row.verdict)
    }

    @Test func userSettingIsNeverOverridden() {
        let row = Self.table[0]
        let check = Self.check(row, setting: "Haswell")
        #expect(check.verdict == .fellBack)
        #expect(!check.shouldSwitch)
        #expect(check.summary.contains("OPENBLAS_CORETYPE=Haswell is set"))
        // An empty setting counts as none.
        #expect(Self.check(row, setting: "").shouldSwitch)
    }

    @Test func libraryWithoutDynamicArchCannotSwitch() {
        let check = Self.check(Self.table[0], configuration: "OpenBLAS 0.3.21 NO_LAPACKE SKYLAKEX MAX_THREADS=64")
        #expect(!check.canSwitchCores)
        #expect(!check.shouldSwitch)
        #expect(check.summary.contains("without DYNAMIC_ARCH"))
    }

    @Test func summaryAndVersion() {
        let fellBack = Self.check(Self.table[0])
        #expect(fellBack.version == "0.3.21")
        #expect(fellBack.summary.contains("Prescott"))
        #expect(fellBack.summary.contains("OPENBLAS_CORETYPE=SkylakeX"))
        #expect(Self.check(Self.table[1]).summary.contains("the best it has"))
        let unknown = BLASKernelCheck(
            coreName: "x", threadCount: 1, configuration: "something else",
            processor: Processor(vendor: "", features: []),
            coreTypeSetting: nil)
        #expect(unknown.version == nil)
        #expect(unknown.summary.contains("no recommendation"))
    }

    /// The running process: the check agrees with the library and the processor with /proc/cpuinfo.
    @Test func currentProcessAndLibrary() throws {
        let check = BLASKernelCheck.current()
        #expect(check.coreName == BLASLibrary.coreName)
        #expect(check.threadCount == BLASLibrary.threadCount)
        #expect(check.version != nil)
        let processor = check.processor
        #expect(processor.usableCoreCount >= 1 && processor.usableCoreCount <= processor.logicalCoreCount)
        #if arch(x86_64)
            #expect(processor.isIntel || processor.isAMD)
            #expect(!processor.modelName.isEmpty)
            #expect(processor.features.contains(.sse3))
        #endif
    }
}
