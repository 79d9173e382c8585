import CourtyardDomain
import Testing

@Suite struct JSONValueCodingTests {
    struct Item: Codable, Equatable {
        var id: Int64
        var name: String
        var quantity: ExactDecimal
        var area: Area?
        var finishedOn: Day?
        var tags: [String]
        enum CodingKeys: String, CodingKey {
            case id, name, quantity, area, tags
            case finishedOn = "finished_on"
        }
    }

    @Test func aModelIsWrittenInDeclaredOrderWithNullsAndExactNumbers() throws {
        let item = Item(
            id: 7, name: "幸福里", quantity: ExactDecimal(numberText: "72.5")!, area: nil, finishedOn: Day("2026-11-30"),
            tags: ["a"])
        #expect(
            try JSONValueCoding.encode(item).serialized()
                == #"{"id":7,"name":"幸福里","quantity":72.5,"area":null,"tags":["a"],"finished_on":"2026-11-30"}"#)
    }

    /// Text is written with exactly the escapes JSON needs, wherever they fall in it, and read back the same.
    @Test func textIsEscapedWhereverTheEscapesFall() throws {
        let cases: [(String, String)] = [
            ("", #""""#),
            ("楼长 😀", #""楼长 😀""#),
            ("\"前\"", #""\"前\"""#),
            ("a\\b\nc\rd\te", #""a\\b\nc\rd\te""#),
            ("\u{01}后\u{1f}", #""\u0001后\u001f""#),
            ("尾\\", #""尾\\""#),
        ]
        for (text, written) in cases {
            #expect(JSONValue.string(text).serialized() == written)
            #expect(JSONValue.parse(written) == .string(text))
        }
        #expect(try JSONValueCoding.encode(["k\"": "v"]).serialized() == #"{"k\"":"v"}"#)
    }

    @Test func aBodyIsReadBackExactly() throws {
        let json = try #require(JSONValue.parse(#"{"id":7,"name":"x","quantity":0.1,"area":12.34,"tags":[]}"#))
        let item = try JSONValueCoding.decode(Item.self, from: json)
        #expect(item.quantity.numberText == "0.1")
        #expect(item.area == Area(parsing: "12.34"))
        #expect(item.finishedOn == nil)
    }

    @Test func aMissingFieldIsRequiredAndAWrongOneInvalidEachNamed() throws {
        let missing = try #require(JSONValue.parse(#"{"id":7,"quantity":1,"tags":[]}"#))
        #expect(throws: ValidationError(field: "name", code: "required", message: "name is required")) {
            try JSONValueCoding.decode(Item.self, from: missing)
        }
        let wrong = try #require(JSONValue.parse(#"{"id":"7","name":"x","quantity":1,"tags":[]}"#))
        #expect(throws: ValidationError(field: "id", code: "invalid", message: "id is not valid")) {
            try JSONValueCoding.decode(Item.self, from: wrong)
        }
        let nested = try #require(JSONValue.parse(#"{"id":7,"name":"x","quantity":1,"tags":[1]}"#))
        #expect(throws: ValidationError(field: "tags[0]", code: "invalid", message: "tags[0] is not valid")) {
            try JSONValueCoding.decode(Item.self, from: nested)
        }
        let text = try #require(JSONValue.parse(#"{"id":7,"name":"x","quantity":"1","tags":[]}"#))
        #expect(throws: ValidationError.self) { try JSONValueCoding.decode(Item.self, from: text) }
    }
}
