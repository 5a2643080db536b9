import Testing
@testable import Denoiser

/// The two built-in methods behind `DenoisingMethod`: their names, their plans and the settings
/// each refuses.
@Suite struct MethodTests {
    @Test("every built-in method has a plan for every preset, and the registry finds it by name in any case")
    func plansAndNames() throws {
        for method in [ZSN2NMethod.self, PixelBankMethod.self] as [any DenoisingMethod.Type] {
            #expect(DenoisingMethods.named(method.name.uppercased())?.name == method.name)
            for preset in Preset.all {
                let plan = method.plan(preset)
                #expect(plan.iterations >= 1 && plan.stepSize >= 1 && plan.batch >= 1, "\(method.name), \(preset.name)")
            }
        }
        #expect(DenoisingMethods.standard.name == PixelBankMethod.name)
        #expect(DenoisingMethods.named("bogus") == nil)
        // The two plans differ where the methods were measured to want it.
        #expect(PixelBankMethod.plan(.balanced).crop == 64 && ZSN2NMethod.plan(.balanced).crop == 104)
    }

    @Test("each method refuses the settings it cannot honour, naming the key")
    func refusals() throws {
        #expect(throws: SettingsError(key: "bank_stride", "is the pixel-bank method's; zs-n2n has no banks")) {
            try ZSN2NMethod(MethodSettings(bankStride: 2))
        }
        #expect(throws: SettingsError(key: "method", "only pixel-bank has mechanisms to take away")) {
            try ZSN2NMethod(MethodSettings(without: ["draws"]))
        }
        #expect(throws: SettingsError(key: "bank_stride", "must be 1 to 8, got 9")) {
            try PixelBankMethod(MethodSettings(bankStride: 9))
        }
        #expect(throws: SettingsError.self) { try PixelBankMethod(MethodSettings(without: ["wings"])) }
        let ablated = try PixelBankMethod(MethodSettings(bankStride: 3, without: ["draws", "acceptance"]))
        #expect(ablated == PixelBankMethod(stride: 3, without: [.draws, .acceptance]))
        #expect(ablated.settingFields == ["bank_stride": "3", "without": "acceptance,draws"])
        #expect(ZSN2NMethod(sampler: .stripe).settingFields == ["sampler": "stripe"])
        #expect(!ablated.isEqual(to: PixelBankMethod()) && ablated.isEqual(to: ablated) && !ablated.isEqual(to: ZSN2NMethod()))
    }

    @Test("ZS-N2N refuses an image too small for its sampler before anything is measured")
    func refusalBySize() {
        #expect(ZSN2NMethod(sampler: .threeSizeSample).refusal(height: 2, width: 8)
                == "a 8x2 image is too small for sampler threeSizeSample, which needs at least 3 pixels a side")
        #expect(ZSN2NMethod().refusal(height: 2, width: 2) == nil)
        #expect(PixelBankMethod().refusal(height: 1, width: 1) == nil)
    }
}
