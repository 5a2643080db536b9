import Testing
@testable import Study

struct SpearmanTests {
    @Test("ranks: ascending from 1, ties share the mean of the ranks they span")
    func ranks() {
        #expect(Spearman.ranks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4])
        #expect(Spearman.ranks([3, 1, 2]) == [3, 1, 2])
        #expect(Spearman.ranks([5, 5, 5]) == [2, 2, 2])
        // 1,1 take ranks 1-2 (1.5); 2 -> 3; 3 -> 4; 4 -> 5; 5 -> 6; 6 -> 7; 9 -> 8.
        #expect(Spearman.ranks([3, 1, 4, 1, 5, 9, 2, 6]) == [4, 1.5, 5, 1.5, 6, 8, 3, 7])
        // 1,1 -> 1.5; 2,2 -> 3.5; 7 -> 5; 8,8,8 take 6-8 -> 7.
        #expect(Spearman.ranks([2, 7, 1, 8, 2, 8, 1, 8]) == [3.5, 5, 1.5, 7, 3.5, 7, 1.5, 7])
    }

    @Test("rho without ties matches 1 - 6 sum(d^2) / (n (n^2 - 1))")
    func noTies() throws {
        // d = [1, -1, 1, -1, 0], sum d^2 = 4: 1 - 24 / 120 = 0.8.
        let rho = try #require(Spearman.rho([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]))
        #expect(abs(rho - 0.8) < 1e-12)
        #expect(Spearman.rho([1, 2, 3], [10, 20, 30]) == 1)
        #expect(Spearman.rho([1, 2, 3], [30, 20, 10]) == -1)
        // Only the order counts, not the values.
        #expect(Spearman.rho([0.1, 0.2, 0.9, 0.5], [1, 2, 1000, 3]) == 1)
    }

    @Test("rho with ties is Pearson on average ranks")
    func ties() throws {
        // ranks [1, 2.5, 2.5, 4, 5] and [2, 1, 3.5, 3.5, 5], both of mean 3:
        // deviations [-2, -.5, -.5, 1, 2] and [-1, -2, .5, .5, 2]; sum of products 7.25,
        // sums of squares 9.5 and 9.5: rho = 7.25 / 9.5.
        let rho = try #require(Spearman.rho([1, 2, 2, 3, 5], [2, 1, 3, 3, 4]))
        #expect(abs(rho - 7.25 / 9.5) < 1e-12)
        // scipy.stats.spearmanr gives 0.19885368120992467 for these.
        let many = try #require(Spearman.rho([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]))
        #expect(abs(many - 0.19885368120992467) < 1e-12)
    }

    @Test("undefined: fewer than two values, a constant side, a value that is not a number")
    func undefined() {
        #expect(Spearman.rho([], []) == nil)
        #expect(Spearman.rho([1], [2]) == nil)
        #expect(Spearman.rho([1, 1, 1], [1, 2, 3]) == nil)
        #expect(Spearman.rho([1, 2, .nan], [1, 2, 3]) == nil)
    }

    @Test("summary: mean and sample standard deviation, no spread for one value")
    func summary() throws {
        let s = try #require(Summary([30, 31, 32]))
        #expect(s.mean == 31 && s.spread == 1 && s.count == 3)
        let one = try #require(Summary([29.5]))
        #expect(one.mean == 29.5 && one.spread == nil && one.count == 1)
        #expect(Summary([]) == nil)
    }
}
