internal import CVectorMath

// The processor this process runs on, as CPUID and the affinity mask describe it. The C side is
// CVectorMath's processor.c; this file and BLASKernelCheck.swift are its only callers.

/// An instruction-set extension that decides which of OpenBLAS's kernel families a processor can run.
///
/// The raw values are the names Linux's `/proc/cpuinfo` uses. AVX and AVX-512 count only when the
/// operating system saves their registers (XGETBV), as a program can only use them then.
public enum ProcessorFeature: String, CaseIterable, Sendable, Hashable, Comparable {
    /// SSE3 (Prescott and later).
    case sse3
    /// Supplemental SSE3 (Core 2 and later).
    case ssse3
    /// SSE4.1.
    case sse41 = "sse4_1"
    /// SSE4.2 (Nehalem and later).
    case sse42 = "sse4_2"
    /// AVX, 256-bit floating point (Sandy Bridge and Bulldozer and later).
    case avx
    /// AVX2, 256-bit integer operations and gathers (Haswell and Zen and later).
    case avx2
    /// Three-operand fused multiply-add.
    case fma
    /// AVX-512 Foundation, 512-bit vectors.
    case avx512f
    /// AVX-512 doubleword and quadword instructions.
    case avx512dq
    /// AVX-512 byte and word instructions.
    case avx512bw
    /// AVX-512 vector-length extensions (AVX-512 instructions on 128- and 256-bit registers).
    case avx512vl
    /// AVX-512 bfloat16 instructions (Cooper Lake, Sapphire Rapids, Zen 4 and later).
    case avx512bf16 = "avx512_bf16"
    /// AMX tile registers (Sapphire Rapids and later).
    case amxTile = "amx_tile"

    /// Orders features as the enumeration lists them (roughly by age).
    public static func < (left: ProcessorFeature, right: ProcessorFeature) -> Bool {
        allCases.firstIndex(of: left)! < allCases.firstIndex(of: right)!
    }
}

/// A processor: its vendor, model, instruction-set extensions and the number of cores this process may use.
///
/// ``current`` reads the processor the process runs on; the memberwise initializer describes any other,
/// which is how the kernel check's decision table is tested.
public struct Processor: Sendable, Hashable {
    /// CPUID's vendor string: `GenuineIntel`, `AuthenticAMD`, `HygonGenuine`…; empty where CPUID is absent.
    public var vendor: String
    /// CPUID's brand string, such as `AMD EPYC 9B45`; empty where unknown.
    public var modelName: String
    /// The display family (base plus extended family, as `/proc/cpuinfo`'s `cpu family`).
    public var family: Int
    /// The display model (as `/proc/cpuinfo`'s `model`).
    public var model: Int
    /// The extensions the processor has and the operating system enables.
    public var features: Set<ProcessorFeature>
    /// Processors online (`sysconf(_SC_NPROCESSORS_ONLN)`): logical cores, counting SMT siblings.
    public var logicalCoreCount: Int
    /// Processors this process may run on (`sched_getaffinity`): fewer than ``logicalCoreCount`` in a
    /// container or under `taskset`. This is the count threads should be sized by.
    public var usableCoreCount: Int

    /// Describes a processor from its parts.
    public init(
        vendor: String, modelName: String = "", family: Int = 0, model: Int = 0, features: Set<ProcessorFeature>,
        logicalCoreCount: Int = 1, usableCoreCount: Int = 1
    ) {
        self.vendor = vendor
        self.modelName = modelName
        self.family = family
        self.model = model
        self.features = features
        self.logicalCoreCount = logicalCoreCount
        self.usableCoreCount = usableCoreCount
    }

    /// The processor this process runs on.
    public static var current: Processor {
        var identity = cvm_processor()
        cvm_identify_processor(&identity)
        let vendor = withUnsafeBytes(of: identity.vendor) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let modelName = withUnsafeBytes(of: identity.model_name) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        let bits: [(Int, ProcessorFeature)] = [
            (Int(CVM_FEATURE_SSE3), .sse3), (Int(CVM_FEATURE_SSSE3), .ssse3),
            (Int(CVM_FEATURE_SSE4_1), .sse41), (Int(CVM_FEATURE_SSE4_2), .sse42),
            (Int(CVM_FEATURE_AVX), .avx), (Int(CVM_FEATURE_AVX2), .avx2), (Int(CVM_FEATURE_FMA), .fma),
            (Int(CVM_FEATURE_AVX512F), .avx512f), (Int(CVM_FEATURE_AVX512DQ), .avx512dq),
            (Int(CVM_FEATURE_AVX512BW), .avx512bw), (Int(CVM_FEATURE_AVX512VL), .avx512vl),
            (Int(CVM_FEATURE_AVX512BF16), .avx512bf16), (Int(CVM_FEATURE_AMX_TILE), .amxTile),
        ]
        return Processor(
            vendor: vendor, modelName: modelName, family: Int(identity.family), model: Int(identity.model),
            features: Set(bits.filter { Int(identity.features) & $0.0 != 0 }.map(\.1)),
            logicalCoreCount: Int(cvm_online_processor_count()), usableCoreCount: Int(cvm_usable_processor_count()))
    }

    /// Whether the vendor is Intel.
    public var isIntel: Bool { vendor == "GenuineIntel" }

    /// Whether the vendor is AMD, or Hygon (whose Dhyana cores are AMD's Zen).
    public var isAMD: Bool { vendor == "AuthenticAMD" || vendor == "HygonGenuine" }

    /// Whether the processor has the AVX-512 subsets OpenBLAS's `SkylakeX` kernels need (F, DQ, BW, VL).
    public var hasAVX512: Bool { features.isSuperset(of: [.avx512f, .avx512dq, .avx512bw, .avx512vl]) }

    /// Whether the processor has AVX2 and FMA, as OpenBLAS's `Haswell` and `Zen` kernels need.
    public var hasAVX2: Bool { features.isSuperset(of: [.avx2, .fma]) }
}

extension Processor {
    /// The compiled form of the package's own vectorized exp, sigmoid and max/min kernels that runs on the
    /// current processor: `AVX2+FMA`, or `baseline (SSE2)` where the processor lacks either.
    public static var vectorKernelLevel: String { VectorKernelForm.automatic.usesAVX2 ? "AVX2+FMA" : "baseline (SSE2)" }
}
