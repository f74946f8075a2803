// The signal-path half of the CPU sampler: a SIGPROF handler that records the interrupted
// stack into fixed slots, and a drain that hands finished slots to Swift. Everything the
// handler touches is allocated before the first signal; it takes no locks, allocates nothing,
// calls only async-signal-safe system calls (read, write), and keeps errno.
#define _GNU_SOURCE
#include "CPGOSampler.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

enum { SLOT_EMPTY = 0, SLOT_WRITING = 1, SLOT_READY = 2, SLOT_READING = 3 };

typedef struct {
    _Atomic uint32_t state;
    pgo_sample sample;
} slot;

static slot *slots;
static size_t slot_count;
static _Atomic uint64_t next_slot;
/// The next ticket the drain looks at. Only the draining thread uses it.
static uint64_t drain_cursor;
static _Atomic uint64_t dropped;
static _Atomic uint64_t taken;
static _Atomic int running;
/// Handlers between entry and exit: stop() waits for none before it frees what they use.
static _Atomic int in_flight;
static struct sigaction previous_action;
static struct itimerval previous_timer;
/// A pipe that the handler writes one byte of a page into, to learn without faulting whether
/// the page is readable (the kernel answers EFAULT instead of raising SIGSEGV).
static int probe_pipe[2] = {-1, -1};
static long page_size;

/// Whether the page holding `address` can be read, asked of the kernel.
static int page_readable(uintptr_t address) {
    char byte;
    if (write(probe_pipe[1], (const void *)address, 1) != 1) return 0;
    (void)read(probe_pipe[0], &byte, 1);  // keep the pipe empty
    return 1;
}

#if defined(__x86_64__)
static void registers(const ucontext_t *context, uintptr_t *pc, uintptr_t *sp, uintptr_t *fp) {
    *pc = (uintptr_t)context->uc_mcontext.gregs[REG_RIP];
    *sp = (uintptr_t)context->uc_mcontext.gregs[REG_RSP];
    *fp = (uintptr_t)context->uc_mcontext.gregs[REG_RBP];
}
#elif defined(__aarch64__)
static void registers(const ucontext_t *context, uintptr_t *pc, uintptr_t *sp, uintptr_t *fp) {
    *pc = (uintptr_t)context->uc_mcontext.pc;
    *sp = (uintptr_t)context->uc_mcontext.sp;
    *fp = (uintptr_t)context->uc_mcontext.regs[29];
}
#else
#error "CPGOSampler supports x86_64 and aarch64"
#endif

/// Walks the frame-pointer chain: each frame holds the caller's frame pointer, then the return
/// address. A chain is followed only while it stays on this stack (above SP, strictly
/// increasing, aligned, within 8 MiB) and every page it reads is known to be readable, so a
/// function that uses the frame-pointer register for data ends the walk instead of faulting.
static uint32_t walk(uintptr_t pc, uintptr_t sp, uintptr_t fp, uint64_t *frames) {
    uint32_t depth = 0;
    frames[depth++] = pc;
    uintptr_t readable_below = sp & ~(uintptr_t)(page_size - 1);  // SP's page is being used: readable
    if (!page_readable(readable_below)) return depth;
    readable_below += (uintptr_t)page_size;
    while (depth < PGO_SAMPLER_MAX_FRAMES) {
        if (fp < sp || fp - sp > (8u << 20) || (fp & (sizeof(uintptr_t) - 1)) != 0) break;
        uintptr_t end = fp + 2 * sizeof(uintptr_t);
        while (readable_below < end) {
            if (!page_readable(readable_below)) return depth;
            readable_below += (uintptr_t)page_size;
        }
        uintptr_t next = ((const uintptr_t *)fp)[0];
        uintptr_t ret = ((const uintptr_t *)fp)[1];
        if (ret < 4096) break;
        frames[depth++] = ret;
        if (next <= fp) break;
        fp = next;
    }
    return depth;
}

static void on_sigprof(int signal, siginfo_t *info, void *context) {
    (void)signal;
    (void)info;
    int saved_errno = errno;
    atomic_fetch_add(&in_flight, 1);
    if (atomic_load(&running)) {
        atomic_fetch_add_explicit(&taken, 1, memory_order_relaxed);
        uint64_t ticket = atomic_fetch_add_explicit(&next_slot, 1, memory_order_relaxed);
        slot *target = &slots[ticket % slot_count];
        uint32_t expected = SLOT_EMPTY;
        if (atomic_compare_exchange_strong_explicit(&target->state, &expected, SLOT_WRITING, memory_order_acquire,
                                                    memory_order_relaxed)) {
            uintptr_t pc, sp, fp;
            registers((const ucontext_t *)context, &pc, &sp, &fp);
            target->sample.depth = walk(pc, sp, fp, target->sample.frames);
            target->sample.thread = pgo_current_thread();
            atomic_store_explicit(&target->state, SLOT_READY, memory_order_release);
        } else {
            atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
        }
    }
    atomic_fetch_sub(&in_flight, 1);
    errno = saved_errno;
}

static void fail(char *error, size_t size, const char *what) {
    if (error && size) snprintf(error, size, "%s: %s", what, strerror(errno));
}

int pgo_sampler_start(int frequency_hz, size_t count, char *error, size_t error_size) {
    if (atomic_load(&running) || slots) {
        if (error && error_size) snprintf(error, error_size, "the sampler is already running");
        return -1;
    }
    if (frequency_hz < 1 || frequency_hz > 1000 || count == 0) {
        if (error && error_size) snprintf(error, error_size, "frequency must be 1...1000 Hz and slots at least 1");
        return -1;
    }
    struct sigaction current;
    if (sigaction(SIGPROF, NULL, &current) != 0) {
        fail(error, error_size, "sigaction");
        return -1;
    }
    if (!(current.sa_flags & SA_SIGINFO) && current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN) {
        if (error && error_size) snprintf(error, error_size, "another SIGPROF handler is installed (another profiler?)");
        return -1;
    }
    if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction != NULL) {
        if (error && error_size) snprintf(error, error_size, "another SIGPROF handler is installed (another profiler?)");
        return -1;
    }
    page_size = sysconf(_SC_PAGESIZE);
    if (pipe2(probe_pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
        fail(error, error_size, "pipe2");
        return -1;
    }
    slots = calloc(count, sizeof(slot));
    if (!slots) {
        close(probe_pipe[0]);
        close(probe_pipe[1]);
        if (error && error_size) snprintf(error, error_size, "cannot allocate %zu sample slots", count);
        return -1;
    }
    slot_count = count;
    atomic_store(&next_slot, 0);
    drain_cursor = 0;
    atomic_store(&dropped, 0);
    atomic_store(&taken, 0);
    atomic_store_explicit(&running, 1, memory_order_release);

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigprof;
    // SA_RESTART: the host's interrupted system calls resume instead of failing with EINTR.
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGPROF, &action, &previous_action) != 0) {
        fail(error, error_size, "sigaction");
        atomic_store(&running, 0);
        pgo_sampler_release();
        return -1;
    }
    struct itimerval timer;
    long period = 1000000L / frequency_hz;
    timer.it_interval.tv_sec = period / 1000000L;
    timer.it_interval.tv_usec = period % 1000000L;
    timer.it_value = timer.it_interval;
    if (setitimer(ITIMER_PROF, &timer, &previous_timer) != 0) {
        fail(error, error_size, "setitimer");
        pgo_sampler_release();
        return -1;
    }
    return 0;
}

void pgo_sampler_stop(void) {
    if (!slots || !atomic_load(&running)) return;
    struct itimerval off;
    memset(&off, 0, sizeof off);
    setitimer(ITIMER_PROF, &off, NULL);
    atomic_store(&running, 0);
    // Ignore (rather than take the default action, which ends the process) any SIGPROF still
    // in flight, then restore what was there before.
    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPROF, &ignore, NULL);
    // A handler that saw `running` set finishes before anything it uses goes; one that starts
    // now sees it cleared and touches nothing.
    while (atomic_load(&in_flight) != 0) {
    }
    sigaction(SIGPROF, &previous_action, NULL);
}

void pgo_sampler_release(void) {
    pgo_sampler_stop();
    free(slots);
    slots = NULL;
    slot_count = 0;
    if (probe_pipe[0] >= 0) close(probe_pipe[0]);
    if (probe_pipe[1] >= 0) close(probe_pipe[1]);
    probe_pipe[0] = probe_pipe[1] = -1;
}

int pgo_sampler_running(void) { return atomic_load(&running); }

static int take(slot *source, pgo_sample *destination) {
    uint32_t expected = SLOT_READY;
    if (atomic_load_explicit(&source->state, memory_order_acquire) != SLOT_READY ||
        !atomic_compare_exchange_strong_explicit(&source->state, &expected, SLOT_READING, memory_order_acquire, memory_order_relaxed)) {
        return 0;
    }
    *destination = source->sample;
    atomic_store_explicit(&source->state, SLOT_EMPTY, memory_order_release);
    return 1;
}

size_t pgo_sampler_drain(pgo_sample *out, size_t capacity) {
    size_t moved = 0;
    if (!slots) return 0;
    if (!atomic_load(&running)) {
        // Stopped, no handler in flight: every finished slot, wherever it is.
        for (size_t index = 0; index < slot_count && moved < capacity; index++) moved += take(&slots[index], &out[moved]);
        return moved;
    }
    // Running: handlers take slots in ticket order, so only the tickets issued since the last
    // drain can hold new samples. Visiting just those keeps the cost per sample, not per slot.
    uint64_t end = atomic_load(&next_slot);
    if (end - drain_cursor > slot_count) drain_cursor = end - slot_count;  // lapped: the older slots were reused
    while (drain_cursor < end && moved < capacity) {
        slot *current = &slots[drain_cursor % slot_count];
        if (atomic_load_explicit(&current->state, memory_order_acquire) == SLOT_WRITING) break;  // still being filled
        moved += take(current, &out[moved]);
        drain_cursor++;
    }
    return moved;
}

uint32_t pgo_current_thread(void) { return (uint32_t)syscall(SYS_gettid); }

uint64_t pgo_sampler_dropped(void) { return atomic_load(&dropped); }
uint64_t pgo_sampler_taken(void) { return atomic_load(&taken); }

// The LLVM profiling runtime, linked only into -profile-generate binaries: weak references
// resolve to NULL elsewhere, so every binary links and runs.
extern int __llvm_profile_write_file(void) __attribute__((weak));
extern void __llvm_profile_reset_counters(void) __attribute__((weak));
extern void __llvm_profile_set_filename(const char *) __attribute__((weak));

int pgo_llvm_profile_available(void) {
    return __llvm_profile_write_file != NULL && __llvm_profile_reset_counters != NULL && __llvm_profile_set_filename != NULL;
}

int pgo_llvm_profile_write_and_reset(const char *path) {
    if (!pgo_llvm_profile_available()) return -1;
    __llvm_profile_set_filename(path);
    int status = __llvm_profile_write_file();
    __llvm_profile_reset_counters();
    // The runtime writes once more at exit, to the last name it was given: give it back the one
    // the process started with, so that it does not recreate our temporary file.
    const char *configured = getenv("LLVM_PROFILE_FILE");
    __llvm_profile_set_filename(configured && *configured ? configured : "default.profraw");
    return status == 0 ? 0 : -1;
}
