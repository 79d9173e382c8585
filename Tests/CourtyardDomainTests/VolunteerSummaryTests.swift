import CourtyardDomain
import Testing

@Suite struct VolunteerSummaryTests {
    @Test func aPersonIsOneAcrossEventsAndPatrolsByPhoneAndTeamsCountEachPersonOnce() {
        let entries = [
            VolunteerEntry(name: "李红梅", phone: "13903710001", team: "红马甲志愿服务队", activity: .patrol, minutes: 90),
            VolunteerEntry(name: "李红梅", phone: "13903710001", team: nil, activity: .event, minutes: 100, eventId: 7),
            VolunteerEntry(name: "李红梅", phone: "13903710001", team: nil, activity: .event, minutes: 20, eventId: 7),
            VolunteerEntry(name: "李红梅", phone: "13903710001", team: "红马甲志愿服务队", activity: .patrol, minutes: 30),
            VolunteerEntry(name: "王大爷", phone: "", team: "红马甲志愿服务队", activity: .outreach, minutes: 45),
            VolunteerEntry(name: "王大爷", phone: "", team: "邻里驿站", activity: .other, minutes: 200),
            VolunteerEntry(name: "张三", phone: "", team: nil, activity: .event, minutes: 60),
        ]
        let (people, teams) = VolunteerSummary.build(entries)
        #expect(people.map(\.name) == ["王大爷", "李红梅", "张三"])
        #expect(people[1].minutes == [.patrol: 120, .event: 120] && people[1].total == 240)
        #expect(people[1].events == [7] && people[0].events.isEmpty)
        #expect(people[0].teams == ["红马甲志愿服务队", "邻里驿站"] && people[0].total == 245)
        #expect(teams.map(\.name) == ["邻里驿站", "红马甲志愿服务队"])
        #expect(teams[1].volunteers == 2 && teams[1].minutes == 165)
        #expect(VolunteerSummary.build([]).people.isEmpty)
        // Two teams of one name, each with its id, stay two.
        let twins = VolunteerSummary.build([
            VolunteerEntry(name: "甲", phone: "", team: "志愿服务队", teamId: 1, activity: .patrol, minutes: 10),
            VolunteerEntry(name: "乙", phone: "", team: "志愿服务队", teamId: 2, activity: .patrol, minutes: 20),
        ])
        #expect(twins.teams.map(\.minutes) == [20, 10])
    }

    @Test func aNameWithoutAPhoneIsThePersonOfThatNameWhoGaveOne() {
        let one = VolunteerSummary.build([
            VolunteerEntry(name: "韩冬梅", phone: "", team: nil, activity: .patrol, minutes: 45),
            VolunteerEntry(name: "韩冬梅", phone: "13912345678", team: nil, activity: .event, minutes: 60, eventId: 3),
            VolunteerEntry(name: "韩冬梅", phone: "", team: "红马甲", activity: .patrol, minutes: 45),
        ])
        #expect(one.people.count == 1 && one.people[0].phone == "13912345678")
        #expect(one.people[0].minutes == [.patrol: 90, .event: 60] && one.teams.first?.volunteers == 1)
        // Two people of one name with their own phones: the entry without one is neither's.
        let namesakes = VolunteerSummary.build([
            VolunteerEntry(name: "王芳", phone: "13900000001", team: nil, activity: .patrol, minutes: 60),
            VolunteerEntry(name: "王芳", phone: "13900000002", team: nil, activity: .patrol, minutes: 120),
            VolunteerEntry(name: "王芳", phone: "", team: nil, activity: .other, minutes: 30),
        ])
        #expect(namesakes.people.map(\.total) == [120, 60, 30])
        #expect(namesakes.people.map(\.phone) == ["13900000002", "13900000001", ""])
        // A namesake with a phone in another community is another person.
        let elsewhere = VolunteerSummary.build([
            VolunteerEntry(name: "张伟", phone: "", team: nil, activity: .patrol, minutes: 60, communityId: 1),
            VolunteerEntry(name: "张伟", phone: "13900000003", team: nil, activity: .event, minutes: 30, communityId: 2),
        ])
        #expect(elsewhere.people.count == 2)
    }
}
