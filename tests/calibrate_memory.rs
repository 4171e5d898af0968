//! Reading a kubectl dump holds its text, the records and one item at a time. The whole file
//! used to be decoded into one JSON tree (and its `items` copied): 70 times the file's size
//! for a list of small items, so the 512 MiB cap on a dump allowed tens of GB. Measured with
//! a counting allocator, in a test binary of its own so nothing else allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;
static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let n = NOW.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(n, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(p, l) };
        NOW.fetch_sub(l.size(), Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn a_dump_is_read_one_item_at_a_time() {
    use fluxsim::calibrate::load::{read, FileKind, Input};
    // 400,000 ConfigMaps (skipped) and one Deployment: about 9 MB.
    let mut text = String::from(r#"{"kind": "List", "items": ["#);
    for _ in 0..400_000 {
        text.push_str(r#"{"kind": "ConfigMap"},"#);
    }
    text.push_str(r#"{"kind": "Deployment", "metadata": {"name": "d", "namespace": "n"}}]}"#);
    let mut input = Input::default();
    let before = NOW.load(Relaxed);
    PEAK.store(before, Relaxed);
    read(&mut input, "big.json", &text).unwrap();
    let extra = PEAK.load(Relaxed) - before;
    let FileKind::Kube(counts) = &input.kinds[0] else {
        panic!("a kubectl dump");
    };
    assert_eq!(counts["ConfigMap"], 400_000);
    assert_eq!(input.workloads.len(), 1);
    // One item's tree and the records: far below the text itself (the whole tree was ~70×).
    assert!(
        extra < text.len() / 4,
        "reading {} bytes allocated {extra} more at the peak",
        text.len()
    );
}
