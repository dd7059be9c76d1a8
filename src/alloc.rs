//! The allocator. mimalloc for every command: `listen` and `send --repeat` allocate per request on several
//! threads, where glibc's malloc spent a quarter of all instructions (measured with callgrind; see the
//! README's design notes).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay`, from its C header (the Rust bindings name only some options): the
/// slot just before `mi_option_use_numa_nodes` (16), in v2 and v3 alike.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Hands freed memory back to the system at once instead of after mimalloc's delay (a second in the v3
/// it builds). `diff` makes one pass over one document and frees each buffer as soon as it is done with
/// it (the file once parsed, the parser's scratch space); kept for the delay, those pages would still
/// count in its peak memory. Call before any other thread starts.
pub fn return_freed_memory_at_once() {
    // SAFETY: `mi_option_set` only stores the value; it is not thread-safe, and no other thread runs yet.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        assert_eq!(libmimalloc_sys::mi_option_use_numa_nodes - 1, PURGE_DELAY);
        // SAFETY: reading an option is a plain load.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000, "mimalloc v3's default, in ms");
    }
}
