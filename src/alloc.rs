//! The allocator. mimalloc for every command: `listen` and `send --repeat` allocate per request on several
//! threads, where glibc's malloc spent a quarter of all instructions (measured with callgrind; see the
//! README's design notes). On Linux, blocks of a mebibyte and more are mapped on their own and grown with
//! `mremap`, as glibc's malloc does: a buffer that doubles its way up (serde_json's scratch space for a 5 MB
//! string, a body being collected) then moves its pages instead of copying them into fresh ones, and `diff`
//! of a 5 MB body touches 5 MB less.

#[cfg(target_os = "linux")]
#[global_allocator]
static GLOBAL: large::LargeByMremap = large::LargeByMremap;

#[cfg(not(target_os = "linux"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(target_os = "linux")]
mod large {
    use std::alloc::{GlobalAlloc, Layout};

    use mimalloc::MiMalloc;

    /// From this size on a block is its own mapping. The choice is by size alone, so a block's size (which
    /// every call is given) says where it came from.
    const LARGE: usize = 1 << 20;
    const PAGE: usize = 4096;

    pub struct LargeByMremap;

    fn large(layout: Layout) -> bool {
        layout.size() >= LARGE && layout.align() <= PAGE
    }

    fn mapped(size: usize) -> usize {
        size.next_multiple_of(PAGE)
    }

    /// A new anonymous mapping (zeroed), or null.
    unsafe fn map(size: usize) -> *mut u8 {
        // SAFETY: an anonymous private mapping at an address the kernel picks touches no existing memory.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapped(size),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            p.cast()
        }
    }

    // SAFETY: every block is served whole by one of two allocators, chosen by its layout alone: mimalloc
    // below LARGE (or for an alignment over a page), one mapping of its own from LARGE on (page-aligned,
    // so any alignment up to a page holds). dealloc and realloc get the same layout the block was made
    // with, so they always reach the allocator that made it, and a realloc across LARGE copies the
    // smaller of the two sizes into a block of the other kind.
    unsafe impl GlobalAlloc for LargeByMremap {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if large(layout) {
                unsafe { map(layout.size()) }
            } else {
                unsafe { MiMalloc.alloc(layout) }
            }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            if large(layout) {
                unsafe { map(layout.size()) }
            } else {
                unsafe { MiMalloc.alloc_zeroed(layout) }
            }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if large(layout) {
                unsafe { libc::munmap(ptr.cast(), mapped(layout.size())) };
            } else {
                unsafe { MiMalloc.dealloc(ptr, layout) }
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: the caller guarantees new_size, rounded up to layout.align(), does not overflow.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            match (large(layout), large(new_layout)) {
                (false, false) => unsafe { MiMalloc.realloc(ptr, layout, new_size) },
                (true, true) => {
                    // SAFETY: ptr is a mapping of mapped(layout.size()) bytes made by map(); MAYMOVE lets
                    // the kernel move it (its pages, not copies of them) when it cannot grow in place.
                    let p = unsafe {
                        libc::mremap(ptr.cast(), mapped(layout.size()), mapped(new_size), libc::MREMAP_MAYMOVE)
                    };
                    if p == libc::MAP_FAILED {
                        std::ptr::null_mut()
                    } else {
                        p.cast()
                    }
                }
                _ => {
                    let new = unsafe { self.alloc(new_layout) };
                    if !new.is_null() {
                        // SAFETY: both blocks are live, distinct, and at least this long.
                        unsafe { std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
                        unsafe { self.dealloc(ptr, layout) };
                    }
                    new
                }
            }
        }
    }
}

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

    #[cfg(target_os = "linux")]
    #[test]
    fn blocks_keep_their_bytes_across_every_size_change() {
        use std::alloc::{GlobalAlloc, Layout};
        let a = large::LargeByMremap;
        let sizes = [100, 5000, 1 << 20, (1 << 20) + 1, 3 << 20, 9 << 20, 2 << 20, 4000, 10];
        let layout = Layout::from_size_align(sizes[0], 8).unwrap();
        // SAFETY: each step passes the layout the block was last made with.
        unsafe {
            let mut p = a.alloc(layout);
            assert!(!p.is_null());
            let mut size = sizes[0];
            std::ptr::write_bytes(p, 0xAB, size);
            for &next in &sizes[1..] {
                p = a.realloc(p, Layout::from_size_align(size, 8).unwrap(), next);
                assert!(!p.is_null(), "{size} -> {next}");
                let kept = size.min(next);
                assert!(std::slice::from_raw_parts(p, kept).iter().all(|&b| b == 0xAB), "{size} -> {next}");
                std::ptr::write_bytes(p, 0xAB, next);
                size = next;
            }
            a.dealloc(p, Layout::from_size_align(size, 8).unwrap());
            let zeroed = a.alloc_zeroed(Layout::from_size_align(3 << 20, 64).unwrap());
            assert!(std::slice::from_raw_parts(zeroed, 3 << 20).iter().all(|&b| b == 0));
            a.dealloc(zeroed, Layout::from_size_align(3 << 20, 64).unwrap());
            let aligned = Layout::from_size_align(2 << 20, 1 << 16).unwrap();
            let p = a.alloc(aligned);
            assert_eq!(p as usize % (1 << 16), 0, "an alignment over a page goes to mimalloc");
            a.dealloc(p, aligned);
        }
    }

    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        assert_eq!(libmimalloc_sys::mi_option_use_numa_nodes - 1, PURGE_DELAY);
        // SAFETY: reading an option is a plain load.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000, "mimalloc v3's default, in ms");
    }
}
