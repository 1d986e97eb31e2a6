#ifndef FUZZER_DRIVER_H
#define FUZZER_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver with `argc`/`argv` on `test`. The fuzz executables' entry point calls
/// it: SwiftPM names an executable's entry point itself, so libFuzzer's own `main` is not used.
int fuzzer_driver_run(int argc, char **argv, int (*test)(const uint8_t *data, size_t size));

#endif
