import CourtyardServer
import SQLiteKit
import PostgresKit
import Hummingbird
import ArgumentParser
print("x")
