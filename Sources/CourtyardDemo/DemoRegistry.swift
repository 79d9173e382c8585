import CourtyardDomain

/// A fictional sub-district (or city) as household-sheet rows, the same every run.
public struct DemoRegistry: Sendable {
    public struct Plan: Sendable {
        public var subdistricts: Int
        public var communitiesPerSubdistrict: Int
        public var compoundsPerCommunity: Int
        public var householdsPerCompound: Int
    }

    public static let subdistrict = Plan(
        subdistricts: 1, communitiesPerSubdistrict: 5, compoundsPerCommunity: 8, householdsPerCompound: 150)
    public static let city = Plan(
        subdistricts: 50, communitiesPerSubdistrict: 5, compoundsPerCommunity: 8, householdsPerCompound: 160)

    static let subdistrictNames = ["建设路街道", "人民路街道", "解放路街道", "东风路街道", "文化路街道", "桐柏路街道", "航海路街道", "中原路街道"]
    static let communityNames = ["幸福里社区", "光明社区", "文化宫社区", "铁路社区", "东风社区", "红旗社区", "和平社区", "朝阳社区"]
    static let compoundNames = [
        "纺织厂家属院", "机械厂宿舍", "粮食局家属院", "市一中家属院", "电业局家属院", "棉纺厂生活区",
        "邮电局宿舍", "水利局家属院", "第二建筑公司院", "食品厂家属院", "印刷厂宿舍", "运输公司家属院",
    ]
    static let streets = ["建设路", "人民路", "解放路", "伏牛路", "嵩山路", "工人路", "秦岭路", "桐柏路"]
    static let surnames = Array("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
    static let given = [
        "建国", "秀英", "桂兰", "玉兰", "志强", "丽华", "国庆", "红梅", "德明", "淑珍", "海燕", "卫东", "春生", "美玲", "振华", "晓东", "文杰", "凤英",
        "建华", "明",
    ]

    public let plan: Plan
    public init(_ plan: Plan) { self.plan = plan }

    public func subdistrictName(_ i: Int) -> String {
        i < Self.subdistrictNames.count ? Self.subdistrictNames[i] : "第\(i + 1)街道"
    }

    /// Rows of sub-district `s`; community and compound names are unique across a city so sheets can be merged.
    public func rows(subdistrict s: Int) -> [HouseholdRow] {
        var rng = SplitMix64(seed: UInt64(s + 1) &* 0x9E37_79B9)
        var rows: [HouseholdRow] = []
        rows.reserveCapacity(plan.communitiesPerSubdistrict * plan.compoundsPerCommunity * plan.householdsPerCompound)
        var lastOwner: (String, String)?
        for c in 0..<plan.communitiesPerSubdistrict {
            let cm =
                plan.subdistricts == 1
                ? Self.communityNames[c % Self.communityNames.count]
                : "\(subdistrictName(s).dropLast(2))\(Self.communityNames[c % Self.communityNames.count])"
            for p in 0..<plan.compoundsPerCommunity {
                let k = c * plan.compoundsPerCommunity + p
                let name =
                    Self.compoundNames[k % Self.compoundNames.count]
                    + (k >= Self.compoundNames.count ? "\(k / Self.compoundNames.count + 1)区" : "")
                let address = "\(Self.streets[(s + k) % Self.streets.count])\(10 + k * 7)号"
                let year = 1978 + Int(rng.next() % 22)
                // 4 or 5 buildings (4.5 on average), 2 entrances each, two households a floor.
                let buildings = 4 + (k % 2)
                var left = plan.householdsPerCompound
                for b in 0..<buildings {
                    let inBuilding = left / (buildings - b)
                    left -= inBuilding
                    for e in 0..<2 {
                        let inEntrance = e == 0 ? (inBuilding + 1) / 2 : inBuilding / 2
                        for h in 0..<inEntrance {
                            let floor = h / 2 + 1
                            let room = "\(floor)0\(h % 2 + 1)"
                            let area = Area(centi: 4500 + Int64(rng.next() % 8000))
                            var owner = (Self.personName(&rng), Self.phone(&rng))
                            // About 2% of owners hold a second household in the same compound.
                            if let last = lastOwner, rng.next() % 50 == 0 { owner = last }
                            lastOwner = owner
                            rows.append(
                                HouseholdRow(
                                    row: rows.count + 2, community: cm, compound: name, address: address,
                                    builtYear: year,
                                    building: "\(b + 1)号楼", entrance: "\(e + 1)单元", room: room, floor: floor,
                                    area: area,
                                    ownerName: owner.0, ownerPhone: owner.1, livesElsewhere: rng.next() % 10 == 0))
                        }
                    }
                }
            }
        }
        return rows
    }

    public static func personName(_ rng: inout SplitMix64) -> String {
        String(surnames[Int(rng.next() % UInt64(surnames.count))]) + given[Int(rng.next() % UInt64(given.count))]
    }

    /// An 11-digit mobile number starting 13, 15 or 18.
    public static func phone(_ rng: inout SplitMix64) -> String {
        let tail = String(rng.next() % 1_000_000_000)
        return "1" + ["3", "5", "8"][Int(rng.next() % 3)] + String(repeating: "0", count: 9 - tail.count) + tail
    }
}

/// A small, fast, seedable generator so demo data is the same on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
