// CPUID, XGETBV and the affinity mask, for Tensor's BLAS kernel check (see include/CProcessor.h).
#define _GNU_SOURCE
#include "CProcessor.h"

#include <sched.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

void cvm_identify_processor(cvm_processor *processor) {
    memset(processor, 0, sizeof *processor);
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return;
    unsigned highest = eax;
    memcpy(processor->vendor + 0, &ebx, 4);
    memcpy(processor->vendor + 4, &edx, 4);
    memcpy(processor->vendor + 8, &ecx, 4);
    processor->vendor[12] = 0;

    unsigned features = 0;
    if (highest >= 1) {
        __cpuid(1, eax, ebx, ecx, edx);
        unsigned baseFamily = (eax >> 8) & 0xF, baseModel = (eax >> 4) & 0xF;
        unsigned extendedFamily = (eax >> 20) & 0xFF, extendedModel = (eax >> 16) & 0xF;
        processor->family = (int)(baseFamily == 0xF ? baseFamily + extendedFamily : baseFamily);
        processor->model = (int)(baseFamily == 0x6 || baseFamily == 0xF ? (extendedModel << 4) + baseModel : baseModel);
        if (ecx & (1u << 0)) features |= CVM_FEATURE_SSE3;
        if (ecx & (1u << 9)) features |= CVM_FEATURE_SSSE3;
        if (ecx & (1u << 19)) features |= CVM_FEATURE_SSE4_1;
        if (ecx & (1u << 20)) features |= CVM_FEATURE_SSE4_2;
        // AVX state needs the OS's consent (OSXSAVE, then XMM and YMM state enabled in XCR0).
        int osSavesYMM = 0, osSavesZMM = 0, osSavesTiles = 0;
        if (ecx & (1u << 27)) {
            unsigned long long xcr0 = read_xcr0();
            osSavesYMM = (xcr0 & 0x6) == 0x6;
            osSavesZMM = osSavesYMM && (xcr0 & 0xE0) == 0xE0;
            osSavesTiles = (xcr0 & 0x60000) == 0x60000;
        }
        if ((ecx & (1u << 28)) && osSavesYMM) features |= CVM_FEATURE_AVX;
        if ((ecx & (1u << 12)) && osSavesYMM) features |= CVM_FEATURE_FMA;
        if (highest >= 7) {
            __cpuid_count(7, 0, eax, ebx, ecx, edx);
            if ((ebx & (1u << 5)) && osSavesYMM) features |= CVM_FEATURE_AVX2;
            if (osSavesZMM) {
                if (ebx & (1u << 16)) features |= CVM_FEATURE_AVX512F;
                if (ebx & (1u << 17)) features |= CVM_FEATURE_AVX512DQ;
                if (ebx & (1u << 30)) features |= CVM_FEATURE_AVX512BW;
                if (ebx & (1u << 31)) features |= CVM_FEATURE_AVX512VL;
            }
            if ((edx & (1u << 24)) && osSavesTiles) features |= CVM_FEATURE_AMX_TILE;
            unsigned subleaves = eax;
            if (subleaves >= 1 && osSavesZMM) {
                __cpuid_count(7, 1, eax, ebx, ecx, edx);
                if (eax & (1u << 5)) features |= CVM_FEATURE_AVX512BF16;
            }
        }
    }
    processor->features = features;

    if (__get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) && eax >= 0x80000004) {
        unsigned brand[12];
        for (unsigned leaf = 0; leaf < 3; leaf++) {
            __cpuid(0x80000002 + leaf, brand[leaf * 4], brand[leaf * 4 + 1], brand[leaf * 4 + 2], brand[leaf * 4 + 3]);
        }
        char text[49];
        memcpy(text, brand, 48);
        text[48] = 0;
        char *start = text;
        while (*start == ' ') start++;
        size_t length = strlen(start);
        while (length > 0 && start[length - 1] == ' ') length--;
        memcpy(processor->model_name, start, length);
        processor->model_name[length] = 0;
    }
}
#else
void cvm_identify_processor(cvm_processor *processor) { memset(processor, 0, sizeof *processor); }
#endif

int cvm_online_processor_count(void) {
    long count = sysconf(_SC_NPROCESSORS_ONLN);
    return count > 0 ? (int)count : 1;
}

int cvm_usable_processor_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int count = CPU_COUNT(&set);
        if (count > 0) return count;
    }
#endif
    return cvm_online_processor_count();
}
