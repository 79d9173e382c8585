import CourtyardDomain
import CourtyardStore
import Foundation

/// A community's news as an Atom 1.0 feed (RFC 4287): one entry per event report, newest first, with the
/// report's text and links to its photos. Nothing personal: no organisers, no sign-ups.
enum EventFeeds {
    /// Text for XML character data and attribute values.
    static func xml(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            // Characters XML 1.0 does not allow are left out.
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func atom(communityId: Int64, communityName: String, events: [CommunityEvent], base: String, lang: Lang)
        -> String
    {
        let page = base + SiteRoute.communityNews(communityId).path
        let updated = events.first?.report?.reportedAt ?? "2026-01-01T00:00:00Z"
        var lines = [
            #"<?xml version="1.0" encoding="utf-8"?>"#,
            #"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-Hans">"#,
            "<title>\(xml(communityName + " · " + lang.t("event.news")))</title>",
            "<id>\(xml(page))</id>",
            "<updated>\(xml(updated))</updated>",
            #"<link rel="self" type="application/atom+xml" href="\#(xml(base + SiteRoute.communityNewsFeed(communityId).path))"/>"#,
            #"<link rel="alternate" type="text/html" href="\#(xml(page))"/>"#,
            "<author><name>\(xml(communityName))</name></author>",
            "<generator>Courtyard</generator>",
        ]
        for e in events {
            guard let report = e.report else { continue }
            let link = base + SiteRoute.publicEvent(e.id).path
            lines.append("<entry>")
            lines.append("<title>\(xml(e.title))</title>")
            lines.append("<id>\(xml(link))</id>")
            lines.append("<updated>\(xml(report.reportedAt))</updated>")
            lines.append("<published>\(xml(report.reportedAt))</published>")
            lines.append(#"<link rel="alternate" type="text/html" href="\#(xml(link))"/>"#)
            lines.append(
                #"<category term="\#(xml(e.kind.rawValue))" label="\#(xml(lang.t("event.kind." + e.kind.rawValue)))"/>"#
            )
            let summary = [lang.t("event.kind." + e.kind.rawValue), EventWords.when(e), e.place].joined(
                separator: " · ")
            lines.append("<summary>\(xml(summary))</summary>")
            lines.append(#"<content type="text">\#(xml(report.text))</content>"#)
            for photo in report.photos {
                lines.append(#"<link rel="enclosure" href="\#(xml(base + SiteRoute.publicAttachment(photo).path))"/>"#)
            }
            lines.append("</entry>")
        }
        lines.append("</feed>")
        return lines.joined(separator: "\n") + "\n"
    }

    static func calendarEvent(_ e: CommunityEvent) -> ICalendar.Event { e.calendarEvent }
}
