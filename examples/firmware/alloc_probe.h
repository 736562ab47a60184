/* Test build only: counts heap allocations of the whole static program while
 * armed. The allocation functions are wrapped at link time
 * (-Wl,--wrap=malloc,...; CMakeLists.txt), which in a static link covers the
 * C++ runtime's operator new as well as libc. */
#ifndef EDGEMMA_FIRMWARE_ALLOC_PROBE_H_
#define EDGEMMA_FIRMWARE_ALLOC_PROBE_H_

/* Starts counting. */
void alloc_probe_arm(void);
/* Stops counting; prints the count for `phase`. Returns 0 when nothing was
 * allocated, else 1. */
int alloc_probe_disarm(const char* phase);

#endif /* EDGEMMA_FIRMWARE_ALLOC_PROBE_H_ */
