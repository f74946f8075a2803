#ifndef CPGOSAMPLER_H
#define CPGOSAMPLER_H

#include <stddef.h>
#include <stdint.h>

/// The deepest stack a sample keeps; deeper stacks keep their innermost frames.
#define PGO_SAMPLER_MAX_FRAMES 64

/// One sample: the interrupted program counter, then the return addresses of its callers.
typedef struct {
    uint32_t depth;
    /// The interrupted thread's kernel thread ID.
    uint32_t thread;
    uint64_t frames[PGO_SAMPLER_MAX_FRAMES];
} pgo_sample;

/// Starts sampling this process on CPU time (SIGPROF from setitimer(ITIMER_PROF)) at
/// `frequency_hz`, into `slot_count` fixed slots allocated here, before any signal arrives.
/// Returns 0, or -1 with a message in `error` (another SIGPROF handler installed, already
/// started and not released, no memory, a failed system call).
int pgo_sampler_start(int frequency_hz, size_t slot_count, char *error, size_t error_size);

/// Disarms the timer and restores the previous SIGPROF disposition; finished samples stay in
/// their slots for a last drain. Safe to call when not running.
void pgo_sampler_stop(void);

/// Stops if needed and frees the slots (samples not drained are lost), so that the sampler can
/// start again.
void pgo_sampler_release(void);

/// Whether the sampler is running.
int pgo_sampler_running(void);

/// Moves up to `capacity` finished samples into `out`; returns how many. Call it often from a
/// normal thread: slots are freed only here.
size_t pgo_sampler_drain(pgo_sample *out, size_t capacity);

/// Samples dropped since start because every slot was full (or a slot was still being drained).
uint64_t pgo_sampler_dropped(void);

/// Samples taken since start (kept or dropped).
uint64_t pgo_sampler_taken(void);

/// The calling thread's kernel thread ID (as samples record it).
uint32_t pgo_current_thread(void);

/// The LLVM profiling runtime, when the binary was built with -profile-generate: 1 if present.
int pgo_llvm_profile_available(void);

/// Writes the counters to `path` and resets them (the runtime's __llvm_profile_set_filename,
/// __llvm_profile_write_file and __llvm_profile_reset_counters). Returns 0, or -1 when the
/// runtime is absent or the write failed.
int pgo_llvm_profile_write_and_reset(const char *path);

#endif
