/// Spearman's rank correlation, as scipy.stats.spearmanr computes it: rank each list (ties get the
/// average of the ranks they span), then take Pearson's correlation of the two rank lists. With ties
/// the textbook shortcut 1 - 6 sum(d^2) / (n (n^2 - 1)) is not exact, so it is not used.
public enum Spearman {
    /// 1-based ranks in ascending order; equal values share the mean of their ranks
    /// ([10, 20, 20, 30] -> [1, 2.5, 2.5, 4]).
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            // Positions start...end (0-based) hold ranks start+1...end+1: their mean.
            let shared = Double(start + end + 2) / 2
            for k in start...end { ranks[order[k]] = shared }
            start = end + 1
        }
        return ranks
    }

    /// rho in [-1, 1], or nil when it is undefined: fewer than two pairs, a value that is not a
    /// finite number, or one side all ties (its ranks have no variance).
    public static func rho(_ a: [Double], _ b: [Double]) -> Double? {
        precondition(a.count == b.count, "Spearman: lists of different lengths")
        guard a.count >= 2, a.allSatisfy(\.isFinite), b.allSatisfy(\.isFinite) else { return nil }
        return pearson(ranks(a), ranks(b))
    }

    static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            sxy += (x[i] - mx) * (y[i] - my)
            sxx += (x[i] - mx) * (x[i] - mx)
            syy += (y[i] - my) * (y[i] - my)
        }
        guard sxx > 0, syy > 0 else { return nil }
        return max(-1, min(1, sxy / (sxx * syy).squareRoot()))
    }
}
