// libFuzzer's driver entry point (compiler-rt's FuzzerInterface.h). SwiftPM gives every executable
// its own entry point (`main` is an alias of MODULE_main), so the fuzz targets call the driver from
// their Swift main instead of linking libFuzzer's main.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
