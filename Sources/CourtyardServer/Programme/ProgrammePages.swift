import CourtyardDomain
import CourtyardStore
import Foundation
import Hummingbird

/// The renovation programme: the batch overview, a project's page (plan, gates, schedule, ledger, checks) and bulletins.
enum ProgrammePages {
    static func add(to router: Router<AppContext>, services: Services) {
        ProgrammePageController(services: services).register(on: router)
        ProjectPageController(services: services).register(on: router)
        NewProjectController(services: services).register(on: router)
        BulletinListController(services: services).register(on: router)
        BulletinPageController(services: services).register(on: router)
        InspectionPageController(services: services).register(on: router)
        SafetyPaperworkController(services: services).register(on: router)
        TrainingPageController(services: services).register(on: router)
    }
}
