/// Quantiles of floats as numpy's and PyTorch's default gives them (linear interpolation between
/// the two order statistics around q (n - 1)), by selection instead of a sort: the order
/// statistics they need are put in their sorted places by Hoare's partitioning, each range split
/// again only while a wanted rank lies in it. O(n log k) for k quantiles instead of a sort's
/// O(n log n), and the same values, bit for bit. The pixel-bank method fits an acceptance on each
/// tile of its aggregation pass (183 tiles of 256x256 at 12 megapixels): the sorts were 3.5% of a
/// 12-megapixel run's samples, on one thread while the other waited.
enum Quantiles {
    /// The `qs`-quantiles of `values`, which come back reordered.
    static func of(_ values: inout [Float], _ qs: [Double]) -> [Float] {
        let n = values.count
        guard n > 1 else { return qs.map { _ in values.first ?? 0 } }
        let positions = qs.map { $0 * Double(n - 1) }
        var ranks = Set<Int>()
        for p in positions {
            ranks.insert(Int(p))
            if Int(p) + 1 < n { ranks.insert(Int(p) + 1) }
        }
        values.withUnsafeMutableBufferPointer { select($0, ranks: ranks.sorted()[...], lo: 0, hi: n - 1) }
        return positions.map { p in
            let below = Int(p), fraction = Float(p - Double(below))
            return below + 1 < n ? values[below] + fraction * (values[below + 1] - values[below]) : values[below]
        }
    }

    /// Puts the elements of ranks `ranks` (ascending, all within lo...hi) of v[lo...hi] in their
    /// sorted places.
    private static func select(_ v: UnsafeMutableBufferPointer<Float>, ranks: ArraySlice<Int>, lo: Int, hi: Int) {
        var (ranks, lo, hi) = (ranks, lo, hi)
        while !ranks.isEmpty {
            if hi - lo < 16 {
                insertionSort(v, lo, hi)
                return
            }
            let j = partition(v, lo, hi)
            let split = ranks.firstIndex { $0 > j } ?? ranks.endIndex
            let (left, right) = (ranks[..<split], ranks[split...])
            // Recurse into the side with fewer ranks, go on with the other.
            if left.count < right.count {
                select(v, ranks: left, lo: lo, hi: j)
                (ranks, lo) = (right, j + 1)
            } else {
                select(v, ranks: right, lo: j + 1, hi: hi)
                (ranks, hi) = (left, j)
            }
        }
    }

    /// Hoare's partition around the median of the first, middle and last values: returns j, with
    /// lo <= j < hi, such that every value of v[lo...j] is at most every value of v[j+1...hi].
    /// Equal values stop both scans, so a range of equal values splits in the middle.
    private static func partition(_ v: UnsafeMutableBufferPointer<Float>, _ lo: Int, _ hi: Int) -> Int {
        let a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi]
        let pivot = max(min(a, b), min(max(a, b), c))
        var i = lo - 1, j = hi + 1
        while true {
            repeat { i += 1 } while v[i] < pivot
            repeat { j -= 1 } while v[j] > pivot
            if i >= j { return j }
            v.swapAt(i, j)
        }
    }

    private static func insertionSort(_ v: UnsafeMutableBufferPointer<Float>, _ lo: Int, _ hi: Int) {
        guard hi > lo else { return }
        for i in (lo + 1)...hi {
            let value = v[i]
            var k = i
            while k > lo && v[k - 1] > value {
                v[k] = v[k - 1]
                k -= 1
            }
            v[k] = value
        }
    }
}
