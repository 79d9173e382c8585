import CourtyardDomain
import Testing

@Suite struct AreaTests {
    /// A person's line of words keeps its Chinese punctuation; only white space and control characters are tidied.
    @Test func aLineOfWordsKeepsItsFullWidthPunctuation() {
        #expect(TextNormalizer.line("  录错了住户，应为反对（纸-0001）\u{0}\n ") == "录错了住户，应为反对（纸-0001）")
        #expect(TextNormalizer.line("选聘：安居物业\u{3000}\u{3000}北片区") == "选聘：安居物业 北片区")
        // A sheet's cell still folds them, for rooms and codes.
        #expect(TextNormalizer.clean("１－１０１（东）") == "1-101(东)")
    }

    /// Marks that turn the text's direction, and C1 controls, are dropped like other control characters: a name with
    /// a right-to-left override would read reversed on every page and export it reaches.
    @Test func directionMarksAndC1ControlsAreDropped() {
        #expect(TextNormalizer.clean("\u{202E}张三") == "张三")
        #expect(TextNormalizer.line("王\u{2066}五\u{2069}\u{200F}") == "王五")
        #expect(TextNormalizer.prose("楼道\u{202D}灯坏了\u{009B}") == "楼道灯坏了")
        #expect(TextNormalizer.prose("第一行\n\u{202E}第二行") == "第一行\n第二行")
        // Letters that draw nothing (Hangul fillers, the blank Braille cell, joiners, selectors) are no text.
        for blank in [
            "\u{3164}", "\u{3164}\u{3164}\u{2800}", "\u{115F}", "\u{034F}", "\u{FE0F}", "\u{FFA0} \u{200B}",
            "\u{1D159}",
            "\u{E000}", "\u{F0000}", "\u{0300}\u{20D0}", "\u{FFFF}", "\u{0378}", "\u{E0020}\u{E0080}", "\u{2065}",
        ] {
            #expect(TextNormalizer.prose(blank).isEmpty, "\(blank.unicodeScalars.map(\.value))")
            #expect(TextNormalizer.line(blank).isEmpty && TextNormalizer.clean(blank).isEmpty)
        }
        // A phone number typed into a note is masked for the public; other numbers stay.
        #expect(PersonalData.maskPhones(in: "请联系13900001111上门，3号楼2单元") == "请联系139****1111上门，3号楼2单元")
        #expect(PersonalData.maskPhones(in: "工单 2026120501，电话 0371-6888888") == "工单 ********01，电话 037*-***8888")
        #expect(PersonalData.maskPhones(in: "联系 139 1234 5678。") == "联系 139 **** 5678。")
        #expect(PersonalData.maskPhones(in: "+86 139-1234-5678") == "+86 1**-****-5678", "eleven digits or more")
        #expect(PersonalData.maskPhones(in: "１３９１２３４５６７８") == "１３９****５６７８")
        #expect(PersonalData.maskPhones(in: "(010)8888-6666") == "(010)****-6666")
        #expect(PersonalData.maskPhones(in: "3号楼2单元501，2026-12-05") == "3号楼2单元501，2026-12-05", "short numbers stay")
        #expect(PersonalData.maskPhones(in: "2026-12-10 13912345678 回访") == "2026-12-10 139****5678 回访")
        #expect(PersonalData.maskPhones(in: "电话 139 1234 5678 2026-12-10") == "电话 139 **** 5678 2026-12-10")
        #expect(PersonalData.maskPhones(in: "2026-12-10 2026-12-11") == "2026-12-10 2026-12-11")
        // Beside a letter they stay as written (an emoji's selector, a name with a filler).
        #expect(TextNormalizer.prose("好\u{2764}\u{FE0F}") == "好\u{2764}\u{FE0F}")
        #expect(TextNormalizer.clean("张三") == "张三" && TextNormalizer.line("\u{3164}李四") == "\u{3164}李四")
        #expect(TextNormalizer.prose("e\u{0301}") == "e\u{0301}", "a mark on its letter stays")
    }

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
        // Read by bytes: only ASCII digits and minus signs, at most nine of them; other digits are not numbers here.
        #expect(TextNormalizer.integer("-5") == -5 && TextNormalizer.integer("123456789") == 123_456_789)
        #expect(TextNormalizer.integer("1234567890") == nil && TextNormalizer.integer("٣") == nil)
        #expect(TextNormalizer.integer("1\u{301}") == nil && TextNormalizer.integer("") == nil)
        #expect(TextNormalizer.integer("五") == nil && TextNormalizer.integer("1.5") == nil)
        // Lines are trimmed by Unicode white space, and text with none at its ends is the same text.
        #expect("\u{3000} 1号楼\u{A0}".trimmingWhitespace() == "1号楼" && "1 号楼".trimmingWhitespace() == "1 号楼")
        #expect(" ".trimmingWhitespace() == "" && "".trimmingWhitespace() == "")
    }

    /// Cleaning decides from the bytes for most text and from the scalars where a byte could begin a space or a
    /// full-width form; both give what cleaning scalar by scalar gives.
    @Test func cleaningIsTheSameWhicheverWayItIsDecided() {
        let cases: [(String, String)] = [
            ("张三", "张三"), ("张\u{3000}三", "张 三"), ("a\u{A0}b", "a b"), ("Ａ１号", "A1号"), (" 张三", "张三"),
            ("张三 ", "张三"), ("张  三", "张 三"), ("张\t三", "张 三"), ("\u{FEFF}张三", "张三"), ("“引号”。", "“引号”。"),
            ("a\u{0}b\u{7F}c", "abc"), ("é\u{2003}ü", "é ü"), ("1\u{200B}2", "1 2"), ("", ""), ("   ", ""),
            ("\u{1680}x", "x"), ("x\u{85}", "x"), ("６０．５", "60.5"), ("·", "·"), ("𠀋栋", "𠀋栋"),
        ]
        for (raw, clean) in cases { #expect(TextNormalizer.clean(raw) == clean, "\(raw.debugDescription)") }
        // Every pair of a few awkward characters: cleaning twice changes nothing more.
        let parts = ["a", " ", "\u{3000}", "张", "\t", "Ｂ", "\u{A0}", "·", "。"]
        for x in parts {
            for y in parts {
                for z in parts {
                    let once = TextNormalizer.clean(x + y + z)
                    #expect(TextNormalizer.clean(once) == once)
                    #expect(!once.hasPrefix(" ") && !once.hasSuffix(" ") && !once.contains("  "))
                }
            }
        }
    }

    /// Byte order, not Unicode's: 张 (U+5F20) before 李 (U+674E) before 王 (U+738B), a prefix first, and "é" as one
    /// scalar (C3 A9) after "e" with a combining accent (65 CC 81), which Swift's `<` holds equal.
    @Test func ordersByUTF8Bytes() {
        let names = ["王五", "李四", "张三", "张", "张三丰", "b", "a"]
        #expect(names.sorted { $0.precedesInUTF8($1) } == ["a", "b", "张", "张三", "张三丰", "李四", "王五"])
        #expect("e\u{301}".precedesInUTF8("\u{e9}"))
        #expect(!"\u{e9}".precedesInUTF8("e\u{301}"))
        #expect(!"张三".precedesInUTF8("张三"))
    }

    @Test func yesNoIsStrict() {
        #expect(TextNormalizer.yesNo("是") == true)
        #expect(TextNormalizer.yesNo("否") == false)
        #expect(TextNormalizer.yesNo("") == false)
        #expect(TextNormalizer.yesNo("Y") == true)
        #expect(TextNormalizer.yesNo("可能") == nil)
        #expect(TextNormalizer.yesNo("TRUE") == true && TextNormalizer.yesNo(" No ") == false)
        #expect(TextNormalizer.yesNo("yes please") == nil)
    }

    @Test func masksPersonalData() {
        #expect(PersonalData.maskName("张三") == "张*")
        #expect(PersonalData.maskName("欧阳娜娜") == "欧***")
        // An organiser keeps the organisation written before the person; the person alone is masked as a name.
        #expect(PersonalData.maskOrganiser("燃气公司 赵工") == "燃气公司 赵*")
        #expect(PersonalData.maskOrganiser("市一中 社工　李明华 ") == "市一中 社工 李**")
        #expect(PersonalData.maskOrganiser("李明") == "李*")
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
        // A character of several scalars, a digit that is not ASCII, or too many digits refuses the whole number.
        #expect(PersonalData.normalizePhone("13812345678\u{301}") == nil)
        #expect(PersonalData.normalizePhone("138١2345678") == nil)
        #expect(PersonalData.normalizePhone(String(repeating: "1", count: 200)) == nil)
        #expect(PersonalData.normalizePhone("8613812345678") == "13812345678")
        #expect(PersonalData.normalizePhone("(010) 6512-3456") == "01065123456")
        // A mobile has eleven digits; a local landline seven or eight; one digit short is no number to call back.
        #expect(PersonalData.normalizePhone("1381234567") == nil)
        #expect(PersonalData.normalizePhone("138123456789") == nil)
        #expect(PersonalData.normalizePhone("12812345678") == nil)
        #expect(PersonalData.normalizePhone("6512 3456") == "65123456")
        #expect(PersonalData.normalizePhone("0755-8888888") == "07558888888")
        #expect(PersonalData.normalizePhone("655123456") == nil)
        #expect(PersonalData.normalizePhone("400-810-8888") == "4008108888")
        #expect(PersonalData.normalizePhone("800 820 8820") == "8008208820")
        #expect(PersonalData.normalizePhone("4108108888") == nil)
        // With the country's code: a landline's 0 comes back; a number abroad keeps its own code.
        #expect(PersonalData.normalizePhone("+86 10 6552 9999") == "01065529999")
        #expect(PersonalData.normalizePhone("+86 371 6123 4567") == "037161234567")
        #expect(PersonalData.normalizePhone("0086 138 1234 5678") == "13812345678")
        #expect(PersonalData.normalizePhone("+852 9123 4567") == "0085291234567")
        #expect(PersonalData.normalizePhone("0085291234567") == "0085291234567")
        #expect(PersonalData.normalizePhone("+1 23") == nil)
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
