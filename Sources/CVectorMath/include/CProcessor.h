// What the processor this process runs on can do, for Tensor's BLASKernelCheck.swift (the only Swift file
// that calls these): CPUID's vendor, family, model and brand string, the instruction-set extensions that
// OpenBLAS's kernel families need (with the operating system's consent for AVX and AVX-512 state, read
// through XGETBV), and the number of processors online and usable by this process (sched_getaffinity).
#ifndef CVECTORMATH_PROCESSOR_H
#define CVECTORMATH_PROCESSOR_H

#ifdef __cplusplus
extern "C" {
#endif

/// One bit per instruction-set extension in cvm_processor.features.
enum {
    CVM_FEATURE_SSE3 = 1u << 0,
    CVM_FEATURE_SSSE3 = 1u << 1,
    CVM_FEATURE_SSE4_1 = 1u << 2,
    CVM_FEATURE_SSE4_2 = 1u << 3,
    CVM_FEATURE_AVX = 1u << 4,
    CVM_FEATURE_AVX2 = 1u << 5,
    CVM_FEATURE_FMA = 1u << 6,
    CVM_FEATURE_AVX512F = 1u << 7,
    CVM_FEATURE_AVX512DQ = 1u << 8,
    CVM_FEATURE_AVX512BW = 1u << 9,
    CVM_FEATURE_AVX512VL = 1u << 10,
    CVM_FEATURE_AVX512BF16 = 1u << 11,
    CVM_FEATURE_AMX_TILE = 1u << 12,
};

/// The identity and extensions of a processor. On a processor that is not x86-64, everything is empty or 0.
typedef struct {
    /// CPUID leaf 0's vendor string, such as "GenuineIntel" or "AuthenticAMD", NUL-terminated.
    char vendor[13];
    /// CPUID's brand string (leaves 0x80000002-4), such as "AMD EPYC 9B45", NUL-terminated, spaces trimmed.
    char model_name[49];
    /// The display family and model (base plus extended fields, as Linux's /proc/cpuinfo shows them).
    int family;
    int model;
    /// CVM_FEATURE_* bits of the extensions the processor has and the operating system enables.
    unsigned features;
} cvm_processor;

/// Fills `processor` from CPUID and XGETBV.
void cvm_identify_processor(cvm_processor *processor);

/// The number of processors this process may run on (sched_getaffinity), or the online count where that fails.
int cvm_usable_processor_count(void);

/// The number of processors online (sysconf(_SC_NPROCESSORS_ONLN)), at least 1.
int cvm_online_processor_count(void);

#ifdef __cplusplus
}
#endif

#endif
