import CourtyardDomain
import CourtyardServer
import CourtyardStore
import Foundation
import SQLKit

/// Community events in the first two communities: past ones with attendance, helpers' hours and a report with
/// photos on the news page; coming ones with sign-ups, one full with a waiting list that has already moved up
/// once; one called off.
enum DemoEvents {
    static func seed(services: Services, subdistrictId sd: Int64) async throws {
        let db = services.database
        let communities = try await db.withConnection { db in
            try await db.raw("SELECT id FROM communities WHERE subdistrict_id = \(bind: sd) ORDER BY id LIMIT 2").all()
                .map { try $0.int("id") }
        }
        guard let first = communities.first else { return }
        let compound = try await db.withConnection { db in
            try await db.raw("SELECT id FROM compounds WHERE community_id = \(bind: first) ORDER BY id LIMIT 1")
                .first()?
                .int("id")
        }
        // Residents of the first compound with a phone: those who sign up.
        let found: [(String, String)] = try await db.withConnection { db in
            try await db.raw(
                """
                SELECT DISTINCT r.id, r.name, r.phone FROM residents r JOIN household_residents hr ON hr.resident_id = r.id
                JOIN households h ON h.id = hr.household_id
                WHERE h.compound_id = \(bind: compound ?? 0) AND r.phone <> '' AND hr.lives_elsewhere = 0
                ORDER BY r.id LIMIT 30
                """
            ).all().map { (try $0.text("name"), try $0.text("phone")) }
        }
        var seen: Set<String> = []
        let people = found.filter { seen.insert($0.1).inserted }
        let repo = EventRepository(database: db)
        let now = EventInstant(seconds: Int64(Date().timeIntervalSince1970.rounded(.down)))
        let today = now.chinaDay
        func at(_ days: Int64, _ hour: Int, _ minute: Int = 0) -> EventInstant {
            EventInstant(
                seconds: today.adding(days: days).ordinal * 86400 + Int64(hour * 3600 + minute * 60) - 8 * 3600)
        }
        func code() -> String { "demo-\(UUID().uuidString)" }
        let photos = [
            try await AttachmentRepository(database: db).create(
                filename: "快乐星期天-1.png", bytes: DemoPicture.png(seed: 1), actor: .system
            ).id,
            try await AttachmentRepository(database: db).create(
                filename: "快乐星期天-2.png", bytes: DemoPicture.png(seed: 2), actor: .system
            ).id,
            try await AttachmentRepository(database: db).create(
                filename: "合唱.png", bytes: DemoPicture.png(seed: 3), actor: .system
            ).id,
        ]
        let organisers = [EventOrganiser(name: "李红梅", phone: "13903710001"), EventOrganiser(name: "张建国", phone: "")]

        // A past Happy Sunday: signed up, attended, helpers' hours, a report with two photos.
        let show = try await repo.create(
            .init(
                title: "快乐星期天·居民才艺展示", kind: .happySunday, communityId: first, compoundId: nil,
                startsAt: at(-20, 15), endsAt: at(-20, 17), place: "社区党群服务中心二楼活动室", capacity: 30,
                signup: .open, organisers: organisers), actor: .system)
        var showSignups: [Int64] = []
        for (name, phone) in people.prefix(12) {
            let made = try await repo.signUp(
                eventId: show.id, name: name, phone: phone, codeHash: code(), actor: nil, now: at(-25, 10))
            showSignups.append(made.id)
        }
        _ = try await repo.setAttendance(
            eventId: show.id, attended: Array(showSignups.prefix(10)), actor: .system, now: now)
        _ = try await repo.setHours(
            eventId: show.id,
            [
                (name: "李红梅", phone: "13903710001", role: .organiser, minutes: 240),
                (name: "张建国", phone: "", role: .organiser, minutes: 180),
                (name: "王秀兰", phone: "13903710002", role: .helper, minutes: 150),
            ], actor: .system, now: now)
        _ = try await repo.setReport(
            eventId: show.id,
            text:
                "11月的快乐星期天在社区活动室举行，十位居民登台表演了葫芦丝、快板、太极扇和京剧选段，八十岁的刘大爷一曲《南泥湾》赢得满堂彩。志愿者为行动不便的老人提供了接送。下期活动将在楼院改造完工的小广场举行，欢迎大家报名。",
            photos: Array(photos.prefix(2)), actor: .system, now: now)

        // A red-song choir for one compound's residents, reported.
        if let compound {
            let choir = try await repo.create(
                .init(
                    title: "红歌合唱排练", kind: .culture, communityId: nil, compoundId: compound, startsAt: at(-9, 9, 30),
                    endsAt: at(-9, 11), place: "小区新修的文化小广场", capacity: 20, signup: .residents,
                    organisers: [organisers[0]]), actor: .system)
            var choirSignups: [Int64] = []
            for (name, phone) in people.dropFirst(12).prefix(8) {
                choirSignups.append(
                    try await repo.signUp(
                        eventId: choir.id, name: name, phone: phone, codeHash: code(), actor: nil, now: at(-12, 10)
                    ).id)
            }
            _ = try await repo.setAttendance(eventId: choir.id, attended: choirSignups, actor: .system, now: now)
            _ = try await repo.setReport(
                eventId: choir.id,
                text: "二十多位居民在改造后的小广场排练《歌唱祖国》，楼长王老师担任指挥。合唱团每周六上午排练，欢迎有兴趣的居民加入。",
                photos: [photos[2]], actor: .system, now: now)
        }

        // A policy talk without sign-ups, reported without photos.
        let talk = try await repo.create(
            .init(
                title: "燃气入户安全政策宣讲", kind: .policyTalk, communityId: first, compoundId: nil, startsAt: at(-4, 19),
                endsAt: at(-4, 20, 30), place: "社区党群服务中心一楼", capacity: nil, signup: .none,
                organisers: [EventOrganiser(name: "燃气公司 赵工", phone: "")]), actor: .system)
        _ = try await repo.setReport(
            eventId: talk.id, text: "燃气公司工程师讲解了入户燃气改造的流程、费用和安全用气常识，解答了居民关于管道走向和表具位置的十几个问题。",
            photos: [], actor: .system, now: now)

        // A coming poetry reading, full, with a waiting list that has already moved up once.
        let poetry = try await repo.create(
            .init(
                title: "快乐星期天·诗歌朗诵会", kind: .happySunday, communityId: first, compoundId: nil, startsAt: at(5, 15),
                endsAt: at(5, 16, 30), place: "社区党群服务中心二楼活动室", capacity: 6, signup: .open,
                organisers: organisers), actor: .system)
        var poetrySignups: [Int64] = []
        for (name, phone) in people.dropFirst(20).prefix(9) {
            poetrySignups.append(
                try await repo.signUp(
                    eventId: poetry.id, name: name, phone: phone, codeHash: code(), actor: nil, now: now
                )
                .id)
        }
        if poetrySignups.count > 2 {
            _ = try await repo.cancelSignup(
                eventId: poetry.id, signupId: poetrySignups[1], by: .staff(.system), now: now)
        }

        // A coming volunteer clean-up without a limit, and a concert called off.
        let cleanUp = try await repo.create(
            .init(
                title: "志愿服务·楼道清洁日", kind: .volunteer, communityId: first, compoundId: nil, startsAt: at(12, 8, 30),
                endsAt: at(12, 11, 30), place: "各楼栋单元门口集合", capacity: nil, signup: .open, organisers: organisers),
            actor: .system)
        for (name, phone) in people.prefix(3) {
            _ = try await repo.signUp(
                eventId: cleanUp.id, name: name, phone: phone, codeHash: code(), actor: nil, now: now)
        }
        let concert = try await repo.create(
            .init(
                title: "戏曲进社区演出", kind: .culture, communityId: first, compoundId: nil, startsAt: at(8, 19),
                endsAt: at(8, 21), place: "小区文化小广场", capacity: 80, signup: .open, organisers: [organisers[1]]),
            actor: .system)
        _ = try await repo.cancel(id: concert.id, reason: "天气预报有大风降温，演出改期另行通知", actor: .system)

        // The second community's news page is not empty either.
        if communities.count > 1 {
            let other = try await repo.create(
                .init(
                    title: "重阳节敬老茶话会", kind: .other, communityId: communities[1], compoundId: nil,
                    startsAt: at(-15, 14, 30), endsAt: at(-15, 16, 30), place: "社区老年活动中心", capacity: nil,
                    signup: .none, organisers: [EventOrganiser(name: "陈桂芳", phone: "")]), actor: .system)
            _ = try await repo.setReport(
                eventId: other.id, text: "社区为辖区七十岁以上的老人举办茶话会，送上长寿面和体检券。", photos: [], actor: .system, now: now)
        }
    }
}

/// A small picture for the demo's event photos: a sky, a sun, a stage and a row of people, as a PNG written by
/// hand (stored deflate blocks), so the demo needs no image files.
enum DemoPicture {
    static func png(seed: Int) -> [UInt8] {
        let width = 240
        let height = 160
        var raw: [UInt8] = []
        raw.reserveCapacity(height * (1 + width * 3))
        let sky: [[UInt8]] = [[173, 216, 230], [255, 228, 196], [200, 230, 201]]
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width {
                var c = sky[seed % 3]
                let sunX = 40 + seed * 50
                if (x - sunX) * (x - sunX) + (y - 35) * (y - 35) < 400 { c = [250, 200, 60] }
                if y > 100 { c = [150, 40, 40] }
                if y > 120 { c = [120, 110, 100] }
                // People: a head and a body every 30 pixels on the stage.
                let px = (x + seed * 7) % 30
                if y > 70 && y <= 100 && px >= 12 && px < 18 { c = [40, 60, 140] }
                if y > 58 && y <= 70 && (px - 15) * (px - 15) + (y - 64) * (y - 64) < 30 { c = [240, 200, 170] }
                raw += c
            }
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func chunk(_ type: String, _ data: [UInt8]) {
            out += be32(UInt32(data.count))
            let body = Array(type.utf8) + data
            out += body
            out += be32(crc32(body))
        }
        chunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [8, 2, 0, 0, 0])
        var z: [UInt8] = [0x78, 0x01]
        var i = 0
        while i < raw.count {
            let n = min(65535, raw.count - i)
            z.append(i + n == raw.count ? 1 : 0)
            z += [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            z += raw[i..<(i + n)]
            i += n
        }
        z += be32(adler32(raw))
        chunk("IDAT", z)
        chunk("IEND", [])
        return out
    }

    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for d in data {
            a = (a + UInt32(d)) % 65521
            b = (b + a) % 65521
        }
        return (b << 16) | a
    }
}
