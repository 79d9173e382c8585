import NIOCore
import NIOPosix

/// Where the server's Swift tasks run.
public enum TaskExecutor {
    /// Runs every task on the server's network threads (the shared event loops) instead of a pool of their own.
    /// A request then moves between its connection, its handler and each database answer without waking a second
    /// set of threads: a report, about ten statements, otherwise changes threads three times per statement. Call
    /// it once, first thing, from the process's main thread; it does nothing where the runtime does not allow it.
    public static func shareNetworkThreads() {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
