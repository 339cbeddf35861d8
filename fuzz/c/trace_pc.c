/* Edge coverage for C code compiled by gcc into a fuzz target (fuzz/build.rs). gcc's
   -fsanitize-coverage=trace-pc calls __sanitizer_cov_trace_pc at every basic block, a hook
   libFuzzer only answers with "deprecated" and an exit; build.rs renames those calls to
   levent_fuzz_trace_pc, which hashes (previous block, this block) into a table of
   8-bit counters registered with libFuzzer as one more module, beside the ones rustc's
   SanitizerCoverage registers, with a PC table of the same size (libFuzzer pairs the two;
   its "PCs" here are table slots). This file itself is compiled without instrumentation. */
#include <stddef.h>
#include <stdint.h>

#define SLOTS 65536

void __sanitizer_cov_8bit_counters_init(uint8_t *start, uint8_t *stop);
void __sanitizer_cov_pcs_init(const uintptr_t *start, const uintptr_t *stop);
void levent_fuzz_trace_pc(void);

static uint8_t counters[SLOTS];
static uintptr_t pcs[2 * SLOTS];
static uintptr_t previous;

void levent_fuzz_trace_pc(void)
{
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    uintptr_t here = ((pc * 0x9E3779B97F4A7C15ull) >> 40) & (SLOTS - 1);
    uint8_t *c = &counters[here ^ previous];
    if (*c != 255) (*c)++;
    previous = here >> 1;
}

__attribute__((constructor)) static void register_slots(void)
{
    size_t i;
    for (i = 0; i < SLOTS; i++) pcs[2 * i] = i + 1;
    __sanitizer_cov_8bit_counters_init(counters, counters + SLOTS);
    __sanitizer_cov_pcs_init(pcs, pcs + 2 * SLOTS);
}
