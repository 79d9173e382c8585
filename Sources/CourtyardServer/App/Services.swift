import CourtyardDomain
import CourtyardStore
import Foundation
import Logging

/// What every route needs, built once per process.
public struct Services: Sendable {
    public let database: Database
    public let configuration: ServerConfiguration
    public let logger: Logger
    public let gateway: any MessageGateway
    let metrics = MetricsRegistry()
    let tokens = TokenCache()
    let signInLimits = SignInLimits()
    /// Imports started from the import page, followed on their own page (in this process's memory only).
    let importJobs = ImportJobs()
    /// One sheet read at a time by this server.
    let importGate = ImportGate()
    public var registry: ResourceRepository { ResourceRepository(database: database) }
    public var accounts: AccountRepository { AccountRepository(database: database) }
    public var importer: RegistryImporter { RegistryImporter(database: database) }

    public init(
        database: Database, configuration: ServerConfiguration, logger: Logger = Logger(label: "courtyard"),
        gateway: (any MessageGateway)? = nil
    ) {
        self.database = database
        self.configuration = configuration
        self.logger = logger
        self.gateway = gateway ?? LogMessageGateway(logger: logger)
    }

    public var outboxWorker: OutboxWorker {
        OutboxWorker(
            database: database, gateway: gateway, allowPrivate: configuration.allowPrivateWebhooks, logger: logger)
    }
}
