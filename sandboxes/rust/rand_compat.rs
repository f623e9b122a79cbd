//! The subset of the rand 0.4 API that the HumanEval-X Rust tests call:
//! `thread_rng()`, `Rng::gen()`, `Rng::gen_range(low, high)` and `random()`.
//! Debian only packages rand 0.8, whose `gen_range` takes a range, so the sandbox
//! links this small crate under the name `rand` instead.

use std::cell::Cell;
use std::time::{SystemTime, UNIX_EPOCH};

/// Types `gen_range(low, high)` can draw uniformly from `[low, high)`.
pub trait SampleRange: Copy {
    fn sample(low: Self, high: Self, bits: u64) -> Self;
}

macro_rules! int_range {
    ($($t:ty),*) => {$(
        impl SampleRange for $t {
            fn sample(low: $t, high: $t, bits: u64) -> $t {
                assert!(low < high, "Rng::gen_range called with low >= high");
                let span = (high as i128 - low as i128) as u128;
                (low as i128 + (bits as u128 % span) as i128) as $t
            }
        }
    )*};
}
int_range!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl SampleRange for f64 {
    fn sample(low: f64, high: f64, bits: u64) -> f64 {
        low + (high - low) * unit(bits)
    }
}

impl SampleRange for f32 {
    fn sample(low: f32, high: f32, bits: u64) -> f32 {
        low + (high - low) * unit(bits) as f32
    }
}

/// Types `gen()` and `random()` can produce.
pub trait Rand {
    fn rand(bits: u64) -> Self;
}

macro_rules! int_rand {
    ($($t:ty),*) => {$( impl Rand for $t { fn rand(bits: u64) -> $t { bits as $t } } )*};
}
int_rand!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl Rand for bool {
    fn rand(bits: u64) -> bool {
        bits & 1 == 1
    }
}

impl Rand for f64 {
    fn rand(bits: u64) -> f64 {
        unit(bits)
    }
}

impl Rand for f32 {
    fn rand(bits: u64) -> f32 {
        unit(bits) as f32
    }
}

fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// A source of random bits with the rand 0.4 convenience methods.
pub trait Rng {
    fn next_u64(&mut self) -> u64;

    fn gen<T: Rand>(&mut self) -> T {
        T::rand(self.next_u64())
    }

    fn gen_range<T: SampleRange>(&mut self, low: T, high: T) -> T {
        T::sample(low, high, self.next_u64())
    }
}

/// A splitmix64 generator seeded from the clock; not for cryptography.
pub struct ThreadRng {
    state: u64,
}

impl Rng for ThreadRng {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

thread_local! {
    static NEXT_SEED: Cell<u64> = Cell::new(
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
    );
}

pub fn thread_rng() -> ThreadRng {
    let seed = NEXT_SEED.with(|next| {
        let seed = next.get();
        next.set(seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407));
        seed
    });
    ThreadRng { state: seed }
}

pub fn random<T: Rand>() -> T {
    thread_rng().gen()
}
