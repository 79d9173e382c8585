import CourtyardDomain
import Testing

@Suite struct AreaTests {
    @Test(arguments: [
        ("85.6", 8560), ("85.60", 8560), ("８５．６", 8560), ("85.6㎡", 8560), ("85.6平方米", 8560), (" 85.6 m2 ", 8560),
        ("120", 12000), ("0.01", 1), ("1,085.5", 108_550),
    ])
    func parsesWhatOfficesType(_ text: String, _ centi: Int64) {
        #expect(Area.parse(text) == Area(centi: centi))
    }

    @Test(arguments: ["85.601", "-85", "abc", "85.6.1", "", "㎡", "85.6亩", "1e3"])
    func rejectsAnythingElse(_ text: String) {
        #expect(Area.parse(text) == nil)
    }

    @Test func showsTwoDecimals() {
        #expect(Area(centi: 8560).description == "85.60")
        #expect(Area(centi: 5).description == "0.05")
        #expect((Area(centi: 1) + Area(centi: 99)).description == "1.00")
    }
}

@Suite struct TextTests {
    @Test func foldsFullWidthAndSpaces() {
        #expect(TextNormalizer.clean("　１号楼  ２单元 ") == "1号楼 2单元")
        #expect(TextNormalizer.integer("１９８５") == 1985)
        #expect(TextNormalizer.integer("19 85") == nil)
    }

    @Test func yesNoIsStrict() {
        #expect(TextNormalizer.yesNo("是") == true)
        #expect(TextNormalizer.yesNo("否") == false)
        #expect(TextNormalizer.yesNo("") == false)
        #expect(TextNormalizer.yesNo("Y") == true)
        #expect(TextNormalizer.yesNo("可能") == nil)
    }

    @Test func masksPersonalData() {
        #expect(PersonalData.maskName("张三") == "张*")
        #expect(PersonalData.maskName("欧阳娜娜") == "欧***")
        #expect(PersonalData.maskPhone("13812345678") == "138****5678")
        #expect(PersonalData.maskPhone("5551234") == "*****34")
        // As a reader sees them: whole with the right to read them, masked without; nothing stays nothing.
        #expect(PersonalData.name("张三", personal: true) == "张三" && PersonalData.name("张三", personal: false) == "张*")
        #expect(PersonalData.phone("13812345678", personal: false) == "138****5678")
        #expect(PersonalData.phone("", personal: false) == "" && PersonalData.name("", personal: false) == "")
        #expect(PersonalData.normalizePhone("138 1234-5678") == "13812345678")
        #expect(PersonalData.normalizePhone("+86 13812345678") == "13812345678")
        #expect(PersonalData.normalizePhone("１３８１２３４５６７８") == "13812345678")
        #expect(PersonalData.normalizePhone("call me") == nil)
        #expect(PersonalData.normalizePhone("123") == nil)
    }
}

@Suite struct AccessTests {
    @Test func parsesScopes() {
        #expect(Scope.parse("community:12") == Scope(kind: .community, id: 12))
        #expect(Scope.parse("street:1") == nil)
        #expect(Scope.parse("community:0") == nil)
        #expect(Scope.parse("community") == nil)
    }

    @Test func rolesGetWhatTheirWorkNeeds() {
        #expect(Permissions.allows(.steward, .readPersonalData))
        #expect(!Permissions.allows(.viewer, .readPersonalData))
        #expect(!Permissions.allows(.contractor, .readRegistry))
        #expect(!Permissions.allows(.communityStaff, .importRegistry))
        #expect(Permissions.allows(.subdistrictOfficer, .readAudit))
        #expect(!Permissions.allows(.subdistrictOfficer, .writeUsers))
        #expect(Permissions.allowedScopes(for: .admin).isEmpty)
        #expect(Permissions.allowedScopes(for: .contractor) == [.organisation])
    }
}

@Suite struct ControlCharacterTests {
    /// A NUL or another control character never reaches the store: SQLite cut text at a NUL, PostgreSQL refuses it.
    @Test func cleanTextDropsControlCharacters() {
        #expect(TextNormalizer.clean("\u{0}rE") == "rE")
        #expect(TextNormalizer.clean("3\u{7F}0\u{1B}1") == "301")
        #expect(TextNormalizer.clean("\u{0}") == "")
        #expect(TextNormalizer.clean("1 单元\t2") == "1 单元 2")
    }
}
