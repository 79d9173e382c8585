/// A stored UTC time ("2026-11-25T23:58:00Z") as people in China read it: "2026-11-26 07:58" (UTC+8).
public func beijingTime(_ iso: String, dateOnly: Bool = false) -> String {
    let chars = Array(iso)
    guard chars.count >= 16, let day = Day(String(chars[0..<10])), let h = Int(String(chars[11..<13])),
        let m = Int(String(chars[14..<16]))
    else { return iso }
    let minutes = h * 60 + m + 8 * 60
    let local = day.adding(days: Int64(minutes / 1440))
    if dateOnly { return local.description }
    let hm = minutes % 1440
    return "\(local) \(hm / 60 < 10 ? "0" : "")\(hm / 60):\(hm % 60 < 10 ? "0" : "")\(hm % 60)"
}
