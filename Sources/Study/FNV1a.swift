/// FNV-1a, 64 bits: a stable hash (Swift's Hasher is seeded per process, so it cannot be stored).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ bytes: some Sequence<UInt8>) {
        for b in bytes {
            value ^= UInt64(b)
            value = value &* 0x0000_0100_0000_01B3
        }
    }

    /// The 8 bytes of `word`, little end first.
    mutating func add(_ word: UInt64) {
        for k in 0..<8 {
            value ^= (word >> (8 * UInt64(k))) & 0xFF
            value = value &* 0x0000_0100_0000_01B3
        }
    }
}
